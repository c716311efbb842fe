package dev.persistentconnection.transports;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.apache.tomcat.websocket.server.WsSci;

/**
 * A WebSocket server that is not our code: Tomcat's JSR 356 implementation on 127.0.0.1, port 0, with one endpoint
 * at {@code /ws} that echoes every message and obeys a few commands sent as text:
 * {@code close:<code>:<reason>}, {@code silent} (stops reading, so pings go unanswered),
 * {@code big:<n>} (sends n characters), {@code fragmented} (sends "hello" in two fragments) and
 * {@code handshake} (sends back the Authorization header and the chosen subprotocol).
 */
final class TomcatWebSocketServer implements AutoCloseable {
    private final Tomcat tomcat = new Tomcat();
    private final Path baseDir;
    private final boolean tls;
    private final CountDownLatch released = new CountDownLatch(1);
    final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    final List<String> authorizations = new CopyOnWriteArrayList<>();

    TomcatWebSocketServer(boolean tls) throws Exception {
        this(tls, 0);
    }

    TomcatWebSocketServer(boolean tls, int port) throws Exception {
        this.tls = tls;
        this.baseDir = Files.createTempDirectory("tomcat-ws");
        Connector connector = new Connector("org.apache.coyote.http11.Http11NioProtocol");
        connector.setPort(port);
        connector.setProperty("address", "127.0.0.1");
        if (tls) {
            Path keyStore = baseDir.resolve("tls.p12");
            try (InputStream in = TomcatWebSocketServer.class.getResourceAsStream("/test-tls.p12")) {
                Files.copy(in, keyStore, StandardCopyOption.REPLACE_EXISTING);
            }
            connector.setSecure(true);
            connector.setScheme("https");
            connector.setProperty("SSLEnabled", "true");
            SSLHostConfig host = new SSLHostConfig();
            SSLHostConfigCertificate certificate =
                    new SSLHostConfigCertificate(host, SSLHostConfigCertificate.Type.UNDEFINED);
            certificate.setCertificateKeystoreFile(keyStore.toString());
            certificate.setCertificateKeystorePassword("changeit");
            certificate.setCertificateKeystoreType("PKCS12");
            host.addCertificate(certificate);
            connector.addSslHostConfig(host);
        }
        tomcat.setBaseDir(baseDir.toString());
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", baseDir.toString());
        // Tomcat runs filters (its WebSocket upgrade is one) only for a request some servlet maps.
        Tomcat.addServlet(context, "default", new jakarta.servlet.http.HttpServlet() {
            private static final long serialVersionUID = 1L;
        });
        context.addServletMappingDecoded("/", "default");
        context.addServletContainerInitializer(new WsSci(), null);
        context.addServletContainerInitializer(
                (classes, servletContext) -> {
                    ServerContainer container =
                            (ServerContainer) servletContext.getAttribute(ServerContainer.class.getName());
                    try {
                        container.addEndpoint(ServerEndpointConfig.Builder.create(EchoEndpoint.class, "/ws")
                                .subprotocols(List.of("prices.v2", "prices.v1"))
                                .configurator(new Configurator())
                                .build());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                },
                null);
        tomcat.start();
    }

    int port() {
        return tomcat.getConnector().getLocalPort();
    }

    URI uri() {
        return URI.create((tls ? "wss" : "ws") + "://" + (tls ? "localhost" : "127.0.0.1") + ":" + port() + "/ws");
    }

    @Override
    public void close() throws Exception {
        released.countDown();
        tomcat.stop();
        tomcat.destroy();
        try (var files = Files.walk(baseDir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    /** Records the handshake and hands the server to the endpoint. */
    private final class Configurator extends ServerEndpointConfig.Configurator {
        @Override
        public void modifyHandshake(ServerEndpointConfig config, HandshakeRequest request, HandshakeResponse response) {
            List<String> auth = request.getHeaders().getOrDefault("Authorization", List.of());
            authorizations.addAll(auth);
            config.getUserProperties().put("server", TomcatWebSocketServer.this);
            config.getUserProperties().put("authorization", String.join(",", auth));
        }

        @Override
        public <T> T getEndpointInstance(Class<T> endpointClass) throws InstantiationException {
            return endpointClass.cast(new EchoEndpoint(TomcatWebSocketServer.this));
        }
    }

    /** Echoes; obeys the commands. */
    public static final class EchoEndpoint extends Endpoint {
        private final TomcatWebSocketServer server;

        EchoEndpoint(TomcatWebSocketServer server) {
            this.server = server;
        }

        @Override
        public void onOpen(Session session, EndpointConfig config) {
            server.sessions.add(session);
            session.setMaxTextMessageBufferSize(4 << 20);
            session.setMaxBinaryMessageBufferSize(4 << 20);
            String authorization = (String) config.getUserProperties().get("authorization");
            session.addMessageHandler(
                    String.class, (MessageHandler.Whole<String>) text -> onText(session, text, authorization));
            session.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) bytes -> {
                try {
                    session.getBasicRemote().sendBinary(bytes);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        private void onText(Session session, String text, String authorization) {
            try {
                if (text.startsWith("close:")) {
                    String[] parts = text.split(":", 3);
                    session.close(
                            new CloseReason(CloseReason.CloseCodes.getCloseCode(Integer.parseInt(parts[1])), parts[2]));
                } else if (text.equals("silent")) {
                    // Blocks this connection's reader: Tomcat no longer answers its pings.
                    server.released.await(30, TimeUnit.SECONDS);
                } else if (text.startsWith("big:")) {
                    session.getBasicRemote().sendText("x".repeat(Integer.parseInt(text.substring(4))));
                } else if (text.equals("fragmented")) {
                    session.getBasicRemote().sendText("hel", false);
                    session.getBasicRemote().sendText("lo", true);
                } else if (text.equals("handshake")) {
                    session.getBasicRemote().sendText(authorization + "|" + session.getNegotiatedSubprotocol());
                } else {
                    session.getBasicRemote().sendText(text);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void onClose(Session session, CloseReason closeReason) {
            server.sessions.remove(session);
        }
    }

    static Map<String, String> none() {
        return Map.of();
    }
}
