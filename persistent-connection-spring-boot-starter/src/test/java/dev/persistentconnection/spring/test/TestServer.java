package dev.persistentconnection.spring.test;

import dev.persistentconnection.test.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP server on 127.0.0.1 that accepts connections and reads until EOF; stop closes the listener and every
 * accepted socket, restart listens again on the same port.
 */
public final class TestServer implements AutoCloseable {

    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private volatile ServerSocket serverSocket;
    private volatile int port;

    public static TestServer start() throws IOException {
        TestServer server = new TestServer();
        server.listen(FreePorts.outsideTheEphemeralRange()); // restart() listens on it again
        return server;
    }

    private synchronized void listen(int requestedPort) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort));
        this.serverSocket = socket;
        this.port = socket.getLocalPort();
        Thread acceptor = new Thread(() -> acceptLoop(socket), "test-server-accept-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptLoop(ServerSocket socket) {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                accepted.add(client);
                Thread reader = new Thread(() -> drain(client), "test-server-read-" + port);
                reader.setDaemon(true);
                reader.start();
            } catch (IOException ex) {
                return;
            }
        }
    }

    private void drain(Socket client) {
        try (InputStream in = client.getInputStream()) {
            byte[] buffer = new byte[256];
            while (in.read(buffer) >= 0) {
                // discard
            }
        } catch (IOException ex) {
            // closed
        } finally {
            accepted.remove(client);
        }
    }

    public int port() {
        return port;
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    public int connectedClients() {
        return accepted.size();
    }

    /** Stops listening and closes every accepted connection. */
    public synchronized void stop() {
        try {
            serverSocket.close();
        } catch (IOException ex) {
            // ignore
        }
        for (Socket socket : accepted) {
            try {
                socket.close();
            } catch (IOException ex) {
                // ignore
            }
        }
        accepted.clear();
    }

    /** Listens again on the same port. */
    public synchronized void restart() throws IOException {
        listen(port);
    }

    @Override
    public void close() {
        stop();
    }
}
