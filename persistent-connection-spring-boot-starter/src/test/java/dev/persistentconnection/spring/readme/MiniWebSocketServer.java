package dev.persistentconnection.spring.readme;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Just enough of a WebSocket server on 127.0.0.1 for the README example: handshake, one text frame, EOF on stop. */
final class MiniWebSocketServer implements AutoCloseable {

    private final List<Socket> clients = new CopyOnWriteArrayList<>();
    private final String greeting;
    private volatile ServerSocket server;
    private volatile int port;

    MiniWebSocketServer(String greeting) {
        this.greeting = greeting;
    }

    MiniWebSocketServer start(int requestedPort) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort));
        server = socket;
        port = socket.getLocalPort();
        Thread acceptor = new Thread(
                () -> {
                    while (!socket.isClosed()) {
                        try {
                            Socket client = socket.accept();
                            clients.add(client);
                            Thread handler = new Thread(() -> serve(client), "mini-ws-client");
                            handler.setDaemon(true);
                            handler.start();
                        } catch (IOException ex) {
                            return;
                        }
                    }
                },
                "mini-ws-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return this;
    }

    int port() {
        return port;
    }

    int clients() {
        return clients.size();
    }

    private void serve(Socket client) {
        try {
            InputStream in = client.getInputStream();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1));
            String key = null;
            for (String line = reader.readLine(); line != null && !line.isEmpty(); line = reader.readLine()) {
                if (line.toLowerCase().startsWith("sec-websocket-key:")) {
                    key = line.substring(line.indexOf(':') + 1).trim();
                }
            }
            byte[] sha1 = MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.ISO_8859_1));
            OutputStream out = client.getOutputStream();
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Accept: " + Base64.getEncoder().encodeToString(sha1) + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            byte[] text = greeting.getBytes(StandardCharsets.UTF_8);
            out.write(new byte[] {(byte) 0x81, (byte) text.length});
            out.write(text);
            out.flush();
            while (in.read() >= 0) {
                // discard client frames until EOF
            }
        } catch (Exception ex) {
            // closed
        } finally {
            clients.remove(client);
            try {
                client.close();
            } catch (IOException ignored) {
                // ignore
            }
        }
    }

    void stop() {
        try {
            server.close();
        } catch (IOException ignored) {
            // ignore
        }
        for (Socket client : clients) {
            try {
                client.close();
            } catch (IOException ignored) {
                // ignore
            }
        }
    }

    @Override
    public void close() {
        stop();
    }
}
