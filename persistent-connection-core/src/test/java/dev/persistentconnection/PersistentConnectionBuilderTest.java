package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.persistentconnection.test.ConnectionScenario;
import dev.persistentconnection.test.FakeConnection;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Bad input gets a clear error at build(); whatever the callbacks do, nothing is lost and nothing leaks. */
class PersistentConnectionBuilderTest {

    private static PersistentConnection.Builder<String, FakeConnection> complete(String name) {
        return PersistentConnection.builder(
                        name,
                        AddressSuppliers.fixed("a"),
                        (a, ctx) -> new CompletableFuture<FakeConnection>(),
                        FakeConnection.lifecycle())
                .timeSource(new VirtualTimeSource());
    }

    @Test
    void aBlankOrNullServerNameIsRefused() {
        assertThatThrownBy(() -> complete(" ").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("serverName must not be blank");
        assertThatThrownBy(() -> complete(null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("serverName");
    }

    @Test
    void eachNullRequiredPartIsNamed() {
        Connector<String, FakeConnection> connector = (a, ctx) -> new CompletableFuture<>();
        assertThatThrownBy(() -> PersistentConnection.builder("s", null, connector, FakeConnection.lifecycle()))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("addressSupplier");
        assertThatThrownBy(() -> PersistentConnection.builder(
                        "s", AddressSuppliers.fixed("a"), null, FakeConnection.lifecycle()))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("connector");
        assertThatThrownBy(() -> PersistentConnection.builder("s", AddressSuppliers.fixed("a"), connector, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("lifecycle");
    }

    /** A connection type with the three lifecycle methods, as most are. */
    static final class Session {
        final String address;
        final CompletableFuture<Void> closed = new CompletableFuture<>();

        Session(String address) {
            this.address = address;
        }

        CompletableFuture<Void> close() {
            closed.complete(null);
            return closed;
        }

        boolean isClosed() {
            return closed.isDone();
        }

        CompletableFuture<Void> closeFinished() {
            return closed;
        }
    }

    @Test
    void theRequiredPartsGiveTheTypeParameters() {
        // No type witness: A comes from the supplier, C from the lifecycle's method references.
        PersistentConnection<String, Session> connection = PersistentConnection.builder(
                        "inferred",
                        AddressSuppliers.fixed("a"),
                        (address, ctx) -> CompletableFuture.completedFuture(new Session(address)),
                        ConnectionLifecycle.of(Session::close, Session::isClosed, Session::closeFinished))
                .timeSource(new VirtualTimeSource())
                .build();

        Session session = connection.connected().join();
        assertThat(session.address).isEqualTo("a");
        connection.close();
        assertThat(session.closed).isCompleted();
        assertThat(connection.closeFinished()).isCompleted();
    }

    @Test
    void lifecycleOfRefusesNullFunctionsByName() {
        assertThatThrownBy(() -> ConnectionLifecycle.<Session>of(null, Session::isClosed, Session::closeFinished))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("close");
        assertThatThrownBy(() -> ConnectionLifecycle.<Session>of(Session::close, null, Session::closeFinished))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("isClosed");
        assertThatThrownBy(() -> ConnectionLifecycle.<Session>of(Session::close, Session::isClosed, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("closeFinished");
    }

    @Test
    void aNegativeRetryDelayOrABadRandomizationIsRefused() {
        assertThatThrownBy(
                        () -> complete("s").retryDelay(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retryDelay must not be negative");
        assertThatThrownBy(() -> complete("s")
                        .randomization(Randomization.percent(1.0, new Random()))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 1)");
        assertThatThrownBy(() -> complete("s").randomization(Randomization.percent(-0.1, new Random())))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nullPartsAreRefusedByName() {
        assertThatThrownBy(() -> complete("s").onEvent(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("onEvent");
        assertThatThrownBy(() -> complete("s").timeSource(null)).hasMessageContaining("timeSource");
        assertThatThrownBy(() -> complete("s").retryDelay((java.util.function.Supplier<Duration>) null))
                .hasMessageContaining("retryDelay");
    }

    @Test
    void aThrowingEventHandlerGoesToTheUncaughtHandlerAndTheEngineContinues() {
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        ConnectionScenario s = new ConnectionScenario();
        s.start(b -> b.uncaughtHandler(uncaught::add).onEvent(event -> {
            throw new IllegalStateException("handler bug on " + event.name());
        }));
        FakeConnection c = s.connectTo("a");

        assertThat(s.connection().currentConnection()).contains(c);
        assertThat(uncaught)
                .extracting(Throwable::getMessage)
                .containsExactly(
                        "handler bug on Attempting_to_connect",
                        "handler bug on Obtained_address",
                        "handler bug on Connected");
    }

    @Test
    void aHandlerStageThatFailsIsReportedAndCountsAsHandledButFailsTheAttemptForObtainedAddress() {
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        ConnectionScenario s = new ConnectionScenario();
        s.start(b -> b.uncaughtHandler(uncaught::add).onEvent(event -> {
            s.events().add(event.toString());
            return event instanceof ConnectionEvent.ObtainedAddress<String, FakeConnection>
                            || event instanceof ConnectionEvent.Connected<String, FakeConnection>
                    ? CompletableFuture.failedFuture(new IllegalStateException("async bug"))
                    : CompletableFuture.completedFuture(null);
        }));
        s.address("a");

        assertThat(s.connects())
                .as("the failed Obtained_address handler fails the attempt")
                .isEmpty();
        assertThat(s.events())
                .containsExactly("Attempting_to_connect", "(Obtained_address a)", "(Failed_to_connect async bug)");
        s.advance(ConnectionScenario.DELAY);
        s.address("b");
        s.advance(ConnectionScenario.DELAY);
        s.address("b");
        FakeConnection c = s.connectSucceeds();
        assertThat(s.connection().currentConnection()).contains(c);
        assertThat(uncaught).extracting(Throwable::getMessage).containsExactly("async bug");
    }

    @Test
    void throwingSuppliersAndConnectorsAreFailedAttempts() {
        ConnectionScenario s = new ConnectionScenario().addressSupplier(() -> {
            throw new IllegalStateException("catalog down");
        });
        s.start();
        assertThat(s.events()).containsExactly("Attempting_to_connect", "(Failed_to_connect catalog down)");

        ConnectionScenario t = new ConnectionScenario()
                .addressSupplier(AddressSuppliers.fixed("a"))
                .connector((a, ctx) -> {
                    throw new IllegalStateException("socket bug");
                });
        t.start();
        assertThat(t.events())
                .containsExactly("Attempting_to_connect", "(Obtained_address a)", "(Failed_to_connect socket bug)");

        ConnectionScenario u = new ConnectionScenario().addressSupplier(() -> null);
        u.start();
        assertThat(u.events()).last().asString().contains("address supplier returned no stage");

        ConnectionScenario v = new ConnectionScenario()
                .addressSupplier(AddressSuppliers.fixed("a"))
                .connector((a, ctx) -> CompletableFuture.completedFuture(null));
        v.start();
        assertThat(v.events()).last().asString().contains("connector completed with no connection");
    }

    @Test
    void aThrowingLifecycleDoesNotLeakTheConnection() {
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        FakeConnection c = new FakeConnection("c");
        java.util.concurrent.atomic.AtomicInteger closes = new java.util.concurrent.atomic.AtomicInteger();
        VirtualTimeSource time = new VirtualTimeSource();
        PersistentConnection<String, FakeConnection> connection = PersistentConnection.builder(
                        "s",
                        AddressSuppliers.fixed("a"),
                        (a, ctx) -> CompletableFuture.completedFuture(c),
                        new ConnectionLifecycle<>() {
                            @Override
                            public CompletableFuture<Void> close(FakeConnection conn) {
                                closes.incrementAndGet();
                                conn.peerClose();
                                throw new IllegalStateException("close bug");
                            }

                            @Override
                            public boolean isClosed(FakeConnection conn) {
                                return conn.isClosed();
                            }

                            @Override
                            public CompletableFuture<Void> closeFinished(FakeConnection conn) {
                                return conn.closeFinished();
                            }
                        })
                .timeSource(time)
                .uncaughtHandler(uncaught::add)
                .build();

        assertThat(connection.currentConnection()).contains(c);
        connection.close();

        assertThat(closes).hasValue(1);
        assertThat(connection.closeFinished()).isCompleted();
        assertThat(uncaught).extracting(Throwable::getMessage).containsExactly("close bug");
    }

    @Test
    void theDefaultsAreTheReferences() {
        PersistentConnection<String, FakeConnection> connection =
                complete("defaults").build();
        assertThat(PersistentConnection.DEFAULT_RETRY_DELAY).isEqualTo(Duration.ofSeconds(10));
        assertThat(connection.serverName()).isEqualTo("defaults");
        assertThat(connection.state().phase()).isEqualTo(ConnectionState.Phase.CONNECTING);
        connection.closeAsync();
    }
}
