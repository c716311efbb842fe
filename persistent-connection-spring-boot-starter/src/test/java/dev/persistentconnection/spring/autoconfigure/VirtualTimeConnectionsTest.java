package dev.persistentconnection.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.ConnectContext;
import dev.persistentconnection.ConnectionState;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.VirtualTimeSource;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.test.RecordingConnector;
import dev.persistentconnection.test.FakeConnection;
import dev.persistentconnection.test.spring.VirtualTimeConnections;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;

/**
 * {@code @VirtualTimeConnections}: the application's connections run on the test's virtual clock, so a retry happens
 * exactly when the test moves the clock past the delay, on the test's thread.
 */
@SpringBootTest(
        classes = VirtualTimeConnectionsTest.Application.class,
        properties = {
            "persistent-connection.connections.orders.addresses=localhost:7000",
            "persistent-connection.connections.orders.retry-delay=10s",
            "persistent-connection.connections.orders.jitter=0"
        })
@VirtualTimeConnections
class VirtualTimeConnectionsTest {

    @Autowired
    VirtualTimeSource time;

    @Autowired
    @Qualifier("orders")
    PersistentConnection<InetSocketAddress, FakeConnection> orders;

    @Autowired
    RefusingOnce connector;

    @Test
    void theRetryWaitsForTheVirtualClock() {
        assertThat(connector.attempts).hasValue(1);
        assertThat(orders.state().phase()).isEqualTo(ConnectionState.Phase.WAITING_TO_RETRY);

        time.advanceBy(Duration.ofSeconds(9));
        assertThat(connector.attempts).as("no retry before the delay").hasValue(1);

        time.advanceBy(Duration.ofSeconds(1));
        assertThat(connector.attempts).hasValue(2);
        assertThat(orders.state().phase()).isEqualTo(ConnectionState.Phase.CONNECTED);
        assertThat(orders.currentConnection()).containsSame(connector.connections.get(0));
    }

    /** Refuses the first connect, then connects. */
    static final class RefusingOnce extends RecordingConnector {
        final AtomicInteger attempts = new AtomicInteger();

        @Override
        public CompletionStage<FakeConnection> connect(InetSocketAddress address, ConnectContext context) {
            if (attempts.incrementAndGet() == 1) {
                return CompletableFuture.failedFuture(new ConnectException("Connection refused"));
            }
            return super.connect(address, context);
        }
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @ImportAutoConfiguration(PersistentConnectionAutoConfiguration.class)
    static class Application {

        @Bean
        RefusingOnce connector() {
            return new RefusingOnce();
        }

        @Bean
        PersistentConnectionRegistration<InetSocketAddress, FakeConnection> ordersRegistration(RefusingOnce connector) {
            return RecordingConnector.registration("orders", connector);
        }
    }
}
