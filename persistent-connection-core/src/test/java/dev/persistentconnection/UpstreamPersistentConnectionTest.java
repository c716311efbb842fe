package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.test.FakeConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The two reference scenarios of docs/SEMANTICS.md §12, with a fake connection in place of a server.
 */
class UpstreamPersistentConnectionTest {

    /** T1: the first event is synchronous inside create; connected shows the address and Connected; close shows Disconnected. */
    @Test
    void t1CreateConnectedDispatchClose() {
        for (String serverName : List.of("unversioned rpc", "versioned rpc")) {
            List<String> output = new ArrayList<>();
            VirtualTimeSource time = new VirtualTimeSource();
            CompletableFuture<String> hostAndPort = new CompletableFuture<>();
            PersistentConnection<String, FakeConnection> connection = PersistentConnection.builder(
                            serverName,
                            () -> hostAndPort,
                            (address, ctx) -> CompletableFuture.completedFuture(new FakeConnection(address)),
                            FakeConnection.lifecycle())
                    .timeSource(time)
                    .onEvent(event -> {
                        output.add(
                                event instanceof ConnectionEvent.ObtainedAddress<String, FakeConnection>
                                        ? "(Obtained_address <elided>)"
                                        : event.toString());
                        return CompletableFuture.completedFuture(null);
                    })
                    .build();

            assertThat(output).containsExactly("Attempting_to_connect");
            output.clear();

            hostAndPort.complete("127.0.0.1:1234");
            FakeConnection c = connection.connected().join();
            assertThat(output).containsExactly("(Obtained_address <elided>)", "(Connected <opaque>)");
            output.clear();

            assertThat(c.name()).as("dispatch reaches the server").isEqualTo("127.0.0.1:1234");

            connection.close();
            assertThat(output).containsExactly("Disconnected");
            assertThat(connection.serverName()).isEqualTo(serverName);
        }
    }

    /** T2 "event logging": a failed lookup, then the address; logged with the reference's levels and labels. */
    @Test
    void t2EventLogging() {
        List<String> log = new ArrayList<>();
        VirtualTimeSource time = new VirtualTimeSource();
        AtomicInteger lookups = new AtomicInteger();
        PersistentConnection<String, FakeConnection> connection = PersistentConnection.<String, FakeConnection>builder(
                        "rpc test",
                        () -> lookups.getAndIncrement() == 0
                                ? CompletableFuture.failedFuture(new RuntimeException("failed to get host and port"))
                                : CompletableFuture.completedFuture("(localhost 1234)"),
                        (address, ctx) -> CompletableFuture.completedFuture(new FakeConnection(address)),
                        FakeConnection.lifecycle())
                .timeSource(time)
                .retryDelay(Duration.ofMillis(100)) // the reference's default under test, randomized
                .onEvent(event -> {
                    log.add("(level " + level(event) + ") (label " + event.name() + ") (event " + event + ")");
                    return CompletableFuture.completedFuture(null);
                })
                .build();

        time.advanceBy(Duration.ofMillis(130));
        FakeConnection c = connection.connected().join();

        assertThat(log)
                .containsExactly(
                        "(level Info) (label Attempting_to_connect) (event Attempting_to_connect)",
                        "(level Error) (label Failed_to_connect) (event (Failed_to_connect failed to get host and port))",
                        "(level Info) (label Obtained_address) (event (Obtained_address (localhost 1234)))",
                        "(level Info) (label Connected) (event (Connected <opaque>))");
        assertThat(c.name()).isEqualTo("(localhost 1234)");
        log.clear();

        connection.close();
        assertThat(log).containsExactly("(level Info) (label Disconnected) (event Disconnected)");
    }

    private static String level(ConnectionEvent<?, ?> event) {
        return event.logLevel() == System.Logger.Level.ERROR ? "Error" : "Info";
    }
}
