package dev.persistentconnection.spring.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionAutoConfiguration;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The README's custom-connector example (a JDK WebSocket kept alive) against a real WebSocket server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadmeCustomConnectorTest {

    @Test
    void theWebSocketExampleConnectsAndReconnects() throws Exception {
        QuotesConnectionConfiguration.QUOTES.clear();
        MiniWebSocketServer server = new MiniWebSocketServer("EURUSD 1.0842").start(0);
        int port = server.port();
        try {
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(PersistentConnectionAutoConfiguration.class))
                    .withUserConfiguration(QuotesConnectionConfiguration.class)
                    .withPropertyValues(
                            "persistent-connection.connections.quotes.addresses=127.0.0.1:" + port,
                            "persistent-connection.connections.quotes.retry-delay=200ms")
                    .run(context -> {
                        PersistentConnection<URI, QuotesConnectionConfiguration.QuotesSession> quotes =
                                context.getBean(PersistentConnections.class).get("quotes");
                        quotes.connected().get(10, TimeUnit.SECONDS);
                        await().atMost(Duration.ofSeconds(10))
                                .until(() -> QuotesConnectionConfiguration.QUOTES.contains("EURUSD 1.0842"));
                        server.stop();
                        await().atMost(Duration.ofSeconds(10))
                                .until(() -> quotes.currentConnection().isEmpty());
                        MiniWebSocketServer again = new MiniWebSocketServer("EURUSD 1.0850");
                        await().atMost(Duration.ofSeconds(10)).until(() -> {
                            try {
                                again.start(port);
                                return true;
                            } catch (java.io.IOException ex) {
                                return false;
                            }
                        });
                        try {
                            await().atMost(Duration.ofSeconds(10))
                                    .until(() -> QuotesConnectionConfiguration.QUOTES.contains("EURUSD 1.0850"));
                            assertThat(quotes.currentConnection()).isPresent();
                        } finally {
                            context.close();
                            again.stop();
                        }
                    });
        } finally {
            server.stop();
        }
    }
}
