package dev.persistentconnection.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * Where each benchmark main leaves its part of BENCHMARKS.md: {@code <dir>/<name>.md} (its section) and
 * {@code <dir>/<name>.targets} (one tab-separated line per target: number, target, measured, MET/MISSED, note),
 * which {@link Report} assembles.
 */
final class Results {
    private final Path dir;
    private final String name;
    private final StringBuilder section = new StringBuilder();
    private final StringBuilder targets = new StringBuilder();
    private final StringBuilder metrics = new StringBuilder();

    private Results(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    /** Reads {@code --out DIR} from the arguments (default benchmarks/target/results). */
    static Results open(String[] args, String name) {
        Path dir = Path.of("benchmarks/target/results");
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--out")) {
                dir = Path.of(args[i + 1]);
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Results(dir, name);
    }

    static boolean flag(String[] args, String flag) {
        return Arrays.asList(args).contains(flag);
    }

    static String option(String[] args, String option, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(option)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    Results line(String text) {
        section.append(text).append('\n');
        System.out.println(text);
        return this;
    }

    Results line(String format, Object... values) {
        return line(String.format(Locale.ROOT, format, values));
    }

    Results target(String number, String target, String measured, boolean met, String note) {
        targets.append(number)
                .append('\t')
                .append(target)
                .append('\t')
                .append(measured)
                .append('\t')
                .append(met ? "MET" : "MISSED")
                .append('\t')
                .append(note == null ? "" : note)
                .append('\n');
        System.out.println("TARGET " + number + ": " + target + " -> " + measured + " " + (met ? "MET" : "MISSED")
                + (note == null || note.isEmpty() ? "" : " (" + note + ")"));
        return this;
    }

    /** A value for the before/after table ({@code benchmarks/before.tsv} names the keys). */
    Results metric(String key, String value) {
        metrics.append(key).append('\t').append(value).append('\n');
        return this;
    }

    void write() {
        try {
            Files.writeString(dir.resolve(name + ".metrics"), metrics.toString(), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(name + ".md"), section.toString(), StandardCharsets.UTF_8);
            Files.writeString(
                    dir.resolve(name + ".targets"),
                    targets.toString(),
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- statistics ----

    /** The value at quantile q (0..1) of sorted values, nearest rank. */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    static long quantile(long[] sorted, int length, double q) {
        if (length == 0) {
            return -1;
        }
        int index = (int) Math.ceil(q * length) - 1;
        return sorted[Math.max(0, Math.min(length - 1, index))];
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return quantile(sorted, 0.5);
    }

    static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }

    static double max(double[] values) {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }

    /** "median (min..max)" with the given format for each number. */
    static String spread(double[] values, String format) {
        return String.format(
                Locale.ROOT, format + " (" + format + " .. " + format + ")", median(values), min(values), max(values));
    }

    static String fmt(String format, Object... values) {
        return String.format(Locale.ROOT, format, values);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
