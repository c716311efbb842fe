package dev.persistentconnection.spring.test;

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
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.apache.tomcat.websocket.server.WsSci;

/**
 * Tomcat's WebSocket server on 127.0.0.1, port 0, echoing text at {@code /ws}; {@code close:<code>:<reason>}
 * makes it close the session with that status. Records each handshake's Authorization header.
 */
public final class TomcatEchoServer implements AutoCloseable {

    private final Tomcat tomcat = new Tomcat();
    private final Path baseDir;
    public final List<String> authorizations = new CopyOnWriteArrayList<>();

    private final boolean tls;

    public TomcatEchoServer() throws Exception {
        this(false);
    }

    /** With {@code tls}, wss with the test certificate (test-tls.p12, CN localhost, password changeit). */
    public TomcatEchoServer(boolean tls) throws Exception {
        this.tls = tls;
        this.baseDir = Files.createTempDirectory("tomcat-echo");
        Connector connector = new Connector("org.apache.coyote.http11.Http11NioProtocol");
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        if (tls) {
            Path keyStore = baseDir.resolve("tls.p12");
            try (var in = TomcatEchoServer.class.getResourceAsStream("/test-tls.p12")) {
                Files.copy(in, keyStore);
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
                        container.addEndpoint(ServerEndpointConfig.Builder.create(Echo.class, "/ws")
                                .configurator(new ServerEndpointConfig.Configurator() {
                                    @Override
                                    public void modifyHandshake(
                                            ServerEndpointConfig config,
                                            HandshakeRequest request,
                                            HandshakeResponse response) {
                                        authorizations.addAll(
                                                request.getHeaders().getOrDefault("Authorization", List.of()));
                                    }
                                })
                                .build());
                    } catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                },
                null);
        tomcat.start();
    }

    public URI uri() {
        return URI.create((tls ? "wss://localhost:" : "ws://127.0.0.1:")
                + tomcat.getConnector().getLocalPort() + "/ws");
    }

    @Override
    public void close() throws Exception {
        tomcat.stop();
        tomcat.destroy();
        try (var files = Files.walk(baseDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Echoes text; obeys close:<code>:<reason>. */
    public static final class Echo extends Endpoint {
        @Override
        public void onOpen(Session session, EndpointConfig config) {
            session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
                try {
                    if (text.startsWith("close:")) {
                        String[] parts = text.split(":", 3);
                        session.close(new CloseReason(
                                CloseReason.CloseCodes.getCloseCode(Integer.parseInt(parts[1])), parts[2]));
                    } else {
                        session.getBasicRemote().sendText(text);
                    }
                } catch (IOException ex) {
                    throw new IllegalStateException(ex);
                }
            });
        }
    }
}
