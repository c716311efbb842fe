package dev.persistentconnection.benchmarks;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * This JVM's memory as the scale benchmark counts it: used heap after forced full GCs (exact with
 * {@code -XX:+UseSerialGC}), direct memory (what the Netty copies count, shaded gRPC's and ours, or the JDK's direct
 * buffer pool if it counts more: Netty's count includes the buffers the pool also counts), resident set size and live threads.
 */
final class MemoryProbe {
    private MemoryProbe() {}

    /** name to value: heap, direct, netty-direct, grpc-netty-direct, jdk-direct, rss, threads. */
    static Map<String, Long> take() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("heap", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        long netty = nettyDirect("io.netty.util.internal.PlatformDependent");
        long grpc = nettyDirect("io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent");
        long jdk = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                jdk = pool.getMemoryUsed();
            }
        }
        m.put("netty-direct", netty);
        m.put("grpc-netty-direct", grpc);
        m.put("jdk-direct", jdk);
        // Netty counts its cleaner-backed buffers too, which the JDK's pool also counts: the larger of the two.
        m.put("direct", Math.max(netty + grpc, jdk));
        m.put("rss", rss());
        m.put("threads", (long) ManagementFactory.getThreadMXBean().getThreadCount());
        return m;
    }

    /** Direct memory a Netty copy counts (its no-cleaner buffers and pool chunks), 0 if it is not loaded. */
    private static long nettyDirect(String platformDependent) {
        try {
            Class<?> type = Class.forName(platformDependent);
            long used = (long) type.getMethod("usedDirectMemory").invoke(null);
            return Math.max(0, used);
        } catch (ReflectiveOperationException | LinkageError e) {
            return 0;
        }
    }

    /** Resident set size in bytes (Linux), -1 elsewhere. */
    static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return -1;
    }

    /** "k=v k=v ..." */
    static String format(Map<String, Long> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) ->
                b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
        return b.toString();
    }

    static Map<String, Long> parse(String text) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String part : text.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                m.put(part.substring(0, eq), Long.parseLong(part.substring(eq + 1)));
            }
        }
        return m;
    }
}
