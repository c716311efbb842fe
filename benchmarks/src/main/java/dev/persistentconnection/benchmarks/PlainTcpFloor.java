package dev.persistentconnection.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * The floor of target 4 on this machine, with blocking sockets: a server thread accepts, writes one byte, and closes
 * the socket when told; the client thread, blocked in {@code read}, sees the end of stream, connects again and reads
 * the new connection's byte. Timed from the server's close to that byte. {@code idleMillis} before each close: the
 * connection lives as long as the reconnect benchmark's do, so that both start from threads that slept as long
 * (on this machine a close after 30 ms of sleep takes several times as long as one back to back).
 */
final class PlainTcpFloor {
    private PlainTcpFloor() {}

    static long[] measure(int warmup, int rounds, long idleMillis) throws Exception {
        long[] result = new long[rounds];
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            server.setSoTimeout(5000);
            SynchronousQueue<Socket> accepted = new SynchronousQueue<>();
            Thread acceptor = new Thread(
                    () -> {
                        try {
                            while (!Thread.currentThread().isInterrupted()) {
                                Socket s = server.accept();
                                s.setTcpNoDelay(true);
                                s.getOutputStream().write(1);
                                if (!accepted.offer(s, 5, TimeUnit.SECONDS)) {
                                    s.close();
                                    return;
                                }
                            }
                        } catch (IOException | InterruptedException e) {
                            // the server socket closed, or a timeout: the measurement is over
                        }
                    },
                    "floor-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
            try {
                Socket client = connect(server.getLocalPort());
                Socket serverSide = accepted.poll(5, TimeUnit.SECONDS);
                for (int round = 0; round < warmup + rounds; round++) {
                    if (idleMillis > 0) {
                        Thread.sleep(idleMillis);
                    }
                    long start = System.nanoTime();
                    serverSide.close();
                    InputStream in = client.getInputStream();
                    if (in.read() != -1) {
                        throw new IllegalStateException("expected the end of stream");
                    }
                    client.close();
                    client = connect(server.getLocalPort());
                    long end = System.nanoTime();
                    if (round >= warmup) {
                        result[round - warmup] = end - start;
                    }
                    serverSide = accepted.poll(5, TimeUnit.SECONDS);
                    if (serverSide == null) {
                        throw new IllegalStateException("no connection accepted");
                    }
                }
                client.close();
                serverSide.close();
            } finally {
                acceptor.interrupt();
            }
        }
        return result;
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(5000);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        if (socket.getInputStream().read() != 1) {
            throw new IllegalStateException("expected the server's byte");
        }
        return socket;
    }
}
