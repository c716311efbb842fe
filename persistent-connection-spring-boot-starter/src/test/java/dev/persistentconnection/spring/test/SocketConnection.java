package dev.persistentconnection.spring.test;

import dev.persistentconnection.ConnectionLifecycle;
import dev.persistentconnection.Connector;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A plain TCP client connection: the custom-connector path of the starter, as a user would write it. */
public final class SocketConnection {

    public static final ConnectionLifecycle<SocketConnection> LIFECYCLE = new ConnectionLifecycle<>() {
        @Override
        public CompletionStage<Void> close(SocketConnection connection) {
            connection.close();
            return connection.closeFinished;
        }

        @Override
        public boolean isClosed(SocketConnection connection) {
            return connection.socket.isClosed();
        }

        @Override
        public CompletionStage<Void> closeFinished(SocketConnection connection) {
            return connection.closeFinished;
        }
    };

    private final Socket socket;
    private final CompletableFuture<Void> closeFinished = new CompletableFuture<>();

    private SocketConnection(Socket socket) {
        this.socket = socket;
        Thread reader = new Thread(this::readUntilClosed, "test-client-read");
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects on a new thread (connect blocks), with the given timeout in milliseconds. */
    public static Connector<InetSocketAddress, SocketConnection> connector(int timeoutMillis) {
        return (address, context) -> {
            CompletableFuture<SocketConnection> result = new CompletableFuture<>();
            Thread connecting = new Thread(
                    () -> {
                        Socket socket = new Socket();
                        try {
                            socket.connect(
                                    new InetSocketAddress(address.getHostString(), address.getPort()), timeoutMillis);
                            result.complete(new SocketConnection(socket));
                        } catch (IOException ex) {
                            try {
                                socket.close();
                            } catch (IOException ignored) {
                                // ignore
                            }
                            result.completeExceptionally(ex);
                        }
                    },
                    "test-client-connect");
            connecting.setDaemon(true);
            connecting.start();
            return result;
        };
    }

    public static PersistentConnectionRegistration<InetSocketAddress, SocketConnection> registration(String name) {
        return PersistentConnectionRegistration.<InetSocketAddress, SocketConnection>forConnection(name)
                .connectorFactory(
                        settings -> connector((int) settings.connectTimeout().toMillis()))
                .lifecycle(LIFECYCLE)
                .build();
    }

    private void readUntilClosed() {
        try (InputStream in = socket.getInputStream()) {
            byte[] buffer = new byte[256];
            while (in.read(buffer) >= 0) {
                // discard
            }
        } catch (IOException ex) {
            // closed
        } finally {
            close();
            closeFinished.complete(null);
        }
    }

    public void close() {
        try {
            socket.close();
        } catch (IOException ex) {
            // ignore
        }
    }

    @Override
    public String toString() {
        return "SocketConnection[" + socket.getRemoteSocketAddress() + "]";
    }
}
