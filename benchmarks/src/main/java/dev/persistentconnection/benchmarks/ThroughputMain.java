package dev.persistentconnection.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * Target 6: echo tasks, TaskClient/TaskServer against gRPC-java, server in a child JVM on 127.0.0.1 (same class
 * path), closed loop with a fixed number of tasks in flight over one connection. For each payload and concurrency,
 * the two implementations run one after the other: a warm-up, then measurement windows; tasks/s per window (median
 * and spread) and the latency percentiles over all windows. Then one profiled run of each at 64 B and 64 in flight
 * (JFR in both JVMs).
 */
public final class ThroughputMain {
    static String[] IMPLS = {"tasks", "tasks-direct", "grpc", "grpc-direct", "raw-netty"};
    static int[] PAYLOADS = {64, 16 * 1024};
    static int[] CONCURRENCY = {1, 64, 1024};

    record Measure(
            double[] perSecond,
            long p50,
            long p99,
            long errors,
            long[] latencies,
            double[] clientCpuUs,
            double[] serverCpuUs) {
        /** The windows of several measures together: their rates, and the percentiles of all their latencies. */
        static Measure pool(List<Measure> parts) {
            double[] rates = parts.stream()
                    .flatMapToDouble(m -> Arrays.stream(m.perSecond()))
                    .toArray();
            long[] all = parts.stream()
                    .flatMapToLong(m -> Arrays.stream(m.latencies()))
                    .sorted()
                    .toArray();
            long errors = parts.stream().mapToLong(Measure::errors).sum();
            double[] client = parts.stream()
                    .flatMapToDouble(m -> Arrays.stream(m.clientCpuUs()))
                    .toArray();
            double[] server = parts.stream()
                    .flatMapToDouble(m -> Arrays.stream(m.serverCpuUs()))
                    .toArray();
            return new Measure(
                    rates,
                    Results.quantile(all, all.length, 0.5),
                    Results.quantile(all, all.length, 0.99),
                    errors,
                    new long[0],
                    client,
                    server);
        }
    }

    public static void main(String[] args) throws Exception {
        Results out = Results.open(args, "6-throughput");
        long warmupMs = Long.parseLong(Results.option(args, "--warmup-ms", "300"));
        long windowMs = Long.parseLong(Results.option(args, "--window-ms", "800"));
        int windows = Integer.parseInt(Results.option(args, "--windows", "5"));
        long prewarmMs = Long.parseLong(Results.option(args, "--prewarm-ms", "6000"));
        boolean profile = !Results.flag(args, "--no-profile");
        String only = Results.option(args, "--only", null); // a quick look at some configurations, no report
        if (only != null) {
            IMPLS = only.split(",");
            PAYLOADS = Arrays.stream(Results.option(args, "--payloads", "64").split(","))
                    .mapToInt(Integer::parseInt)
                    .toArray();
            CONCURRENCY = Arrays.stream(
                            Results.option(args, "--concurrency", "1").split(","))
                    .mapToInt(Integer::parseInt)
                    .toArray();
        }

        Map<String, Measure> results = new LinkedHashMap<>();
        List<ChildServer> servers = new ArrayList<>();
        List<Echo.EchoClient> clients = new ArrayList<>();
        try {
            for (String impl : IMPLS) {
                ChildServer server = ChildServer.launch(impl, null);
                servers.add(server);
                clients.add(Echo.client(impl, server.port));
            }
            // JIT warm-up of both JVMs of every implementation before any measurement (the first configuration
            // would otherwise measure interpreted code): 64 B and 16 KB at 64 in flight.
            for (Echo.EchoClient client : clients) {
                drive(client, 64, 64, prewarmMs * 2 / 3, 1, 1);
                drive(client, 16 * 1024, 64, prewarmMs / 3, 1, 1);
            }
            for (int payload : PAYLOADS) {
                for (int concurrency : CONCURRENCY) {
                    // Round robin, one window of each implementation in turn (starting with another one each
                    // time), so that a change in the machine's load falls on all of them alike.
                    List<List<Measure>> parts = new ArrayList<>();
                    for (int i = 0; i < IMPLS.length; i++) {
                        parts.add(new ArrayList<>());
                    }
                    for (int w = 0; w < windows; w++) {
                        for (int k = 0; k < IMPLS.length; k++) {
                            int i = (w + k) % IMPLS.length;
                            parts.get(i)
                                    .add(drive(
                                            clients.get(i),
                                            servers.get(i),
                                            payload,
                                            concurrency,
                                            warmupMs,
                                            windowMs,
                                            1));
                        }
                    }
                    for (int i = 0; i < IMPLS.length; i++) {
                        Measure m = Measure.pool(parts.get(i));
                        results.put(key(IMPLS[i], payload, concurrency), m);
                        System.out.printf(
                                "%-12s %5d B x %4d: %s tasks/s, p50 %.1f us, p99 %.1f us, errors %d, "
                                        + "CPU %.1f + %.1f us/task%n",
                                IMPLS[i],
                                payload,
                                concurrency,
                                Results.spread(m.perSecond(), "%.0f"),
                                m.p50() / 1e3,
                                m.p99() / 1e3,
                                m.errors(),
                                Results.median(m.clientCpuUs()),
                                Results.median(m.serverCpuUs()));
                    }
                }
            }
        } finally {
            for (Echo.EchoClient c : clients) {
                c.close();
            }
            for (ChildServer s : servers) {
                s.stop();
            }
        }

        if (only != null) {
            if (Results.flag(args, "--with-profile")) {
                profileRuns(out);
                out.write();
            }
            System.exit(0);
        }
        out.line("## 6. Task throughput and latency: TaskClient/TaskServer vs gRPC-java");
        out.line("");
        out.line(
                "Echo of the payload; the server in a child JVM (`EchoServerMain`, same class path, `-Xmx512m`), the "
                        + "client in the benchmark JVM, one TCP connection on 127.0.0.1 each, a closed loop keeping N tasks "
                        + "in flight. TaskServer: defaults but `maxTasksInFlightPerClient(%d)` (default 64, beyond which the "
                        + "client queues), once with its default task executor (`tasks`) and once with "
                        + "`runHandlersOnIoThread(true)` (`tasks direct`); TaskClient through a `PersistentConnection` "
                        + "(`connected().join().submit(...)` per task). gRPC %s: `grpc-netty-shaded`, a unary method with a "
                        + "byte-array marshaller, once with its default executors and once with `directExecutor()` on both "
                        + "sides (its usual tuning for non-blocking handlers). Each mode is compared with gRPC's matching "
                        + "mode. First %.1f s of JIT warm-up for each implementation (64 B and 16 KB at 64 in flight); then, "
                        + "per configuration, %d rounds in which each of the five runs in turn (%.1f s to fill the pipeline, "
                        + "then a %.1f s window). tasks/s: median (min .. max) over the windows; latency: percentiles over "
                        + "every task of the windows.",
                Echo.MAX_IN_FLIGHT,
                io.grpc.internal.GrpcUtil.IMPLEMENTATION_VERSION,
                prewarmMs / 1000.0,
                windows,
                warmupMs / 1000.0,
                windowMs / 1000.0);
        out.line("");
        out.line("`raw Netty` is the ceiling on this machine: the least a request/response protocol over one Netty "
                + "connection does (`RawEcho`: a length and an id per frame, echoed from the server's I/O thread, "
                + "one flush per read; no executor, timers, limits or errors).");
        out.line("");
        out.line("| payload | in flight | tasks | tasks direct | gRPC | gRPC direct | raw Netty "
                + "| tasks / gRPC | tasks direct / gRPC direct | tasks direct / raw Netty |");
        out.line("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (int payload : PAYLOADS) {
            for (int concurrency : CONCURRENCY) {
                StringBuilder row = new StringBuilder(Results.fmt("| %s | %d |", size(payload), concurrency));
                for (String impl : IMPLS) {
                    row.append(' ')
                            .append(Results.spread(
                                    results.get(key(impl, payload, concurrency)).perSecond(), "%.0f"))
                            .append(" |");
                }
                row.append(Results.fmt(
                        " %.2f | %.2f | %.0f %% |",
                        rate(results, "tasks", "grpc", payload, concurrency),
                        rate(results, "tasks-direct", "grpc-direct", payload, concurrency),
                        100 * rate(results, "tasks-direct", "raw-netty", payload, concurrency)));
                out.line(row.toString());
            }
        }
        out.line("");
        out.line("| payload | in flight | tasks p50 / p99 (us) | tasks direct | gRPC | gRPC direct | raw Netty "
                + "| p99 tasks / gRPC | p99 tasks direct / gRPC direct |");
        out.line("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (int payload : PAYLOADS) {
            for (int concurrency : CONCURRENCY) {
                StringBuilder row = new StringBuilder(Results.fmt("| %s | %d |", size(payload), concurrency));
                long errors = 0;
                for (String impl : IMPLS) {
                    Measure m = results.get(key(impl, payload, concurrency));
                    row.append(Results.fmt(" %.0f / %.0f |", m.p50() / 1e3, m.p99() / 1e3));
                    errors += m.errors();
                }
                row.append(Results.fmt(
                        " %.2f | %.2f |",
                        p99(results, "tasks", "grpc", payload, concurrency),
                        p99(results, "tasks-direct", "grpc-direct", payload, concurrency)));
                out.line(row.toString());
                if (errors > 0) {
                    StringBuilder e = new StringBuilder("| | |");
                    for (String impl : IMPLS) {
                        e.append(" errors: ")
                                .append(results.get(key(impl, payload, concurrency))
                                        .errors())
                                .append(" |");
                    }
                    out.line(e + " | |");
                }
            }
        }
        out.line("");
        out.line("CPU time per task (us), client JVM + server JVM, median over the windows (from "
                + "`getProcessCpuTime()` and the server process's `/proc` CPU time, which has a 10 ms resolution; "
                + "the client JVM also runs the idle clients of the other implementations). With both JVMs on the "
                + "same 2 cores, 2 s of CPU per second divided by this is the most tasks/s the machine can give.");
        out.line("");
        out.line("| payload | in flight | tasks | tasks direct | gRPC | gRPC direct | raw Netty |");
        out.line("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (int payload : PAYLOADS) {
            for (int concurrency : CONCURRENCY) {
                StringBuilder row = new StringBuilder(Results.fmt("| %s | %d |", size(payload), concurrency));
                for (String impl : IMPLS) {
                    Measure m = results.get(key(impl, payload, concurrency));
                    double c = Results.median(m.clientCpuUs());
                    double sv = Results.median(m.serverCpuUs());
                    row.append(Results.fmt(" %.1f + %.1f = %.1f |", c, sv, c + sv));
                }
                out.line(row.toString());
            }
        }
        out.line("");
        // Issue 15's targets, each from this run's numbers.
        StringBuilder measuredA = new StringBuilder();
        StringBuilder missA = new StringBuilder();
        boolean metA = true;
        for (int payload : PAYLOADS) {
            for (int concurrency : new int[] {64, 1024}) {
                double need = concurrency == 64 ? 1.3 : 1.5;
                double d = rate(results, "tasks-direct", "grpc-direct", payload, concurrency);
                double g = rate(results, "tasks", "grpc", payload, concurrency);
                double p = p99(results, "tasks-direct", "grpc-direct", payload, concurrency);
                boolean okD = d >= need;
                boolean okP = concurrency != 64 || p <= 1.0;
                boolean okG = g >= 2.0;
                metA &= okD && okP && okG;
                measuredA.append(Results.fmt(
                        "%s x %d: direct %.2fx%s, default %.2fx; ",
                        size(payload), concurrency, d, concurrency == 64 ? Results.fmt(" (p99 %.2fx)", p) : "", g));
                if (!(okD && okP && okG)) {
                    missA.append(Results.fmt(
                            "%s x %d:%s%s%s; ",
                            size(payload),
                            concurrency,
                            okD ? "" : Results.fmt(" direct %.2fx instead of %.1fx", d, need),
                            okP ? "" : Results.fmt(" p99 %.0f %% worse", 100 * (p - 1)),
                            okG ? "" : Results.fmt(" default %.2fx instead of 2x", g)));
                }
            }
        }
        out.target(
                "6a",
                "64 B and 16 KB: tasks direct at least 1.3x gRPC direct's throughput at 64 in flight (p99 no "
                        + "worse) and 1.5x at 1,024; tasks (default executor) at least 2x gRPC (default)",
                trim(measuredA),
                metA,
                trim(missA) + (metA ? "" : "; profile below"));
        double ceiling64 = rate(results, "tasks-direct", "raw-netty", 64, 64);
        double ceiling16k = rate(results, "tasks-direct", "raw-netty", 16 * 1024, 64);
        double cpuRatio = cpu(results.get(key("tasks-direct", 64, 64))) / cpu(results.get(key("raw-netty", 64, 64)));
        boolean metB = ceiling64 >= 0.7 && ceiling16k >= 0.7 && cpuRatio <= 1.4;
        out.target(
                "6b",
                "at 64 in flight at least 70 % of the raw Netty ceiling; CPU per 64 B task at most 1.4x raw "
                        + "Netty's",
                Results.fmt(
                        "64 B %.0f %%, 16 KB %.0f %% of raw Netty (tasks direct); CPU per 64 B task "
                                + "%.1f us = %.2fx raw Netty's %.1f us (tasks, default executor: %.1f us)",
                        100 * ceiling64,
                        100 * ceiling16k,
                        cpu(results.get(key("tasks-direct", 64, 64))),
                        cpuRatio,
                        cpu(results.get(key("raw-netty", 64, 64))),
                        cpu(results.get(key("tasks", 64, 64)))),
                metB,
                metB ? "" : "see the CPU table and the profile below");
        StringBuilder measuredC = new StringBuilder();
        boolean metC = true;
        for (int payload : PAYLOADS) {
            Measure t = results.get(key("tasks-direct", payload, 1));
            Measure d = results.get(key("grpc-direct", payload, 1));
            metC &= t.p50() <= d.p50() && t.p99() <= d.p99();
            measuredC.append(Results.fmt(
                    "%s: p50 %.0f vs %.0f us, p99 %.0f vs %.0f us; ",
                    size(payload), t.p50() / 1e3, d.p50() / 1e3, t.p99() / 1e3, d.p99() / 1e3));
        }
        for (String[] k : new String[][] {
            {"tp.64.64", "64", "64"},
            {"tp.16k.64", "16384", "64"},
            {"tp.64.1024", "64", "1024"},
            {"tp.16k.1024", "16384", "1024"}
        }) {
            int payload = Integer.parseInt(k[1]);
            int concurrency = Integer.parseInt(k[2]);
            out.metric(
                    k[0],
                    Results.fmt(
                            "%.2f direct, %.2f executor mode",
                            rate(results, "tasks-direct", "grpc-direct", payload, concurrency),
                            rate(results, "tasks", "grpc-direct", payload, concurrency)));
        }
        out.metric("grpc.64.64", Results.fmt("%.2f", rate(results, "tasks", "grpc", 64, 64)));
        out.metric("grpc.16k.64", Results.fmt("%.2f", rate(results, "tasks", "grpc", 16 * 1024, 64)));
        out.metric(
                "p99.64.64",
                Results.fmt(
                        "%.2f direct, %.2f executor mode",
                        p99(results, "tasks-direct", "grpc-direct", 64, 64),
                        p99(results, "tasks", "grpc-direct", 64, 64)));
        out.metric(
                "p99.16k.64",
                Results.fmt(
                        "%.2f direct, %.2f executor mode",
                        p99(results, "tasks-direct", "grpc-direct", 16 * 1024, 64),
                        p99(results, "tasks", "grpc-direct", 16 * 1024, 64)));
        out.metric(
                "raw.64",
                Results.fmt(
                        "%.0f %% / %.0f %% direct, %.0f %% / %.0f %% executor mode",
                        100 * ceiling64,
                        100 * ceiling16k,
                        100 * rate(results, "tasks", "raw-netty", 64, 64),
                        100 * rate(results, "tasks", "raw-netty", 16 * 1024, 64)));
        out.metric(
                "cpu.64",
                Results.fmt(
                        "direct %.1f us = %.2fx raw Netty's %.1f us; executor mode %.1f us " + "(gRPC direct %.1f us)",
                        cpu(results.get(key("tasks-direct", 64, 64))),
                        cpuRatio,
                        cpu(results.get(key("raw-netty", 64, 64))),
                        cpu(results.get(key("tasks", 64, 64))),
                        cpu(results.get(key("grpc-direct", 64, 64)))));
        Measure t1 = results.get(key("tasks-direct", 64, 1));
        Measure d1 = results.get(key("grpc-direct", 64, 1));
        out.metric(
                "lat.1",
                Results.fmt(
                        "%.0f / %.0f us vs %.0f / %.0f us (direct)",
                        t1.p50() / 1e3, t1.p99() / 1e3, d1.p50() / 1e3, d1.p99() / 1e3));
        out.target(
                "6c",
                "1 in flight: tasks direct's p50 and p99 no worse than gRPC direct's",
                trim(measuredC),
                metC,
                metC ? "" : "at 1 in flight the latency is one round trip through both JVMs' I/O threads");

        if (profile) {
            profileRuns(out);
        }
        out.write();
        System.exit(0);
    }

    private static void profileRuns(Results out) throws Exception {
        out.line("### Where the time goes at 64 B, 64 in flight");
        out.line("");
        out.line(
                "One more run of TaskClient/TaskServer in both modes and of gRPC with `directExecutor()` (a new server "
                        + "JVM each), 4 s "
                        + "warm-up and 3 s "
                        + "recorded with JFR (`settings=profile`, execution and native-method samples every 2 ms) in both "
                        + "JVMs. A profiled run is much slower (JFR's sampling and allocation events cost CPU on these "
                        + "2 cores), so read the shares and the per-task ratios, not the rates. Execution samples are taken "
                        + "only of "
                        + "threads running Java code; a thread in a system call shows in the native samples.");
        out.line("");
        for (String impl : new String[] {"tasks-direct", "tasks", "grpc-direct"}) {
            Path serverJfr = Files.createTempFile("bench-server-" + impl, ".jfr");
            Path clientJfr = Files.createTempFile("bench-client-" + impl, ".jfr");
            try {
                ChildServer server = ChildServer.launch(impl, serverJfr);
                Measure m;
                try (Echo.EchoClient client = Echo.client(impl, server.port)) {
                    drive(client, 64, 64, 4000, 200, 1); // the server JVM is new: JIT warm-up
                    try (Recording recording = new Recording(Configuration.getConfiguration("profile"))) {
                        recording.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(2));
                        recording.enable("jdk.NativeMethodSample").withPeriod(java.time.Duration.ofMillis(2));
                        recording.enable("jdk.CPULoad").withPeriod(java.time.Duration.ofSeconds(1));
                        recording.enable("jdk.ThreadContextSwitchRate").withPeriod(java.time.Duration.ofSeconds(1));
                        recording.start();
                        m = drive(client, 64, 64, 0, 3000, 1);
                        recording.stop();
                        recording.dump(clientJfr);
                    }
                } finally {
                    server.stop();
                }
                String name = switch (impl) {
                    case "tasks" -> "TaskClient/TaskServer, default task executor";
                    case "tasks-direct" -> "TaskClient/TaskServer with runHandlersOnIoThread(true)";
                    default -> "gRPC with directExecutor()";
                };
                double rate = Results.median(m.perSecond());
                JfrSummary client = JfrSummary.read(clientJfr, ThroughputMain::interesting);
                JfrSummary serverSummary =
                        Files.size(serverJfr) > 0 ? JfrSummary.read(serverJfr, ThroughputMain::interesting) : null;
                out.line("#### %s: %.0f tasks/s while profiled", name, rate);
                out.line("");
                out.line(
                        "CPU (JFR `jdk.CPULoad`, share of both cores): client JVM %.0f %%, server JVM %s, whole "
                                + "machine "
                                + "%.0f %%; %.0f context switches per second on the machine, %.1f per task.",
                        100 * client.cpuJvm(),
                        serverSummary == null ? "?" : Results.fmt("%.0f %%", 100 * serverSummary.cpuJvm()),
                        100 * client.cpuMachine(),
                        client.switchRate(),
                        client.switchRate() / rate);
                out.line("");
                out.line("Client JVM:");
                out.line("");
                client.markdown(10).forEach(out::line);
                out.line("");
                out.line("Server JVM:");
                out.line("");
                if (serverSummary != null) {
                    serverSummary.markdown(10).forEach(out::line);
                } else {
                    out.line("(no recording: the server did not exit cleanly)");
                }
                out.line("");
            } finally {
                Files.deleteIfExists(serverJfr);
                Files.deleteIfExists(clientJfr);
            }
        }
    }

    private static double rate(Map<String, Measure> results, String a, String b, int payload, int concurrency) {
        return Results.median(results.get(key(a, payload, concurrency)).perSecond())
                / Results.median(results.get(key(b, payload, concurrency)).perSecond());
    }

    private static double p99(Map<String, Measure> results, String a, String b, int payload, int concurrency) {
        return results.get(key(a, payload, concurrency)).p99()
                / (double) results.get(key(b, payload, concurrency)).p99();
    }

    private static String trim(StringBuilder b) {
        return b.toString().replaceAll("; $", "");
    }

    private static double cpu(Measure m) {
        return Results.median(m.clientCpuUs()) + Results.median(m.serverCpuUs());
    }

    /** Not the benchmark's own threads: main (the driver), the process reaper, JFR's. */
    static boolean interesting(String thread) {
        return !thread.equals("main")
                && !thread.startsWith("process reaper")
                && !thread.startsWith("JFR")
                && !thread.equals("watchdog");
    }

    private static String key(String impl, int payload, int concurrency) {
        return impl + "/" + payload + "/" + concurrency;
    }

    private static String size(int payload) {
        return payload >= 1024 ? (payload / 1024) + " KB" : payload + " B";
    }

    /** One window's latencies (bounded) and count. */
    private static final class Window {
        final long[] latencies;
        final AtomicInteger count = new AtomicInteger();

        Window(int capacity) {
            latencies = new long[capacity];
        }

        void record(long nanos) {
            int i = count.getAndIncrement();
            if (i < latencies.length) {
                latencies[i] = nanos;
            }
        }
    }

    /** Keeps {@code concurrency} calls in flight: warm-up, then {@code windows} windows; bounded in time. */
    static Measure drive(
            Echo.EchoClient client, int payloadSize, int concurrency, long warmupMs, long windowMs, int windows)
            throws Exception {
        return drive(client, null, payloadSize, concurrency, warmupMs, windowMs, windows);
    }

    /** CPU time this JVM has used, in nanoseconds. */
    static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static Measure drive(
            Echo.EchoClient client,
            ChildServer server,
            int payloadSize,
            int concurrency,
            long warmupMs,
            long windowMs,
            int windows)
            throws Exception {
        byte[] payload = new byte[payloadSize];
        Arrays.fill(payload, (byte) 7);
        AtomicInteger outstanding = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        CompletableFuture<Void> drained = new CompletableFuture<>();
        Loop loop = new Loop(client, payload, outstanding, errors, drained);
        for (int i = 0; i < concurrency; i++) {
            outstanding.incrementAndGet();
            loop.start();
        }
        Results.sleep(warmupMs);
        double[] perSecond = new double[windows];
        double[] clientCpu = new double[windows];
        double[] serverCpu = new double[windows];
        List<Window> done = new ArrayList<>();
        for (int w = 0; w < windows; w++) {
            Window window = new Window(1 << 21);
            long clientCpuStart = ownCpuNanos();
            long serverCpuStart = server == null ? 0 : server.cpuNanos();
            long start = System.nanoTime();
            loop.window = window;
            Results.sleep(windowMs);
            loop.window = null;
            long elapsed = System.nanoTime() - start;
            int count = Math.max(1, window.count.get());
            clientCpu[w] = (ownCpuNanos() - clientCpuStart) / 1e3 / count;
            serverCpu[w] = server == null ? Double.NaN : (server.cpuNanos() - serverCpuStart) / 1e3 / count;
            perSecond[w] = window.count.get() / (elapsed / 1e9);
            done.add(window);
        }
        loop.running = false;
        if (outstanding.get() > 0) {
            try {
                drained.get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException(outstanding.get() + " calls still outstanding 20 s after the end");
            }
        }
        int total = 0;
        for (Window w : done) {
            total += Math.min(w.count.get(), w.latencies.length);
        }
        long[] all = new long[total];
        int at = 0;
        for (Window w : done) {
            int n = Math.min(w.count.get(), w.latencies.length);
            System.arraycopy(w.latencies, 0, all, at, n);
            at += n;
        }
        Arrays.sort(all);
        return new Measure(
                perSecond,
                Results.quantile(all, total, 0.5),
                Results.quantile(all, total, 0.99),
                errors.get(),
                all,
                clientCpu,
                serverCpu);
    }

    private static final class Loop {
        final Echo.EchoClient client;
        final byte[] payload;
        final AtomicInteger outstanding;
        final AtomicLong errors;
        final CompletableFuture<Void> drained;
        volatile boolean running = true;
        volatile Window window;

        Loop(
                Echo.EchoClient client,
                byte[] payload,
                AtomicInteger outstanding,
                AtomicLong errors,
                CompletableFuture<Void> drained) {
            this.client = client;
            this.payload = payload;
            this.outstanding = outstanding;
            this.errors = errors;
            this.drained = drained;
        }

        void start() {
            long start = System.nanoTime();
            try {
                client.call(payload, (answer, error) -> {
                    long end = System.nanoTime();
                    if (error != null || answer == null || answer.length != payload.length) {
                        errors.incrementAndGet();
                        finish();
                        return;
                    }
                    Window w = window;
                    if (w != null) {
                        w.record(end - start);
                    }
                    if (running) {
                        start();
                    } else {
                        finish();
                    }
                });
            } catch (RuntimeException e) {
                errors.incrementAndGet();
                finish();
            }
        }

        private void finish() {
            if (outstanding.decrementAndGet() == 0) {
                drained.complete(null);
            }
        }
    }

    /** The server JVM: launched with this class path, stopped through its standard input, bounded waits. */
    static final class ChildServer {
        final Process process;
        final int port;

        private ChildServer(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static ChildServer launch(String impl, Path jfr) throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xms512m");
            command.add("-Xmx512m");
            if (jfr != null) {
                command.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile,dumponexit=true,"
                        + "jdk.ExecutionSample#period=2ms,jdk.NativeMethodSample#period=2ms,jdk.CPULoad#period=1s,"
                        + "jdk.ThreadContextSwitchRate#period=1s");
            }
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(EchoServerMain.class.getName());
            command.add(impl);
            Process process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            BufferedReader stdout =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
                try {
                    String line;
                    while ((line = stdout.readLine()) != null) {
                        if (line.startsWith("PORT ")) {
                            return Integer.parseInt(line.substring(5).trim());
                        }
                    }
                    throw new IllegalStateException("the " + impl + " server exited before printing its port");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                return new ChildServer(process, port.get(30, TimeUnit.SECONDS));
            } catch (Exception e) {
                process.destroyForcibly();
                throw new IllegalStateException("the " + impl + " server did not start", e);
            }
        }

        /** CPU time of the server process so far (clock-tick resolution), in nanoseconds. */
        long cpuNanos() {
            return process.toHandle()
                    .info()
                    .totalCpuDuration()
                    .map(java.time.Duration::toNanos)
                    .orElse(0L);
        }

        void stop() {
            try (Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)) {
                in.write("stop\n");
            } catch (IOException ignored) {
                // already gone
            }
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
