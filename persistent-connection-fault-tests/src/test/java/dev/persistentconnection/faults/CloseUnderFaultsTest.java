package dev.persistentconnection.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.ConnectionState;
import dev.persistentconnection.PersistentConnectionClosedException;
import dev.persistentconnection.faults.FaultProxy.Cut;
import dev.persistentconnection.tasks.ConnectionLostException;
import dev.persistentconnection.tasks.TaskClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code close()} in every phase, with real sockets and faults: it returns within a bounded time, and afterwards
 * nothing runs: no attempt in flight, no timer pending, no open {@code TaskClient}, no connection left at the proxy
 * or the server, no further event, and (once the rig is closed) no thread left behind.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CloseUnderFaultsTest {

    static final Duration CONNECT_TIMEOUT = Duration.ofMillis(800);
    static final Duration HEARTBEAT_INTERVAL = Duration.ofMillis(100);
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofMillis(600);
    static final long SLACK_MILLIS = 500;

    private TreeMap<String, Integer> threadsBefore;
    private Rig rig;

    @BeforeEach
    void threads() {
        threadsBefore = Resources.threads();
    }

    @AfterEach
    void nothingLeftRunning() {
        if (rig != null) {
            rig.close();
        }
        TreeMap<String, Integer> expected = new TreeMap<>(threadsBefore);
        expected.remove("persistent-connection-timer");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            TreeMap<String, Integer> now = Resources.threads();
            now.remove("persistent-connection-timer");
            assertThat(now).isEqualTo(expected);
        });
    }

    private Rig rig(Duration retryDelay) throws Exception {
        rig = new Rig(retryDelay, CONNECT_TIMEOUT, HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT);
        return rig;
    }

    /** Closes, timing it, and checks that the engine is terminated and holds nothing. */
    private long closeAndCheck(long boundMillis) throws Exception {
        long t0 = System.nanoTime();
        rig.connection.closeAsync().get(boundMillis + SLACK_MILLIS, TimeUnit.MILLISECONDS);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(millis).as("close() time").isLessThanOrEqualTo(boundMillis + SLACK_MILLIS);
        assertThat(rig.connection.isClosed()).isTrue();
        assertThat(rig.connection.closeFinished()).isDone();
        // Nothing left: no attempt, no timer, no connection anywhere; then no further event.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(rig.connection.state().phase()).isEqualTo(ConnectionState.Phase.CLOSED);
            assertThat(rig.connection.currentConnection()).isEmpty();
            assertThat(rig.connector.inFlight.get()).isZero();
            assertThat(rig.pendingTimers()).isZero();
            assertThat(rig.connector.created).allMatch(c -> c.closeFinished().isDone());
            assertThat(rig.proxy.liveConnections()).isZero();
            assertThat(rig.server.numClients()).isZero();
        });
        long events = rig.grammar.size();
        long attempts = rig.connector.attempts.get();
        rig.grammar.terminated();
        Thread.sleep(Math.min(2 * rig.retryDelay.toMillis() + 200, 1_000));
        assertThat(rig.grammar.size()).as("events after termination").isEqualTo(events);
        assertThat(rig.connector.attempts.get()).as("attempts after close").isEqualTo(attempts);
        assertThat(rig.grammar.violations()).isEmpty();
        assertThat(rig.lifecycle.closedTwice()).isEmpty();
        assertThat(rig.connection.connectedOrFailedToConnect())
                .failsWithin(Duration.ofSeconds(1))
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(PersistentConnectionClosedException.class);
        System.out.printf("[close] %s in %d ms; events %s%n", phase, millis, rig.eventNames());
        return millis;
    }

    private String phase;

    @Test
    void whileConnectingToAnAcceptThatHangs() throws Exception {
        phase = "connecting to a hanging accept";
        rig(Duration.ofMillis(200));
        rig.proxy.hang(true);
        rig.start();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> rig.proxy.accepted() == 1 && rig.connector.inFlight.get() == 1);
        // close() waits for the attempt in flight (docs/SEMANTICS.md §11.3); the connect timeout bounds it.
        closeAndCheck(CONNECT_TIMEOUT.toMillis());
        assertThat(rig.connector.created).isEmpty();
        assertThat(rig.eventNames())
                .containsExactly("Attempting_to_connect", "(Obtained_address)", "(Failed_to_connect)");
    }

    @Test
    void whileConnectedWithTasksInFlight() throws Exception {
        phase = "connected with tasks in flight";
        rig(Duration.ofMillis(200));
        TaskClient client = rig.start().connected().get(5, TimeUnit.SECONDS);
        List<CompletableFuture<byte[]>> tasks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            tasks.add(client.submit(ExecutingServer.ECHO, ExecutingServer.payload(i, 5_000)));
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> rig.server.executions().size() >= 8);
        closeAndCheck(200);
        for (CompletableFuture<byte[]> t : tasks) {
            assertThat(t)
                    .failsWithin(Duration.ofSeconds(1))
                    .withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(ConnectionLostException.class);
        }
        assertThat(rig.lifecycle.closeCalls.get(client).get()).isEqualTo(1);
        assertThat(rig.eventNames())
                .containsExactly("Attempting_to_connect", "(Obtained_address)", "(Connected)", "Disconnected");
    }

    @Test
    void whileWaitingToRetry() throws Exception {
        phase = "waiting to retry";
        rig(Duration.ofSeconds(30));
        rig.proxy.refuse();
        rig.start();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> rig.connection.state().phase() == ConnectionState.Phase.WAITING_TO_RETRY);
        assertThat(rig.pendingTimers()).isEqualTo(1);
        closeAndCheck(100);
        assertThat(rig.eventNames())
                .containsExactly("Attempting_to_connect", "(Obtained_address)", "(Failed_to_connect)");
    }

    @Test
    void whileTheServerIsDownAndTheProxyResets() throws Exception {
        phase = "server down, waiting to retry after a reset handshake";
        rig(Duration.ofSeconds(30));
        rig.server.crash();
        rig.start();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> rig.connection.state().phase() == ConnectionState.Phase.WAITING_TO_RETRY);
        closeAndCheck(100);
    }

    @Test
    void whileTheConnectionIsHalfOpen() throws Exception {
        phase = "connected, peer silently stalled";
        rig(Duration.ofMillis(200));
        TaskClient client = rig.start().connected().get(5, TimeUnit.SECONDS);
        rig.proxy.stallAll(true, true);
        CompletableFuture<byte[]> task = client.submit(ExecutingServer.ECHO, ExecutingServer.payload(1, 0));
        closeAndCheck(200);
        assertThat(task)
                .failsWithin(Duration.ofSeconds(1))
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(ConnectionLostException.class);
    }

    @Test
    void underLoadWhileFaultsRun() throws Exception {
        phase = "under load with faults running";
        long seed = System.nanoTime();
        System.out.println("[close] seed " + seed);
        Random random = new Random(seed);
        rig(Duration.ofMillis(100));
        rig.start().connected().get(5, TimeUnit.SECONDS);
        Load load = new Load(rig.connection, seed, 3);
        load.start();
        for (int i = 0; i < 10; i++) {
            switch (random.nextInt(4)) {
                case 0 -> rig.proxy.cutAll(Cut.RST);
                case 1 -> rig.proxy.cutAll(Cut.FIN);
                case 2 -> rig.proxy.stallAll(true, true);
                default -> rig.proxy.latency(random.nextInt(50));
            }
            Thread.sleep(50 + random.nextInt(200));
            rig.proxy.latency(0);
        }
        rig.proxy.hang(random.nextBoolean());
        closeAndCheck(CONNECT_TIMEOUT.toMillis());
        load.stop();
        await().atMost(Duration.ofSeconds(5)).until(load.pending::isEmpty);
        assertThat(load.count(Load.Outcome.OTHER)
                        + load.count(Load.Outcome.WRONG_ANSWER)
                        + load.count(Load.Outcome.TIMEOUT))
                .as("unclear outcomes: " + load.errors)
                .isZero();
        assertThat(rig.server.executedMoreThanOnce()).isEmpty();
    }
}
