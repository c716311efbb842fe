package dev.persistentconnection.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.faults.FaultProxy.Cut;
import dev.persistentconnection.faults.Instrumented.CountingConnector;
import dev.persistentconnection.faults.Instrumented.CountingLifecycle;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.event.PersistentConnectionEvent;
import dev.persistentconnection.tasks.ConnectedClient;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClientOptions;
import dev.persistentconnection.tasks.TaskClients;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

/**
 * The soak: a Spring Boot application with the starter keeps a {@code PersistentConnection<InetSocketAddress,
 * TaskClient>} to an {@link ExecutingServer} through a {@link FaultProxy}, four threads send tasks continuously, and
 * a seeded schedule injects at least 200 faults (cuts with RST and FIN, refused and hanging connects, latency,
 * half-open stalls in one or both directions, server crashes and graceful restarts). Then it checks that no future
 * hung, no task ran twice, no acknowledged task was reported failed, the connection came back in time with the
 * health indicator UP, nothing leaked, and the event sequence followed the grammar.
 *
 * <p>Bounded by default (about 90 s of faults). {@code -Dsoak.minutes=30} runs the schedule for 30 minutes;
 * {@code -Dsoak.seed=N} replays a schedule (the fault sequence and the load's choices; thread timing is not
 * reproducible); {@code -Dsoak.gapScale=0.2 -Dsoak.holdScale=0.5} scale the pause between two faults (100 to 300
 * ms at 1) and their durations (50 to 300 ms at 1), for a higher fault rate in a long run.
 */
class SoakTest {

    static final Duration RETRY_DELAY = Duration.ofMillis(200);
    static final double JITTER = 0.3;
    static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
    static final Duration HEARTBEAT_INTERVAL = Duration.ofMillis(150);
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofMillis(700);
    static final Duration TASK_TIMEOUT = Duration.ofSeconds(30);
    static final int BOUNDED_FAULTS = 220;

    enum Fault {
        CUT_RST(14),
        CUT_FIN(14),
        REFUSE(10),
        HANG(10),
        LATENCY(14),
        STALL_BOTH(10),
        STALL_C2S(6),
        STALL_S2C(6),
        SERVER_CRASH(8),
        SERVER_GRACEFUL_RESTART(8);

        final int weight;

        Fault(int weight) {
            this.weight = weight;
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class SoakApp {}

    @Test
    void survivesAScheduleOfFaultsUnderLoad() {
        double minutes = Double.parseDouble(property("soak.minutes", "0"));
        long seed = Long.parseLong(property("soak.seed", String.valueOf(System.nanoTime())));
        Duration limit = Duration.ofSeconds(240 + (long) (minutes * 60 * 1.2));
        assertTimeoutPreemptively(
                limit,
                () -> new Soak(seed, minutes).run(),
                "the soak (seed " + seed + ") did not finish within " + limit);
    }

    private static String property(String name, String fallback) {
        String v = System.getProperty(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    /** One run. */
    static final class Soak {
        final long seed;
        final double minutes;
        /** Scales the pause between two faults ({@code soak.gapScale}, default 1). */
        final double gapScale = Double.parseDouble(property("soak.gapScale", "1"));
        /** Scales how long a fault lasts ({@code soak.holdScale}, default 1: 50 to 300 ms). */
        final double holdScale = Double.parseDouble(property("soak.holdScale", "1"));

        final Random random;
        final List<String> failures = new ArrayList<>();
        final Map<String, Object> figures = new LinkedHashMap<>();
        final EnumMap<Fault, Integer> injected = new EnumMap<>(Fault.class);

        ExecutingServer server;
        FaultProxy proxy;
        ConfigurableApplicationContext context;
        final AtomicReference<CountingConnector> connector = new AtomicReference<>();
        final CountingLifecycle lifecycle = new CountingLifecycle();
        EventGrammar<TaskClient> grammar;
        PersistentConnection<InetSocketAddress, TaskClient> engine;
        HealthIndicator health;

        Soak(long seed, double minutes) {
            this.seed = seed;
            this.minutes = minutes;
            this.random = new Random(seed);
        }

        void run() throws Exception {
            System.out.println("[soak] seed " + seed
                    + (minutes > 0 ? ", " + minutes + " minutes" : ", bounded: " + BOUNDED_FAULTS + " faults")
                    + " (replay with -Dsoak.seed=" + seed + ")");
            TreeMap<String, Integer> threadsAtStart = Resources.threads();
            int socketsAtStart = Resources.tcpSockets();
            long started = System.nanoTime();

            server = new ExecutingServer(HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT);
            proxy = new FaultProxy(server.address());
            grammar = new EventGrammar<>(
                    lifecycle,
                    c -> connector.get() != null && connector.get().created.contains(c));
            startApplication();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> health.health().getStatus().equals(Status.UP));

            // Warm-up: every fault once, so that every class and lazily opened file is loaded before the baseline.
            Load warmUp = new Load(engine, seed, 4);
            Load load = warmUp;
            load.start();
            for (Fault f : Fault.values()) {
                inject(f, 150);
                Thread.sleep(150);
            }
            heal();
            awaitRecovery();
            load.stop();
            awaitDrained(load);
            // Connections the faults cut end by heartbeat timeout or handshake deadline; a starved machine may
            // need many of those.
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(proxy.liveConnections() == 1 && server.numClients() == 1)
                            .as(() -> "after the warm-up: server clients " + server.numClients()
                                    + ", proxy connections " + proxy.live() + ", the server's event loops watch "
                                    + server.describeChannels())
                            .isTrue());
            injected.clear();
            Thread.sleep(300);

            TreeMap<String, Integer> threadsBaseline = Resources.threads();
            int fdsBaseline = Resources.fds();
            TreeMap<Integer, String> fdTargetsBaseline = Resources.fdTargets();
            System.out.println("[soak] baseline: " + fdsBaseline + " fds, threads " + threadsBaseline + "; server "
                    + server.address() + ", proxy " + proxy.address());

            // The schedule.
            load = new Load(engine, seed + 1, 4);
            load.start();
            long scheduleStart = System.nanoTime();
            long scheduleEnd = scheduleStart + (long) (minutes * 60e9);
            int faults = 0;
            while (minutes > 0 ? System.nanoTime() < scheduleEnd : faults < BOUNDED_FAULTS) {
                Fault f = pick();
                inject(f, (int) (holdScale * (50 + random.nextInt(250))));
                faults++;
                Thread.sleep((long) (gapScale * (100 + random.nextInt(200))));
                if (faults % 100 == 0) {
                    System.out.println("[soak] " + faults + " faults, " + load.submitted.sum() + " tasks sent, "
                            + load.succeeded() + " succeeded");
                }
            }
            heal();
            long lastFaultHealed = System.nanoTime();
            double scheduleSeconds = (lastFaultHealed - scheduleStart) / 1e9;
            long recoveryMillis = awaitRecovery();
            long bound = (long) (RETRY_DELAY.toMillis() * (1 + JITTER)) + HEARTBEAT_TIMEOUT.toMillis();
            check(
                    recoveryMillis <= bound + 500,
                    "connection back " + recoveryMillis
                            + " ms after the last fault, more than retry delay + heartbeat timeout (" + bound
                            + " ms) + 500 ms");
            check(health.health().getStatus().equals(Status.UP), "health not UP after recovery: " + health.health());

            load.stop();
            List<String> hung = awaitDrained(load);
            hung.forEach(h -> check(false, "hung future: " + h));

            // Leaks, at the same point as the baseline (connected, no load).
            boolean settled = settle(
                    () -> Resources.threads().equals(threadsBaseline)
                            && Resources.fds() <= fdsBaseline
                            && server.numClients() == 1
                            && proxy.liveConnections() == 1,
                    Duration.ofSeconds(15));
            TreeMap<String, Integer> threadsEnd = Resources.threads();
            int fdsEnd = Resources.fds();
            check(
                    settled,
                    "resources did not return to the baseline: threads " + threadsEnd + " vs " + threadsBaseline
                            + ", fds " + fdsEnd + " vs " + fdsBaseline + " (new: " + Resources.newFds(fdTargetsBaseline)
                            + ", sockets: " + Resources.socketDetails() + ", proxy pairs ended with a socket open: "
                            + proxy.endedWithOpenSockets() + ", the server's event loops watch: "
                            + server.describeChannels() + "), server clients " + server.numClients()
                            + ", proxy connections " + proxy.liveConnections());
            List<TaskClient> created = connector.get().created;
            long openClients =
                    created.stream().filter(c -> !c.closeFinished().isDone()).count();
            check(openClients == 1, openClients + " TaskClients open, expected only the current one");

            Verdict verdict = verify(load, warmUp);

            // Shutdown: close() finds the connection connected, so only its Disconnected may follow.
            long marker = grammar.size();
            long closeStart = System.nanoTime();
            context.close();
            long closeMillis = (System.nanoTime() - closeStart) / 1_000_000;
            check(engine.closeFinished().isDone(), "closeFinished not done after the context closed");
            Thread.sleep(300);
            check(
                    grammar.eventsSince(marker).equals(List.of("Disconnected")),
                    "events after close: " + grammar.eventsSince(marker));
            grammar.terminated();
            Thread.sleep(300);
            check(grammar.violations().isEmpty(), "event grammar violations: " + grammar.violations());
            check(created.stream().allMatch(c -> c.closeFinished().isDone()), "a TaskClient is still open after close");
            check(lifecycle.closedTwice().isEmpty(), "closed more than once: " + lifecycle.closedTwice());
            long closeCalls = lifecycle.closeCalls.values().stream()
                    .mapToInt(a -> a.get())
                    .sum();
            check(
                    grammar.connectedCount() == created.size(),
                    "Connected " + grammar.connectedCount() + " times, the connector created " + created.size()
                            + " connections");

            connector.get().delegate().close();
            proxy.close();
            server.close();
            boolean released = settle(
                    () -> Resources.threads().equals(withTimer(threadsAtStart))
                            && Resources.tcpSockets() <= socketsAtStart,
                    Duration.ofSeconds(15));
            check(
                    released,
                    "after shutdown: threads " + Resources.threads() + " vs " + withTimer(threadsAtStart)
                            + ", TCP sockets " + Resources.tcpSockets() + " vs " + socketsAtStart + ": "
                            + Resources.socketDetails());

            int faultsInjected =
                    injected.values().stream().mapToInt(Integer::intValue).sum();
            check(faultsInjected >= 200 || minutes > 0, "only " + faultsInjected + " faults");
            figures.put("seed", seed);
            figures.put("schedule seconds", String.format("%.1f", scheduleSeconds));
            figures.put("pause between faults (x 100-300 ms)", gapScale);
            figures.put("fault duration (x 50-300 ms)", holdScale);
            figures.put("faults injected", faultsInjected);
            figures.put("faults by kind", new LinkedHashMap<>(injected));
            figures.put("tasks sent", load.submitted.sum());
            figures.put("tasks succeeded", load.succeeded());
            check(
                    load.succeeded() + verdict.failedByFault == load.submitted.sum(),
                    "sent " + load.submitted.sum() + " != succeeded " + load.succeeded() + " + failed by fault "
                            + verdict.failedByFault);
            figures.put("tasks failed by fault", verdict.failedByFault);
            figures.put("  ConnectionLostException", load.count(Load.Outcome.LOST));
            figures.put("  cancelled by the server (crash)", load.count(Load.Outcome.CANCELLED));
            figures.put("  rejected by a closing server", load.count(Load.Outcome.REJECTED));
            figures.put(
                    "  of which executed by the server (answer lost with a cut connection)",
                    verdict.lostAfterExecution);
            figures.put("task timeouts (30 s)", load.count(Load.Outcome.TIMEOUT));
            figures.put("hung futures", hung.size());
            figures.put(
                    "tasks executed twice",
                    server.executedMoreThanOnce().keySet().stream()
                            .filter(id -> id >= 0)
                            .count());
            figures.put("acknowledged tasks reported failed", verdict.acknowledgedButFailed);
            figures.put("ports reused by later connections (client / upstream)", verdict.reusedPorts);
            figures.put("  lost tasks a join by port alone would misattribute", verdict.portAloneMisleads);
            figures.put("connections created / Connected events", created.size() + " / " + grammar.connectedCount());
            figures.put("lifecycle close() calls (never twice for one connection)", closeCalls);
            figures.put("connects accepted by the proxy", proxy.accepted());
            figures.put("server incarnations", server.incarnations());
            figures.put("events checked against the grammar", grammar.eventCountTotal());
            figures.put("recovery after the last fault (ms)", recoveryMillis + " (bound " + bound + ")");
            figures.put("close() of the application context (ms)", closeMillis);
            figures.put("leaks: threads", diff(threadsBaseline, threadsEnd));
            figures.put("leaks: fds", Math.max(0, fdsEnd - fdsBaseline) + " (" + fdsEnd + " vs " + fdsBaseline + ")");
            figures.put(
                    "leaks: server clients / proxy connections",
                    (server.numClients()) + " / " + proxy.liveConnections() + " after shutdown");
            figures.put("violations", failures.size());
            figures.put("total seconds", String.format("%.1f", (System.nanoTime() - started) / 1e9));
            report();
            assertThat(failures).as("soak with seed " + seed).isEmpty();
        }

        private static TreeMap<String, Integer> withTimer(TreeMap<String, Integer> threads) {
            TreeMap<String, Integer> t = new TreeMap<>(threads);
            t.putIfAbsent("persistent-connection-timer", 1); // the JVM-wide timer thread, started once, by design
            return t;
        }

        private static String diff(Map<String, Integer> before, Map<String, Integer> after) {
            Map<String, String> d = new TreeMap<>();
            after.forEach((k, v) -> {
                if (!v.equals(before.get(k))) {
                    d.put(k, before.getOrDefault(k, 0) + " -> " + v);
                }
            });
            before.forEach((k, v) -> {
                if (!after.containsKey(k)) {
                    d.put(k, v + " -> 0");
                }
            });
            return d.isEmpty() ? "0" : d.toString();
        }

        private void report() throws IOException {
            StringBuilder b = new StringBuilder("[soak] RESULT\n");
            figures.forEach((k, v) -> b.append(String.format("[soak]   %-70s %s%n", k, v)));
            failures.forEach(f -> b.append("[soak] VIOLATION ").append(f).append('\n'));
            System.out.print(b);
            Path out = Path.of("target", "soak-report.txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, b.toString());
        }

        private void check(boolean ok, String message) {
            if (!ok) {
                failures.add(message);
                System.out.println("[soak] VIOLATION " + message);
            }
        }

        private Fault pick() {
            int total = 0;
            for (Fault f : Fault.values()) {
                total += f.weight;
            }
            int r = random.nextInt(total);
            for (Fault f : Fault.values()) {
                r -= f.weight;
                if (r < 0) {
                    return f;
                }
            }
            throw new AssertionError();
        }

        /** Injects one fault, holds it, and heals what can be healed (stalls stay on the connections they hit). */
        private void inject(Fault f, int holdMillis) throws Exception {
            injected.merge(f, 1, Integer::sum);
            switch (f) {
                case CUT_RST -> {
                    proxy.cutAll(Cut.RST);
                    Thread.sleep(holdMillis);
                }
                case CUT_FIN -> {
                    proxy.cutAll(Cut.FIN);
                    Thread.sleep(holdMillis);
                }
                case REFUSE -> {
                    proxy.refuse();
                    proxy.cutAll(Cut.RST);
                    Thread.sleep(holdMillis);
                    proxy.accept();
                }
                case HANG -> {
                    proxy.hang(true);
                    proxy.cutAll(random.nextBoolean() ? Cut.FIN : Cut.RST);
                    Thread.sleep(holdMillis + 200);
                    proxy.hang(false);
                }
                case LATENCY -> {
                    proxy.latency(10 + random.nextInt(70));
                    Thread.sleep(holdMillis + 200);
                    proxy.latency(0);
                }
                case STALL_BOTH -> {
                    proxy.stallAll(true, true);
                    Thread.sleep(holdMillis);
                }
                case STALL_C2S -> {
                    proxy.stallAll(true, false);
                    Thread.sleep(holdMillis);
                }
                case STALL_S2C -> {
                    proxy.stallAll(false, true);
                    Thread.sleep(holdMillis);
                }
                case SERVER_CRASH -> {
                    server.crash();
                    Thread.sleep(holdMillis);
                    server.start();
                }
                case SERVER_GRACEFUL_RESTART -> {
                    server.stopGracefully(Duration.ofMillis(500));
                    Thread.sleep(holdMillis);
                    server.start();
                }
                default -> throw new AssertionError(f);
            }
        }

        private void heal() throws IOException {
            proxy.heal();
            if (!server.isRunning()) {
                server.start();
            }
        }

        /** Waits until a task goes through and the health indicator is UP; returns how long that took. */
        private long awaitRecovery() {
            long t0 = System.nanoTime();
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        CompletableFuture<TaskClient> c = engine.connected();
                        TaskClient client = c.getNow(null);
                        if (client == null) {
                            return false;
                        }
                        try {
                            client.submit(ExecutingServer.ECHO, ExecutingServer.payload(-1, 0))
                                    .get(2, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            return false;
                        }
                        return health.health().getStatus().equals(Status.UP);
                    });
            return (System.nanoTime() - t0) / 1_000_000;
        }

        private List<String> awaitDrained(Load load) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!load.pending.isEmpty() && System.nanoTime() < deadline) {
                sleepQuietly(20);
            }
            List<String> hung = new ArrayList<>();
            load.pending.forEach((id, f) -> hung.add("request " + id + " " + f));
            return hung;
        }

        private static boolean settle(java.util.function.BooleanSupplier condition, Duration atMost) {
            long deadline = System.nanoTime() + atMost.toNanos();
            while (System.nanoTime() < deadline) {
                if (condition.getAsBoolean()) {
                    return true;
                }
                sleepQuietly(100);
            }
            return condition.getAsBoolean();
        }

        private static void sleepQuietly(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        record Verdict(
                long failedByFault,
                long lostAfterExecution,
                long acknowledgedButFailed,
                String reusedPorts,
                long portAloneMisleads) {}

        /** Compares every client outcome with the server's execution log. */
        private Verdict verify(Load load, Load warmUp) {
            ConnectionFates fates = new ConnectionFates(proxy.connections(), connector.get().createdAt);
            Map<Integer, FaultProxy.Pair> lastPairByUpstreamPort = new HashMap<>();
            for (FaultProxy.Pair p : proxy.connections()) {
                lastPairByUpstreamPort.put(p.upstreamLocalPort, p);
            }
            long portAloneMisleads = 0;
            long failedByFault = 0;
            long lostAfterExecution = 0;
            long acknowledgedButFailed = 0;
            Map<String, Integer> ambiguousReasons = new TreeMap<>();
            int reported = 0;
            Map<Long, Load.Outcome> outcomes = new HashMap<>(warmUp.outcomes);
            outcomes.putAll(load.outcomes);
            Map<Long, Throwable> errors = new HashMap<>(warmUp.errors);
            errors.putAll(load.errors);
            for (Map.Entry<Long, Load.Outcome> entry : outcomes.entrySet()) {
                long id = entry.getKey();
                Load.Outcome o = entry.getValue();
                ExecutingServer.Execution e = server.executions().get(id);
                int n = e == null ? 0 : e.count.get();
                int scheduled = load.outcomes.containsKey(id) ? 1 : 0; // figures count the schedule's tasks only
                String problem = null;
                switch (o) {
                    case SUCCESS -> {
                        if (n != 1) {
                            problem = "succeeded but executed " + n + " times";
                        }
                    }
                    case REJECTED -> {
                        failedByFault += scheduled;
                        if (n != 0) {
                            problem = "rejected by the server but executed " + n + " times";
                        }
                    }
                    case LOST, CANCELLED -> {
                        failedByFault += scheduled;
                        if (n > 1) {
                            problem = "executed " + n + " times";
                        } else if (n == 1) {
                            ConnectedClient session = e.connections.get(0);
                            int port = e.remotePorts.get(0);
                            if (lastPairByUpstreamPort.get(port) != fates.pair(session, port)) {
                                portAloneMisleads++; // a join by port alone would read another connection's fate
                            }
                            String why = fates.disruption(session, port);
                            if (why == null) {
                                acknowledgedButFailed++;
                                problem = "executed on an undisrupted connection but reported " + o + ": "
                                        + fates.describe(session, port);
                            } else {
                                lostAfterExecution += scheduled;
                                ambiguousReasons.merge(why, 1, Integer::sum);
                            }
                        }
                    }
                    case TIMEOUT -> problem = "timed out after " + TASK_TIMEOUT + " (executed " + n + " times)";
                    default -> problem = o + ": " + errors.get(id);
                }
                if (problem != null && reported++ < 20) {
                    check(false, "request " + id + ": " + problem);
                } else if (problem != null) {
                    failures.add("request " + id + ": " + problem);
                }
            }
            for (Map.Entry<Long, ExecutingServer.Execution> entry :
                    server.executions().entrySet()) {
                if (entry.getKey() >= 0 && !outcomes.containsKey(entry.getKey())) {
                    check(false, "request " + entry.getKey() + " executed but never completed at the client");
                }
            }
            check(
                    server.executedMoreThanOnce().keySet().stream().noneMatch(id -> id >= 0),
                    "executed more than once: " + server.executedMoreThanOnce());
            System.out.println("[soak] executed but answer lost, by disruption: " + ambiguousReasons);
            return new Verdict(
                    failedByFault, lostAfterExecution, acknowledgedButFailed, fates.reusedPorts(), portAloneMisleads);
        }

        @SuppressWarnings("unchecked")
        private void startApplication() {
            PersistentConnectionRegistration<InetSocketAddress, TaskClient> registration =
                    PersistentConnectionRegistration.<InetSocketAddress, TaskClient>forConnection("soak")
                            .connectorFactory(settings -> {
                                CountingConnector c =
                                        new CountingConnector(TaskClients.connector(TaskClientOptions.builder()
                                                .connectTimeout(settings.connectTimeout())
                                                .heartbeatInterval(
                                                        settings.heartbeat().interval())
                                                .heartbeatTimeout(
                                                        settings.heartbeat().timeout())
                                                .taskTimeout(TASK_TIMEOUT)
                                                .build()));
                                connector.set(c);
                                return c;
                            })
                            .lifecycle(lifecycle)
                            .addressSupplier(() -> CompletableFuture.completedFuture(proxy.address()))
                            .build();
            context = new SpringApplicationBuilder(SoakApp.class)
                    .web(WebApplicationType.NONE)
                    .properties(
                            "spring.main.banner-mode=off",
                            "logging.level.dev.persistentconnection=OFF",
                            "logging.level.io.netty=OFF",
                            "persistent-connection.shutdown-timeout=5s",
                            "persistent-connection.connections.soak.server-name=soak-server",
                            "persistent-connection.connections.soak.retry-delay=" + RETRY_DELAY.toMillis() + "ms",
                            "persistent-connection.connections.soak.jitter=" + JITTER,
                            "persistent-connection.connections.soak.connect-timeout=" + CONNECT_TIMEOUT.toMillis()
                                    + "ms",
                            "persistent-connection.connections.soak.heartbeat.interval=" + HEARTBEAT_INTERVAL.toMillis()
                                    + "ms",
                            "persistent-connection.connections.soak.heartbeat.timeout=" + HEARTBEAT_TIMEOUT.toMillis()
                                    + "ms")
                    .initializers(ctx -> ((GenericApplicationContext) ctx)
                            .registerBean(
                                    "soakRegistration", PersistentConnectionRegistration.class, () -> registration))
                    .listeners((ApplicationListener<org.springframework.context.ApplicationEvent>) event -> {
                        if (event instanceof PersistentConnectionEvent e) {
                            grammar.on(e.getConnectionEvent());
                        }
                    })
                    .run();
            engine = (PersistentConnection<InetSocketAddress, TaskClient>) (PersistentConnection<?, ?>)
                    context.getBean(PersistentConnections.class).get("soak");
            health = (HealthIndicator) ((CompositeHealthContributor)
                            context.getBean("persistentConnectionsHealthContributor", HealthContributor.class))
                    .getContributor("soak");
        }
    }
}
