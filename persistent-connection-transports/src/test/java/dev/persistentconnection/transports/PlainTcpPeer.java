package dev.persistentconnection.transports;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/** The other end of a TCP session: a plain (or TLS) {@link ServerSocket} on 127.0.0.1 whose sockets the test drives. */
final class PlainTcpPeer implements AutoCloseable {
    private final ServerSocket server;
    private final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
    private final List<Socket> all = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    PlainTcpPeer() throws IOException {
        this(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    }

    /** A plain peer on {@code port}, e.g. the port of one that was just closed (a restart). */
    PlainTcpPeer(int port) throws IOException {
        this(new ServerSocket(port, 50, InetAddress.getLoopbackAddress()));
    }

    private PlainTcpPeer(ServerSocket server) {
        this.server = server;
        this.acceptor = new Thread(this::accept, "plain-tcp-peer");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A TLS peer with the test certificate. */
    static PlainTcpPeer tls() throws Exception {
        java.security.KeyStore keyStore = java.security.KeyStore.getInstance("PKCS12");
        try (var in = PlainTcpPeer.class.getResourceAsStream("/test-tls.p12")) {
            keyStore.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keyStore, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket)
                context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        return new PlainTcpPeer(server);
    }

    private void accept() {
        try {
            while (true) {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                all.add(socket);
                if (socket instanceof javax.net.ssl.SSLSocket tls) {
                    Thread handshake = new Thread(
                            () -> {
                                try {
                                    tls.startHandshake();
                                } catch (IOException e) {
                                    // a client that does not trust us: the test expects it
                                }
                            },
                            "plain-tcp-peer-tls");
                    handshake.setDaemon(true);
                    handshake.start();
                }
                accepted.add(socket);
            }
        } catch (IOException e) {
            // closed
        }
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    /** The next accepted connection, failing after 10 s. */
    Socket next() throws InterruptedException {
        Socket socket = accepted.poll(30, TimeUnit.SECONDS);
        if (socket == null) {
            throw new AssertionError("no connection within 30 s");
        }
        return socket;
    }

    @Override
    public void close() throws Exception {
        server.close();
        for (Socket socket : all) {
            socket.close();
        }
        acceptor.join(5000);
    }
}
