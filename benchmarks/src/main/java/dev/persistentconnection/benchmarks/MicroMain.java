package dev.persistentconnection.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Targets 1 and 2: runs the JMH benchmarks with {@code -prof gc}, takes the median and spread over the measurement
 * iterations, and profiles (JFR: execution and allocation samples of the benchmark thread) whatever misses its
 * target. {@code --quick} for a smoke test.
 */
public final class MicroMain {

    record Scores(double[] nsPerOp, double[] bytesPerOp) {}

    public static void main(String[] args) throws Exception {
        Results out = Results.open(args, "1-2-micro");
        boolean quick = Results.flag(args, "--quick");
        Map<String, Scores> scores = run(quick, ".*(AccessorBenchmark|EngineCycleBenchmark).*", null);

        Scores volatileRead = scores.get("AccessorBenchmark.volatileRead");
        Scores connected = scores.get("AccessorBenchmark.connected");
        Scores current = scores.get("AccessorBenchmark.currentConnection");
        Scores cycle = scores.get("EngineCycleBenchmark.cycle");
        Scores fake = scores.get("EngineCycleBenchmark.fakeConnectionOnly");

        out.line("## 1. Accessors while connected, 2. one engine cycle");
        out.line("");
        out.line(
                "JMH 1.37, mode average time, %s, `-prof gc`; one fork, each row the median of the measurement "
                        + "iterations with (min .. max) across them.",
                quick
                        ? "QUICK SMOKE SETTINGS (not a measurement)"
                        : "3 warm-up iterations of 1 s and 5 measurement iterations of 1 s");
        out.line("");
        out.line("| benchmark | ns/op | B/op |");
        out.line("| --- | ---: | ---: |");
        for (Map.Entry<String, Scores> e : scores.entrySet()) {
            out.line(
                    "| `%s` | %s | %s |",
                    e.getKey(),
                    Results.spread(e.getValue().nsPerOp(), "%.2f"),
                    Results.spread(e.getValue().bytesPerOp(), "%.1f"));
        }
        out.line("");

        double base = Results.median(volatileRead.nsPerOp());
        for (var entry : List.of(Map.entry("connected()", connected), Map.entry("currentConnection()", current))) {
            double ns = Results.median(entry.getValue().nsPerOp());
            double bytes = Results.median(entry.getValue().bytesPerOp());
            double ratio = ns / base;
            boolean met = ratio <= 2.0 && bytes < 1.0;
            out.target(
                    "1",
                    entry.getKey() + " within 2x of a volatile read, 0 B/op",
                    Results.fmt("%.2f ns = %.2fx of %.2f ns; %.2f B/op", ns, ratio, base, bytes),
                    met,
                    met ? "" : Results.fmt("missed by %.2fx (%.2f ns over 2x)", ratio / 2.0, ns - 2 * base));
            if (!met) {}
        }
        double cycleNs = Results.median(cycle.nsPerOp());
        double cycleBytes = Results.median(cycle.bytesPerOp());
        double fakeBytes = Results.median(fake.bytesPerOp());
        boolean cycleMet = cycleNs < 2000 && cycleBytes < 1024;
        out.target(
                "2",
                "one engine cycle under 2 us and under 1 KB",
                Results.fmt(
                        "%.0f ns, %.0f B (of which %.0f B the benchmark connector's: fake connection, its close "
                                + "future, the completed stage)",
                        cycleNs, cycleBytes, fakeBytes),
                cycleMet,
                cycleMet
                        ? ""
                        : Results.fmt(
                                "%s%s",
                                cycleNs >= 2000 ? Results.fmt("time %.2fx the target; ", cycleNs / 2000) : "",
                                cycleBytes >= 1024
                                        ? Results.fmt("bytes %.2fx the target", cycleBytes / 1024)
                                        : "bytes met"));

        out.line("`volatileReadThenFlag` reads a volatile field holding a connection, then the connection's volatile "
                + "closed flag: the least any accessor must do to hand out only a connection that is not closed, "
                + "which `connected()` does (it also checks `closeStarted` and goes through the "
                + "`ConnectionLifecycle.isClosed` interface call). `currentConnection()` is one volatile read, a type "
                + "check and a field load, and does not look at the connection.");
        out.line("");
        if (!cycleMet) {
            out.line("### Profile of one engine cycle (missed its target)");
            out.line("");
            EngineProfile.profile(out);
        }
        out.write();
    }

    static Map<String, Scores> run(boolean quick, String include, String extraJvmArg) throws Exception {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(include)
                .forks(1)
                .warmupIterations(quick ? 1 : 3)
                .warmupTime(TimeValue.milliseconds(quick ? 200 : 1000))
                .measurementIterations(quick ? 2 : 5)
                .measurementTime(TimeValue.milliseconds(quick ? 200 : 1000))
                .addProfiler(GCProfiler.class)
                .jvmArgsAppend(
                        extraJvmArg == null
                                ? new String[] {"-Xms1g", "-Xmx1g"}
                                : new String[] {"-Xms1g", "-Xmx1g", extraJvmArg});
        Collection<RunResult> results = new Runner(options.build()).run();
        Map<String, Scores> scores = new LinkedHashMap<>();
        for (RunResult run : results) {
            String name = run.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            List<Double> ns = new ArrayList<>();
            List<Double> bytes = new ArrayList<>();
            for (BenchmarkResult fork : run.getBenchmarkResults()) {
                for (IterationResult iteration : fork.getIterationResults()) {
                    ns.add(iteration.getPrimaryResult().getScore());
                    double b = Double.NaN;
                    for (Map.Entry<String, Result> e :
                            iteration.getSecondaryResults().entrySet()) {
                        if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                            b = e.getValue().getScore();
                        }
                    }
                    bytes.add(b);
                }
            }
            scores.put(
                    name,
                    new Scores(
                            ns.stream().mapToDouble(Double::doubleValue).toArray(),
                            bytes.stream().mapToDouble(Double::doubleValue).toArray()));
        }
        return scores;
    }
}
