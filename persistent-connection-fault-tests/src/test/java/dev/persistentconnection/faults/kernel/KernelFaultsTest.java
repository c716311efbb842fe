package dev.persistentconnection.faults.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.ConnectionEvent;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.Randomization;
import dev.persistentconnection.tasks.ConnectionLostException;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClientOptions;
import dev.persistentconnection.tasks.TaskClients;
import dev.persistentconnection.tasks.TaskConnector;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults that happen in the kernel, not in a proxy: the task server runs in another JVM process, which is killed
 * with SIGKILL (the kernel closes its sockets: the client hears of it at once) or frozen with SIGSTOP (the kernel
 * keeps the connection and even acknowledges data; only heartbeats can tell). Where the machine allows network
 * namespaces (root, {@code ip netns}), a server and a client in one namespace lose their loopback: packets vanish,
 * with no FIN and no RST. Each asserts detection within the heartbeat timeout and the next connection within the
 * retry delay, and writes the measured times to {@code target/kernel-faults.txt}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KernelFaultsTest {

    static final Duration RETRY_DELAY = Duration.ofMillis(300);
    static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
    static final Duration HEARTBEAT_INTERVAL = Duration.ofMillis(100);
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofMillis(600);
    /** Scheduling slack on a loaded 2-core machine. */
    static final long SLACK_MILLIS = 400;

    /** An event and when it was delivered (System.nanoTime()). */
    record Stamped(ConnectionEvent<InetSocketAddress, TaskClient> event, long nanos) {}

    private final List<Stamped> events = new CopyOnWriteArrayList<>();

    private String[] serverArgs() {
        return new String[] {
            "server", "0", String.valueOf(HEARTBEAT_INTERVAL.toMillis()), String.valueOf(HEARTBEAT_TIMEOUT.toMillis())
        };
    }

    private PersistentConnection<InetSocketAddress, TaskClient> connect(TaskConnector connector, Child... servers)
            throws Exception {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (Child c : servers) {
            addresses.add(new InetSocketAddress("127.0.0.1", c.port));
        }
        for (Child c : servers) {
            c.warmUp();
        }
        return PersistentConnection.builder(
                        "kernel", AddressSuppliers.roundRobin(addresses), connector, TaskClients.lifecycle())
                .retryDelay(() -> RETRY_DELAY)
                .randomization(Randomization.nonRandom())
                .onEvent(event -> {
                    events.add(new Stamped(event, System.nanoTime()));
                    return CompletableFuture.completedFuture(null);
                })
                .build();
    }

    private TaskConnector connector() {
        return TaskClients.connector(TaskClientOptions.builder()
                .connectTimeout(CONNECT_TIMEOUT)
                .heartbeatInterval(HEARTBEAT_INTERVAL)
                .heartbeatTimeout(HEARTBEAT_TIMEOUT)
                .taskTimeout(Duration.ofSeconds(30))
                .build());
    }

    private long firstAfter(Class<?> kind, long fromNanos) {
        for (Stamped s : events) {
            if (s.nanos() >= fromNanos && kind.isInstance(s.event())) {
                return s.nanos();
            }
        }
        return -1;
    }

    /** The events after {@code fromNanos}, with their delay in ms, for the report and failure messages. */
    private String timeline(long fromNanos) {
        StringBuilder b = new StringBuilder();
        for (Stamped s : events) {
            if (s.nanos() >= fromNanos) {
                String name = s.event().getClass().getSimpleName();
                if (s.event() instanceof ConnectionEvent.ObtainedAddress<InetSocketAddress, TaskClient> o) {
                    name += " :" + o.address().getPort();
                } else if (s.event() instanceof ConnectionEvent.FailedToConnect<InetSocketAddress, TaskClient> f) {
                    name += " (" + f.error() + ")";
                }
                b.append(String.format("%n  +%d ms %s", millis(s.nanos() - fromNanos), name));
            }
        }
        return b.toString();
    }

    private int connectedPortAfter(long fromNanos) {
        for (Stamped s : events) {
            if (s.nanos() >= fromNanos
                    && s.event() instanceof ConnectionEvent.Connected<InetSocketAddress, TaskClient> c) {
                return c.connection().remoteAddress().getPort();
            }
        }
        return -1;
    }

    @Test
    void sigkillIsHeardAtOnceAndTheNextServerIsUsedWithinTheRetryDelay() throws Exception {
        try (Child first = Child.start("sigkill-a", List.of(), serverArgs());
                Child second = Child.start("sigkill-b", List.of(), serverArgs());
                TaskConnector connector = connector()) {
            PersistentConnection<InetSocketAddress, TaskClient> connection = connect(connector, first, second);
            try {
                TaskClient client = connection.connected().get(10, TimeUnit.SECONDS);
                // Usually the first; the second if the first (a JVM just started) was too slow for the connect timeout.
                Child used = client.remoteAddress().getPort() == first.port ? first : second;
                Child other = used == first ? second : first;
                // Older than the retry delay, so the reconnect is not held back by the attempt timer.
                Thread.sleep(RETRY_DELAY.toMillis() + 100);
                List<CompletableFuture<byte[]>> inFlight = new ArrayList<>();
                long killed = System.nanoTime();
                used.process.destroyForcibly(); // SIGKILL
                for (int i = 0; i < 5; i++) {
                    inFlight.add(client.submit(1, new byte[] {(byte) i}));
                }
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> firstAfter(ConnectionEvent.Connected.class, killed) > 0);
                long detected = millis(firstAfter(ConnectionEvent.Disconnected.class, killed) - killed);
                long recovered = millis(firstAfter(ConnectionEvent.Connected.class, killed) - killed);
                report("SIGKILL of the server process", detected, recovered - detected, 0);
                System.out.println("[kernel] SIGKILL timeline (used :" + used.port + ", other :" + other.port + ")"
                        + timeline(killed));

                assertThat(detected).isLessThanOrEqualTo(HEARTBEAT_TIMEOUT.toMillis() + SLACK_MILLIS);
                assertThat(recovered - detected).isLessThanOrEqualTo(RETRY_DELAY.toMillis() + SLACK_MILLIS);
                assertThat(connectedPortAfter(killed)).isEqualTo(other.port);
                for (CompletableFuture<byte[]> f : inFlight) {
                    assertThat(outcome(f))
                            .as("a task in flight when the server went")
                            .isEqualTo("lost");
                }
                TaskClient next = connection.connected().get(5, TimeUnit.SECONDS);
                assertThat(next.submit(1, new byte[] {42}).get(5, TimeUnit.SECONDS))
                        .containsExactly(42);
            } finally {
                connection.closeAsync().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void sigstopIsDetectedByHeartbeatsAndTheNextServerIsUsedWithinTheRetryDelay() throws Exception {
        try (Child first = Child.start("sigstop-a", List.of(), serverArgs());
                Child second = Child.start("sigstop-b", List.of(), serverArgs());
                TaskConnector connector = connector()) {
            PersistentConnection<InetSocketAddress, TaskClient> connection = connect(connector, first, second);
            try {
                TaskClient client = connection.connected().get(10, TimeUnit.SECONDS);
                Child used = client.remoteAddress().getPort() == first.port ? first : second;
                Child other = used == first ? second : first;
                Thread.sleep(RETRY_DELAY.toMillis() + 100);
                long stopped = System.nanoTime();
                used.signal("STOP");
                // Frozen at some moment between the two: `kill` is a process of its own, and the wait for every
                // thread to stop polls /proc, which on a loaded machine take a while.
                long frozenBy = System.nanoTime();
                List<CompletableFuture<byte[]>> inFlight = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    inFlight.add(client.submit(1, new byte[] {(byte) i}));
                }
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> firstAfter(ConnectionEvent.Connected.class, stopped) > 0);
                long detected = millis(firstAfter(ConnectionEvent.Disconnected.class, stopped) - stopped);
                long recovered = millis(firstAfter(ConnectionEvent.Connected.class, stopped) - stopped);
                long injecting = millis(frozenBy - stopped);
                report("SIGSTOP of the server process", detected, recovered - detected, injecting);
                System.out.println("[kernel] SIGSTOP timeline (used :" + used.port + ", other :" + other.port + ")"
                        + timeline(stopped));

                // The kernel keeps the frozen process's connection open: only the heartbeat timeout can end it.
                // At least the timeout less an interval after the signal was sent, at most the timeout and the slack
                // after the process was seen frozen.
                assertThat(detected)
                        .isGreaterThanOrEqualTo(HEARTBEAT_TIMEOUT.toMillis() - HEARTBEAT_INTERVAL.toMillis());
                assertThat(detected - injecting).isLessThanOrEqualTo(HEARTBEAT_TIMEOUT.toMillis() + SLACK_MILLIS);
                assertThat(recovered - detected).isLessThanOrEqualTo(RETRY_DELAY.toMillis() + SLACK_MILLIS);
                assertThat(connectedPortAfter(stopped)).isEqualTo(other.port);
                for (CompletableFuture<byte[]> f : inFlight) {
                    assertThat(outcome(f))
                            .as("a task in flight when the server went")
                            .isEqualTo("lost");
                }
                assertThat(used.process.isAlive()).as("frozen, not dead").isTrue();
            } finally {
                connection.closeAsync().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aLoopbackTakenDownInANamespaceIsDetectedByHeartbeatsAndTheConnectionComesBack() throws Exception {
        String namespace = "pc-faults-" + ProcessHandle.current().pid();
        String failure = run("ip", "netns", "add", namespace);
        Assumptions.assumeTrue(
                failure == null, "cannot create a network namespace (needs root and ip netns): " + failure);
        try {
            String up = run("ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up");
            assertThat(up).as("lo up in the namespace").isNull();
            try (Child pair = Child.start(
                    "netns",
                    List.of("ip", "netns", "exec", namespace),
                    "pair",
                    String.valueOf(HEARTBEAT_INTERVAL.toMillis()),
                    String.valueOf(HEARTBEAT_TIMEOUT.toMillis()),
                    String.valueOf(RETRY_DELAY.toMillis()),
                    String.valueOf(CONNECT_TIMEOUT.toMillis()))) {
                assertThat(pair.next("EVENT Connected", 30))
                        .as("connected in the namespace")
                        .isNotNull();
                Thread.sleep(RETRY_DELAY.toMillis() + 100);

                // A first cycle, not measured, warms the child: the first heartbeat timeout of a young JVM loads and
                // compiles its whole path (close, events, the next attempt) while the machine's other work competes.
                System.out.println(
                        "[kernel] loopback down in a namespace, warm-up cycle: " + loopbackCycle(pair, namespace));
                Thread.sleep(RETRY_DELAY.toMillis() + 100);
                LoopbackCycle cycle = loopbackCycle(pair, namespace);
                report(
                        "loopback down in a network namespace (no FIN, no RST)",
                        cycle.down().toEvent(),
                        cycle.up().toEvent(),
                        cycle.down().injecting());

                // At least the timeout less an interval after the command started, at most the timeout and the
                // slack after it ended.
                assertThat(cycle.down().toEvent())
                        .isGreaterThanOrEqualTo(HEARTBEAT_TIMEOUT.toMillis() - HEARTBEAT_INTERVAL.toMillis());
                assertThat(cycle.down().toEvent() - cycle.down().injecting())
                        .isLessThanOrEqualTo(HEARTBEAT_TIMEOUT.toMillis() + SLACK_MILLIS);
                // The attempt under way when lo comes back may have to time out first.
                assertThat(cycle.up().toEvent() - cycle.up().injecting())
                        .isLessThanOrEqualTo(RETRY_DELAY.toMillis() + CONNECT_TIMEOUT.toMillis() + SLACK_MILLIS);
            }
        } finally {
            run("ip", "netns", "del", namespace);
        }
    }

    /**
     * One change of the namespace's lo: the ms from just before its command to the child's event, in the child's
     * clock, and the ms the command took ({@code ip netns exec} is a process of its own, slow on a loaded machine:
     * the link changed somewhere within that time).
     */
    record LinkChange(long toEvent, long injecting) {}

    /** {@code lo down} until {@code Disconnected}, then {@code lo up} until {@code Connected}. */
    record LoopbackCycle(LinkChange down, LinkChange up) {}

    private static LoopbackCycle loopbackCycle(Child pair, String namespace) throws Exception {
        return new LoopbackCycle(
                setLoopback(pair, namespace, "down", "EVENT Disconnected"),
                setLoopback(pair, namespace, "up", "EVENT Connected"));
    }

    /** Sets the namespace's lo {@code down} or {@code up} and waits for the child's {@code event}. */
    private static LinkChange setLoopback(Child pair, String namespace, String state, String event) throws Exception {
        long markedAt = System.nanoTime();
        long mark = pair.mark();
        assertThat(run("ip", "netns", "exec", namespace, "ip", "link", "set", "lo", state))
                .isNull();
        long injecting = millis(System.nanoTime() - markedAt);
        String line = pair.next(event, 10);
        assertThat(line).as(event + " after lo " + state).isNotNull();
        return new LinkChange(millis(Long.parseLong(line.split(" ")[2]) - mark), injecting);
    }

    /** "lost" if the task failed with {@link ConnectionLostException}, else what happened to it (for the report). */
    private static String outcome(CompletableFuture<byte[]> f) throws InterruptedException {
        try {
            byte[] answer = f.get(10, TimeUnit.SECONDS);
            return "answered " + java.util.Arrays.toString(answer);
        } catch (ExecutionException e) {
            return e.getCause() instanceof ConnectionLostException ? "lost" : "failed with " + e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            return "not done after 10 s";
        }
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** Runs a command; null if it exited 0, else what it said. */
    private static String run(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return String.join(" ", command) + ": timed out";
            }
            String output = new String(p.getInputStream().readAllBytes()).trim();
            return p.exitValue() == 0 ? null : String.join(" ", command) + ": " + output;
        } catch (IOException e) {
            return String.join(" ", command) + ": " + e.getMessage();
        }
    }

    /** @param injectingMillis how long injecting the fault took (it began at some moment within that time) */
    private static void report(String fault, long detectedMillis, long reconnectedMillis, long injectingMillis)
            throws IOException {
        String line = String.format(
                "%s: Disconnected after %d ms (heartbeat timeout %d ms; injecting the fault took %d ms), next "
                        + "Connected %d ms later (retry delay %d ms)",
                fault,
                detectedMillis,
                HEARTBEAT_TIMEOUT.toMillis(),
                injectingMillis,
                reconnectedMillis,
                RETRY_DELAY.toMillis());
        System.out.println("[kernel] " + line);
        Path out = Path.of("target", "kernel-faults.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, line + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
