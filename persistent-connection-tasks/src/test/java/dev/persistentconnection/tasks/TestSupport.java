package dev.persistentconnection.tasks;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;

/** Shared set-up for tests: short timeouts, and everything opened is closed after each test, newest first. */
abstract class TestSupport {
    static final Duration HEARTBEAT_INTERVAL = Duration.ofMillis(200);
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(3);

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    @AfterEach
    void closeResources() throws Exception {
        Exception first = null;
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    <T extends AutoCloseable> T closeLater(T resource) {
        resources.push(resource);
        return resource;
    }

    static TaskServer.Builder serverBuilder() {
        return TaskServer.builder()
                .readTimeout(Duration.ofSeconds(2))
                .writeTimeout(Duration.ofSeconds(5))
                .heartbeatInterval(HEARTBEAT_INTERVAL)
                .heartbeatTimeout(HEARTBEAT_TIMEOUT)
                .taskThreads(32);
    }

    static TaskClientOptions.Builder clientOptions() {
        return TaskClientOptions.builder()
                .connectTimeout(Duration.ofSeconds(5))
                .heartbeatInterval(HEARTBEAT_INTERVAL)
                .heartbeatTimeout(HEARTBEAT_TIMEOUT)
                .taskTimeout(Duration.ofSeconds(30));
    }

    TaskServer start(TaskServer server) {
        closeLater(server);
        return server.start();
    }

    TaskClient connect(TaskServer server) throws Exception {
        return connect(server, clientOptions().build());
    }

    TaskClient connect(TaskServer server, TaskClientOptions options) throws Exception {
        return connect(server, options, Duration.ofSeconds(10));
    }

    /** Connects within {@code wait} (a TLS handshake on a loaded machine needs more than a plain connect). */
    TaskClient connect(TaskServer server, TaskClientOptions options, Duration wait) throws Exception {
        TaskConnector connector = closeLater(TaskClients.connector(options));
        TaskClient client = connector.connect(server.localAddress()).get(wait.toMillis(), TimeUnit.MILLISECONDS);
        return closeLater(client);
    }

    Socket rawSocket(InetSocketAddress address) throws IOException {
        Socket socket = closeLater(new Socket());
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static <T> T result(CompletableFuture<T> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    /** The client's hello, big-endian, with a 1 MiB frame size. */
    static byte[] hello(int version) {
        return ByteBuffer.allocate(Handshake.HELLO_SIZE)
                .putInt(Handshake.MAGIC)
                .put((byte) version)
                .put(Handshake.BIG_ENDIAN)
                .putInt(1 << 20)
                .array();
    }

    /** Sends a hello and reads an accepting reply. */
    static void handshake(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(hello(Handshake.VERSION));
        out.flush();
        byte[] reply = new byte[Handshake.ACCEPT_SIZE];
        new DataInputStream(socket.getInputStream()).readFully(reply);
        ByteBuffer b = ByteBuffer.wrap(reply);
        if (b.getInt() != Handshake.MAGIC || b.get() != Handshake.ACCEPTED) {
            throw new IOException("handshake not accepted");
        }
    }

    /** A big-endian TASK frame. */
    static byte[] taskFrame(int id, int code, byte[] payload) {
        return ByteBuffer.allocate(4 + Frame.TASK_HEADER + payload.length)
                .putInt(Frame.TASK_HEADER + payload.length)
                .put(Frame.TASK)
                .putInt(id)
                .putShort((short) code)
                .put(payload)
                .array();
    }

    /** Reads until the peer closes; true if it did (false on read timeout). */
    static boolean readsUntilClosed(Socket socket) {
        try {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            while (in.read(buffer) >= 0) {
                // discard
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the peer counts as closed
        }
    }
}
