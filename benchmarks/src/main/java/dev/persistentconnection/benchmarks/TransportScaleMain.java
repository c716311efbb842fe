package dev.persistentconnection.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Target 3b: N idle, connected {@code TaskClient}s to one {@code TaskServer}, against N idle gRPC channels to one gRPC
 * server, each pair of JVMs on its own ({@link ScaleSideMain}: the clients in one JVM, the server in another, on
 * 127.0.0.1). Per connection and per side: retained heap (used heap after full GCs with {@code -XX:+UseSerialGC},
 * against a baseline taken after a warm-up of 200 connections that were closed again), direct memory, resident set;
 * threads added; then the connections are held idle for longer than twice the heartbeat timeout, and none may be
 * lost, and every one must still answer a task.
 */
public final class TransportScaleMain {
    static final String[] IMPLS = {"tasks", "grpc"};

    /** What one side measured; {@code closeReasons}: why connections closed after the baseline, count first. */
    record Side(Map<String, Long> delta, List<String[]> classes, List<String[]> closeReasons) {}

    record Run(
            String impl,
            int n,
            long connectMs,
            int connectRetries,
            int lostDuringHold,
            int aliveClient,
            int aliveServer,
            int verified,
            Side client,
            Side server) {
        double per(Side side, String key) {
            return side.delta().getOrDefault(key, 0L) / (double) n;
        }

        /** Heap plus direct memory per connection, both sides. */
        double memoryPerConnection() {
            return per(client, "heap") + per(client, "direct") + per(server, "heap") + per(server, "direct");
        }

        boolean healthy() {
            return lostDuringHold == 0 && aliveClient == n && aliveServer == n && verified == n;
        }
    }

    public static void main(String[] args) throws Exception {
        Results out = Results.open(args, "3b-transport-scale");
        int n = Integer.parseInt(Results.option(args, "--connections", "10000"));
        int holdSeconds = Integer.parseInt(Results.option(args, "--hold-seconds", "14"));
        Map<String, Run> runs = new LinkedHashMap<>();
        String[] impls = Results.option(args, "--only", String.join(",", IMPLS)).split(",");
        for (String impl : impls) {
            Run run = run(impl, n, holdSeconds);
            runs.put(impl, run);
            System.out.printf("%s: %s%n", impl, run);
        }
        if (impls.length != IMPLS.length) {
            System.exit(0);
        }
        Run t = runs.get("tasks");
        Run g = runs.get("grpc");

        out.line("## 3b. Scale over TCP: %,d idle TaskClients to one TaskServer vs %,d idle gRPC channels", n, n);
        out.line("");
        out.line(
                "Each implementation in a JVM pair of its own on 127.0.0.1 (`ScaleSideMain`: all clients in one JVM, "
                        + "`-Xmx2g`, one I/O thread for all connections; the server in the other, `-Xmx1g`, one acceptor "
                        + "and two I/O threads; `-XX:+UseSerialGC` on both, whose used heap after a full GC is exact). "
                        + "Every client comes from 127.0.0.1, so the TaskServer is built with `maxClients` and "
                        + "`maxClientsPerAddress` of 50,000 (the defaults, 1,024 and 256, would refuse most of them) and "
                        + "a `waitTimeout` of an hour (its default of 5 minutes ends a client that sends no task, and "
                        + "on a loaded machine connecting 10,000 can take minutes). "
                        + "Memory is measured against a baseline taken after a warm-up of 200 connections that were closed "
                        + "again, so class loading and the allocators' first chunks are not counted. Heap: used heap after "
                        + "`System.gc()`; direct: what each Netty copy (ours and gRPC's shaded one) reports as used direct "
                        + "memory plus the JDK's direct buffer pool; resident: the process's `VmRSS` (includes everything, "
                        + "also the heap the JVM has touched, so it is noisy). Both implementations keep the connections "
                        + "alive with heartbeats: the task protocol PINGs every %d s with a %d s timeout on both sides; "
                        + "gRPC sends HTTP/2 keep-alive PINGs every %d s (its shortest allowed interval) on both sides, "
                        + "with or without calls; `directExecutor()` on both gRPC sides. The connections are then held "
                        + "idle for %d s (more than twice the task protocol's heartbeat timeout, so only the heartbeats "
                        + "keep them) and counted on both sides, every connection runs one echo task (gRPC's channels "
                        + "each ran one call already, to connect), and then memory is measured, client side first.",
                ScaleSideMain.HEARTBEAT_INTERVAL.toSeconds(),
                ScaleSideMain.HEARTBEAT_TIMEOUT.toSeconds(),
                ScaleSideMain.GRPC_KEEPALIVE_SECONDS,
                holdSeconds);
        out.line("");
        out.line("| per connection | TaskClient / TaskServer | gRPC | ratio |");
        out.line("| --- | ---: | ---: | ---: |");
        row(out, "client heap (B)", t.per(t.client(), "heap"), g.per(g.client(), "heap"));
        row(out, "client direct memory (B)", t.per(t.client(), "direct"), g.per(g.client(), "direct"));
        row(out, "server heap (B)", t.per(t.server(), "heap"), g.per(g.server(), "heap"));
        row(out, "server direct memory (B)", t.per(t.server(), "direct"), g.per(g.server(), "direct"));
        row(out, "**heap + direct, both sides (B)**", t.memoryPerConnection(), g.memoryPerConnection());
        row(out, "client resident set (B)", t.per(t.client(), "rss"), g.per(g.client(), "rss"));
        row(out, "server resident set (B)", t.per(t.server(), "rss"), g.per(g.server(), "rss"));
        out.line("");
        out.line("| for all %,d | TaskClient / TaskServer | gRPC |", n);
        out.line("| --- | ---: | ---: |");
        out.line(
                "| threads added, client JVM | %d | %d |",
                t.client().delta().get("threads"), g.client().delta().get("threads"));
        out.line(
                "| threads added, server JVM | %d | %d |",
                t.server().delta().get("threads"), g.server().delta().get("threads"));
        out.line("| time to connect all (64 at a time) | %.1f s | %.1f s |", t.connectMs() / 1e3, g.connectMs() / 1e3);
        out.line(
                "| connects that failed under the load and were made again (at most 3 times each) | %d | %d |",
                t.connectRetries(), g.connectRetries());
        out.line(
                "| connections lost during the %d s idle hold | %d | %d |",
                holdSeconds, t.lostDuringHold(), g.lostDuringHold());
        out.line(
                "| alive after the hold, client / server | %d / %d | %d / %d |",
                t.aliveClient(), t.aliveServer(), g.aliveClient(), g.aliveServer());
        out.line("| answered one task each after the hold | %d | %d |", t.verified(), g.verified());
        out.line("");
        List<String> reasons = new ArrayList<>();
        for (Side s : new Side[] {t.client(), t.server()}) {
            for (String[] r : s.closeReasons()) {
                reasons.add(Results.fmt(
                        "| %s | %s | %s |", s == t.client() ? "client" : "server", r.length > 1 ? r[1] : "", r[0]));
            }
        }
        if (reasons.isEmpty()) {
            out.line(
                    "Heartbeats: no TaskClient connection closed on either side from the baseline to the end of the "
                            + "hold; the PING/PONG exchange kept all %,d alive through %d s of idleness (%d heartbeat "
                            + "timeouts).",
                    n, holdSeconds, 0);
        } else {
            out.line("Why TaskClient connections closed from the baseline to the end of the hold (each side's close "
                    + "reason):");
            out.line("");
            out.line("| side | reason | connections |");
            out.line("| --- | --- | ---: |");
            reasons.forEach(out::line);
        }
        out.line("");
        for (Run r : new Run[] {t, g}) {
            String name = r == t ? "TaskClient / TaskServer" : "gRPC";
            out.line(
                    "Where the heap goes, %s (class histogram after the hold and the one task minus the baseline, per "
                            + "connection; top classes):",
                    name);
            out.line("");
            out.line("| side | class | instances | bytes |");
            out.line("| --- | --- | ---: | ---: |");
            for (Side s : new Side[] {r.client(), r.server()}) {
                for (String[] c : s.classes().subList(0, Math.min(8, s.classes().size()))) {
                    out.line(
                            "| %s | `%s` | %.2f | %.1f |",
                            s == r.client() ? "client" : "server",
                            c[0],
                            Long.parseLong(c[1]) / (double) n,
                            Long.parseLong(c[2]) / (double) n);
                }
            }
            out.line("");
        }
        double ratio = t.memoryPerConnection() / g.memoryPerConnection();
        long threads =
                Math.max(t.client().delta().get("threads"), t.server().delta().get("threads"));
        boolean met = ratio <= 0.5 && threads < 16 && t.healthy();
        StringBuilder why = new StringBuilder();
        if (ratio > 0.5) {
            why.append(Results.fmt("memory %.2fx of gRPC's instead of at most 0.5x; ", ratio));
        }
        if (threads >= 16) {
            why.append(Results.fmt("%d threads added; ", threads));
        }
        if (!t.healthy()) {
            why.append(Results.fmt(
                    "%d lost, %d / %d alive, %d answered (close reasons in section 3b); ",
                    t.lostDuringHold(), t.aliveClient(), t.aliveServer(), t.verified()));
        }
        out.target(
                "3b",
                Results.fmt(
                        "%,d idle TaskClients to one TaskServer: heap + direct per connection (both "
                                + "sides) at most 0.5x gRPC's, no thread per connection, heartbeats kept",
                        n),
                Results.fmt(
                        "%.0f B vs gRPC %.0f B = %.2fx; %d threads added (client %d, server %d); %d lost, all %s "
                                + "answered after %d s idle",
                        t.memoryPerConnection(),
                        g.memoryPerConnection(),
                        ratio,
                        t.client().delta().get("threads") + t.server().delta().get("threads"),
                        t.client().delta().get("threads"),
                        t.server().delta().get("threads"),
                        t.lostDuringHold(),
                        t.verified() == n ? Results.fmt("%,d", n) : Results.fmt("but %d of %,d", n - t.verified(), n),
                        holdSeconds),
                met,
                why.toString().replaceAll("; $", ""));
        out.metric(
                "memory",
                Results.fmt("%.0f B vs gRPC %.0f B = %.2fx", t.memoryPerConnection(), g.memoryPerConnection(), ratio));
        out.write();
        System.exit(0);
    }

    private static void row(Results out, String name, double tasks, double grpc) {
        out.line(
                "| %s | %,.0f | %,.0f | %s |",
                name, tasks + 0.0, grpc + 0.0, Math.abs(grpc) < 1 ? "" : Results.fmt("%.2f", tasks / grpc));
    }

    private static Run run(String impl, int n, int holdSeconds) throws Exception {
        Child server = Child.launch("-Xmx1g", "server", impl);
        String port = server.await("PORT ", 30).substring(5).trim();
        Child client = Child.launch("-Xmx2g", "client", impl, port, Integer.toString(n));
        try {
            client.await("READY", 30);
            client.send("warmup");
            client.await("WARM", 120);
            Results.sleep(1000); // the warm-up connections' closes reach the server
            server.send("baseline");
            server.await("BASELINE", 60);
            client.send("baseline");
            client.await("BASELINE", 60);
            client.send("connect");
            String[] connected =
                    client.await("CONNECTED ", 400).substring(10).trim().split(" ");
            long connectMs = Long.parseLong(connected[0]);
            int retries = Integer.parseInt(connected[1]);
            client.send("hold " + holdSeconds);
            Map<String, Long> held =
                    MemoryProbe.parse(client.await("HELD ", holdSeconds + 60).substring(5));
            server.send("alive");
            int aliveServer =
                    Integer.parseInt(server.await("ALIVE ", 60).substring(6).trim());
            client.send("verify");
            int verified =
                    Integer.parseInt(client.await("VERIFIED ", 120).substring(9).trim());
            // Measured last: a full GC and a class histogram stop a JVM, on a starved machine for longer than the
            // heartbeat timeout, which would end the connections the counts above are about.
            Side clientSide = measure(client);
            Side serverSide = measure(server);
            client.send("stop");
            client.await("STOPPED", 60);
            server.send("stop");
            server.await("STOPPED", 60);
            return new Run(
                    impl,
                    n,
                    connectMs,
                    retries,
                    (int) (long) held.get("lost"),
                    (int) (long) held.get("alive"),
                    aliveServer,
                    verified,
                    clientSide,
                    serverSide);
        } finally {
            client.kill();
            server.kill();
        }
    }

    private static Side measure(Child child) throws Exception {
        child.send("measure");
        List<String[]> classes = new ArrayList<>();
        List<String[]> reasons = new ArrayList<>();
        while (true) {
            String line = child.next(120);
            if (line.startsWith("CLASS ")) {
                classes.add(line.substring(6).trim().split(" "));
            } else if (line.startsWith("REASON ")) {
                reasons.add(line.substring(7).trim().split(" ", 2));
            } else if (line.startsWith("MEASURE ")) {
                return new Side(MemoryProbe.parse(line.substring(8)), classes, reasons);
            }
        }
    }

    /** A child JVM talking line by line; every wait is bounded. */
    private static final class Child {
        final Process process;
        final Writer in;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final String name;

        private Child(Process process, String name) {
            this.process = process;
            this.name = name;
            this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread reader = new Thread(
                    () -> {
                        try (BufferedReader r = new BufferedReader(
                                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                            String line;
                            while ((line = r.readLine()) != null) {
                                lines.add(line);
                            }
                        } catch (IOException ignored) {
                            // the child is gone
                        }
                        lines.add("EOF");
                    },
                    "reader-" + name);
            reader.setDaemon(true);
            reader.start();
        }

        static Child launch(String heap, String... args) throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-XX:+UseSerialGC");
            command.add("-Xms256m");
            command.add(heap);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(ScaleSideMain.class.getName());
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            return new Child(p, args[0] + "-" + args[1]);
        }

        void send(String command) throws IOException {
            in.write(command + "\n");
            in.flush();
        }

        String next(int seconds) throws Exception {
            String line = lines.poll(seconds, TimeUnit.SECONDS);
            if (line == null || line.equals("EOF")) {
                throw new IllegalStateException(name + ": no answer within " + seconds + " s (or it exited)");
            }
            return line;
        }

        String await(String prefix, int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                long left = deadline - System.nanoTime();
                String line = next((int) Math.max(1, TimeUnit.NANOSECONDS.toSeconds(left)));
                if (line.startsWith(prefix)) {
                    return line;
                }
                System.out.println(name + ": " + line);
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + ": no " + prefix + " within " + seconds + " s");
                }
            }
        }

        void kill() {
            if (process.isAlive()) {
                try {
                    if (!process.waitFor(10, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
