package dev.persistentconnection.spring.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionAutoConfiguration;
import dev.persistentconnection.spring.test.TomcatEchoServer;
import dev.persistentconnection.transports.MessageHandler;
import dev.persistentconnection.transports.TcpSession;
import dev.persistentconnection.transports.WebSocketSession;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;

/**
 * The README's "WebSocket and TCP connections from properties alone": its YAML block, read from README.md and used
 * as written, with only the two endpoints and the SSL bundle pointed at local servers (a wss Tomcat with the test
 * certificate, a plain ServerSocket), and its two handler beans.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReadmeMessageTransportsTest {

    static final BlockingQueue<String> PRICES = new LinkedBlockingQueue<>();
    static final BlockingQueue<String> READINGS = new LinkedBlockingQueue<>();

    /** The README's beans, with the application's own types reduced to queues. */
    @Configuration(proxyBeanMethods = false)
    static class Handlers {

        @Bean
        @Qualifier("prices") // bound by the connection's name
        MessageHandler pricesHandler() {
            return (session, message) -> PRICES.add(message.text());
        }

        @Bean
        @Qualifier("telemetry")
        MessageHandler telemetryHandler() {
            return (session, message) -> READINGS.add(message.text());
        }
    }

    static String readmeYaml() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        int marker = readme.indexOf("<!-- readme-transports-yml -->");
        assertThat(marker).as("the README's marker").isPositive();
        int start = readme.indexOf("```yaml\n", marker) + "```yaml\n".length();
        return readme.substring(start, readme.indexOf("```", start));
    }

    @Test
    void theReadmeYamlRunsAsWritten() throws Exception {
        PRICES.clear();
        READINGS.clear();
        List<PropertySource<?>> yaml = new YamlPropertySourceLoader()
                .load("README.md", new ByteArrayResource(readmeYaml().getBytes(StandardCharsets.UTF_8)));
        Path keyStore = Files.createTempFile("feed-ca", ".p12");
        try (TomcatEchoServer feed = new TomcatEchoServer(true);
                ServerSocket telemetryPeer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            try (var in = getClass().getResourceAsStream("/test-tls.p12")) {
                Files.copy(in, keyStore, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(
                            SslAutoConfiguration.class, PersistentConnectionAutoConfiguration.class))
                    .withUserConfiguration(Handlers.class)
                    .withInitializer(context -> yaml.forEach(source ->
                            context.getEnvironment().getPropertySources().addLast(source)))
                    .withPropertyValues(
                            "FEED_TOKEN=s3cret",
                            "persistent-connection.connections.prices.websocket.uri=" + feed.uri(),
                            "persistent-connection.connections.telemetry.tcp.addresses=127.0.0.1:"
                                    + telemetryPeer.getLocalPort(),
                            "spring.ssl.bundle.jks.feed-ca.truststore.location=file:" + keyStore,
                            "spring.ssl.bundle.jks.feed-ca.truststore.password=changeit",
                            "spring.ssl.bundle.jks.feed-ca.truststore.type=PKCS12")
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        PersistentConnections connections = context.getBean(PersistentConnections.class);
                        PersistentConnection<URI, WebSocketSession> prices = connections.get("prices");
                        WebSocketSession session = prices.connected().get(30, TimeUnit.SECONDS);
                        assertThat(session.uri().getScheme()).isEqualTo("wss");
                        session.send("EURUSD 1.0842").toCompletableFuture().get(30, TimeUnit.SECONDS);
                        assertThat(PRICES.poll(30, TimeUnit.SECONDS)).isEqualTo("EURUSD 1.0842");
                        assertThat(feed.authorizations).containsExactly("Bearer s3cret");

                        PersistentConnection<InetSocketAddress, TcpSession> telemetry = connections.get("telemetry");
                        TcpSession stream = telemetry.connected().get(30, TimeUnit.SECONDS);
                        try (Socket peer = telemetryPeer.accept()) {
                            peer.getOutputStream().write("cpu 0.42\n".getBytes(StandardCharsets.UTF_8));
                            assertThat(READINGS.poll(30, TimeUnit.SECONDS)).isEqualTo("cpu 0.42");
                            stream.send("ack").toCompletableFuture().get(30, TimeUnit.SECONDS);
                            BufferedReader in = new BufferedReader(
                                    new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8));
                            assertThat(in.readLine()).isEqualTo("ack");
                        }
                    });
        } finally {
            Files.deleteIfExists(keyStore);
        }
    }
}
