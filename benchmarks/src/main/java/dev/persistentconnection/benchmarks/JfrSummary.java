package dev.persistentconnection.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/** Where the time and the bytes go, from a JFR recording: execution samples and allocation samples, summed. */
final class JfrSummary {
    private final Map<String, Long> selfSamples = new HashMap<>();
    private final Map<String, Long> threadSamples = new HashMap<>();
    private final Map<String, Long> inclusiveOurs = new HashMap<>();
    private final Map<String, Long> allocByClass = new HashMap<>();
    private final Map<String, Long> allocBySite = new HashMap<>();
    private final Map<String, Long> nativeTop = new HashMap<>();
    private final Map<String, Long> nativeThreads = new HashMap<>();
    private long nativeSamples;
    private long samples;
    private double cpuJvm;
    private double cpuMachine;
    private int cpuEvents;
    private double switchRate;
    private int switchEvents;
    private long allocWeight;

    static JfrSummary read(Path file, Predicate<String> threadFilter) throws IOException {
        JfrSummary summary = new JfrSummary();
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            String type = event.getEventType().getName();
            if (type.equals("jdk.CPULoad")) {
                summary.cpuJvm += event.getFloat("jvmUser") + event.getFloat("jvmSystem");
                summary.cpuMachine += event.getFloat("machineTotal");
                summary.cpuEvents++;
                continue;
            }
            if (type.equals("jdk.ThreadContextSwitchRate")) {
                summary.switchRate += event.getFloat("switchRate");
                summary.switchEvents++;
                continue;
            }
            boolean sample = type.equals("jdk.ExecutionSample") || type.equals("jdk.NativeMethodSample");
            RecordedThread thread = sample ? event.getThread("sampledThread") : event.getThread();
            String threadName = thread == null ? "?" : normalize(thread.getJavaName());
            if (!threadFilter.test(threadName)) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (type.equals("jdk.ExecutionSample")
                    && stack != null
                    && !stack.getFrames().isEmpty()) {
                summary.samples++;
                summary.selfSamples.merge(frame(stack.getFrames().get(0)), 1L, Long::sum);
                summary.threadSamples.merge(threadName, 1L, Long::sum);
                java.util.Set<String> seen = new java.util.HashSet<>();
                for (RecordedFrame f : stack.getFrames()) {
                    String name = frame(f);
                    if (name.startsWith("dev.persistentconnection.")
                            && !name.contains(".benchmarks.")
                            && seen.add(name)) {
                        summary.inclusiveOurs.merge(name, 1L, Long::sum);
                    }
                }
            } else if (type.equals("jdk.NativeMethodSample")
                    && stack != null
                    && !stack.getFrames().isEmpty()) {
                summary.nativeSamples++;
                summary.nativeTop.merge(frame(stack.getFrames().get(0)), 1L, Long::sum);
                summary.nativeThreads.merge(threadName, 1L, Long::sum);
            } else if (type.equals("jdk.ObjectAllocationSample")) {
                long weight = event.getLong("weight");
                summary.allocWeight += weight;
                summary.allocByClass.merge(event.getClass("objectClass").getName(), weight, Long::sum);
                if (stack != null) {
                    summary.allocBySite.merge(site(stack), weight, Long::sum);
                }
            }
        }
        return summary;
    }

    private static String normalize(String threadName) {
        return threadName == null ? "?" : threadName.replaceAll("-\\d+(-\\d+)?$", "-N");
    }

    private static String frame(RecordedFrame f) {
        RecordedMethod m = f.getMethod();
        if (m == null) {
            return "?";
        }
        return m.getType().getName() + "." + m.getName();
    }

    /** The first frame in this project's code (else the top frame), with the top frame when it differs. */
    private static String site(RecordedStackTrace stack) {
        String top = frame(stack.getFrames().get(0));
        for (RecordedFrame f : stack.getFrames()) {
            String name = frame(f);
            if (name.startsWith("dev.persistentconnection.") && !name.contains(".benchmarks.")) {
                return name.equals(top) ? name : name + " → " + shortName(top);
            }
        }
        return top;
    }

    private static String shortName(String name) {
        int dot = name.lastIndexOf('.', name.lastIndexOf('.') - 1);
        return dot < 0 ? name : name.substring(dot + 1);
    }

    long samples() {
        return samples;
    }

    /** Average CPU of this JVM and of the machine (0..1 of all cores), or NaN without jdk.CPULoad events. */
    double cpuJvm() {
        return cpuEvents == 0 ? Double.NaN : cpuJvm / cpuEvents;
    }

    double cpuMachine() {
        return cpuEvents == 0 ? Double.NaN : cpuMachine / cpuEvents;
    }

    /** Average context switches per second on the whole machine, or NaN. */
    double switchRate() {
        return switchEvents == 0 ? Double.NaN : switchRate / switchEvents;
    }

    /** Markdown: the hottest methods (self), threads, this project's methods (inclusive) and allocation sites. */
    List<String> markdown(int top) {
        List<String> lines = new ArrayList<>();
        lines.add(Results.fmt("%d execution samples.", samples));
        lines.add("");
        lines.add("| hottest methods (self time) | share |");
        lines.add("| --- | ---: |");
        sorted(selfSamples, top)
                .forEach(e -> lines.add(
                        Results.fmt("| `%s` | %.1f %% |", e.getKey(), 100.0 * e.getValue() / Math.max(1, samples))));
        lines.add("");
        lines.add("| threads | share of samples |");
        lines.add("| --- | ---: |");
        sorted(threadSamples, 6)
                .forEach(e -> lines.add(
                        Results.fmt("| `%s` | %.1f %% |", e.getKey(), 100.0 * e.getValue() / Math.max(1, samples))));
        if (!inclusiveOurs.isEmpty()) {
            lines.add("");
            lines.add("| this project's methods (inclusive: on the stack) | share |");
            lines.add("| --- | ---: |");
            sorted(inclusiveOurs, top)
                    .forEach(e -> lines.add(Results.fmt(
                            "| `%s` | %.1f %% |", e.getKey(), 100.0 * e.getValue() / Math.max(1, samples))));
        }
        if (nativeSamples > 0) {
            lines.add("");
            lines.add(Results.fmt(
                    "%d samples of threads in native code (system calls: waiting in `epoll`, reading, " + "writing):",
                    nativeSamples));
            lines.add("");
            lines.add("| native frame | share of native samples |");
            lines.add("| --- | ---: |");
            sorted(nativeTop, 6)
                    .forEach(e -> lines.add(
                            Results.fmt("| `%s` | %.1f %% |", e.getKey(), 100.0 * e.getValue() / nativeSamples)));
            lines.add("");
            lines.add("| threads in native | share of native samples |");
            lines.add("| --- | ---: |");
            sorted(nativeThreads, 6)
                    .forEach(e -> lines.add(
                            Results.fmt("| `%s` | %.1f %% |", e.getKey(), 100.0 * e.getValue() / nativeSamples)));
        }
        if (allocWeight > 0) {
            lines.add("");
            lines.add("| allocated classes (sampled weight) | share |");
            lines.add("| --- | ---: |");
            sorted(allocByClass, top)
                    .forEach(e -> lines.add(
                            Results.fmt("| `%s` | %.1f %% |", e.getKey(), 100.0 * e.getValue() / allocWeight)));
            lines.add("");
            lines.add("| allocation sites (first frame of this project → allocating frame) | share |");
            lines.add("| --- | ---: |");
            sorted(allocBySite, top)
                    .forEach(e -> lines.add(
                            Results.fmt("| `%s` | %.1f %% |", e.getKey(), 100.0 * e.getValue() / allocWeight)));
        }
        return lines;
    }

    private static List<Map.Entry<String, Long>> sorted(Map<String, Long> map, int top) {
        List<Map.Entry<String, Long>> entries = new ArrayList<>(map.entrySet());
        entries.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        return entries.subList(0, Math.min(top, entries.size()));
    }
}
