package dev.persistentconnection.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import javax.management.ObjectName;

/** Per-class instance and byte counts of this JVM's heap, from the in-process {@code GC.class_histogram} command. */
final class ClassHistogram {

    private ClassHistogram() {}

    /**
     * Class name to {instances, bytes}.
     *
     * @param includeDead {@code -all}: count unreachable objects too, so that a diff counts every allocation
     */
    static Map<String, long[]> take(boolean includeDead) throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer()
                .invoke(
                        new ObjectName("com.sun.management:type=DiagnosticCommand"),
                        "gcClassHistogram",
                        new Object[] {includeDead ? new String[] {"-all"} : new String[0]},
                        new String[] {String[].class.getName()});
        Map<String, long[]> map = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length >= 4 && parts[0].endsWith(":")) {
                map.put(parts[3], new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])});
            }
        }
        return map;
    }

    /** The classes whose byte count changed from {@code before} to {@code after}, with the change. */
    static Map<String, long[]> diff(Map<String, long[]> before, Map<String, long[]> after) {
        Map<String, long[]> diff = new HashMap<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            long count = e.getValue()[0] - b[0];
            long bytes = e.getValue()[1] - b[1];
            if (bytes != 0) {
                diff.put(e.getKey(), new long[] {count, bytes});
            }
        }
        return diff;
    }
}
