package dev.persistentconnection;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * A retry delay that grows with the failed attempts in a row and starts again after a successful one, for
 * {@link PersistentConnection.Builder#backoff(Backoff)}. The engine still randomizes each delay with its
 * {@link Randomization}; with {@link #decorrelatedJitter} the delay is random already, so use
 * {@link Randomization#nonRandom()} with it.
 */
@FunctionalInterface
public interface Backoff {

    /**
     * The delay between the start of the next attempt and the start of the one after it.
     *
     * @param consecutiveFailures failed attempts in a row before the next one: 0 for the first attempt and after a
     *                            successful one
     */
    Duration delay(int consecutiveFailures);

    /**
     * {@code base × multiplier^n}, at most {@code max}, for n failed attempts in a row.
     *
     * @throws IllegalArgumentException if {@code base} is negative, {@code max} is less than {@code base} or
     *                                  {@code multiplier} is less than 1
     */
    static Backoff exponential(Duration base, double multiplier, Duration max) {
        check(base, max);
        if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException(
                    "the multiplier must be a finite number of at least 1, was " + multiplier);
        }
        long baseNanos = saturatedNanos(base);
        long maxNanos = saturatedNanos(max);
        return failures -> {
            double nanos = baseNanos * Math.pow(multiplier, Math.max(0, failures));
            return nanos >= maxNanos ? max : Duration.ofNanos((long) nanos);
        };
    }

    /**
     * Decorrelated jitter: {@code base} for the first attempt, then each delay uniform in
     * {@code [base, 3 × previous delay]}, at most {@code max}. Many clients that failed together spread out at once
     * and stay spread out, while their delays still grow. It keeps the previous delay, so give every connection its
     * own instance.
     *
     * @throws IllegalArgumentException if {@code base} is not positive or {@code max} is less than {@code base}
     */
    static Backoff decorrelatedJitter(Duration base, Duration max, Random random) {
        check(base, max);
        Objects.requireNonNull(random, "random");
        if (base.isZero()) {
            throw new IllegalArgumentException("the base delay of decorrelated jitter must be positive");
        }
        long baseNanos = saturatedNanos(base);
        long maxNanos = saturatedNanos(max);
        return new Backoff() {
            private long previous = baseNanos;

            @Override
            public synchronized Duration delay(int consecutiveFailures) {
                if (consecutiveFailures <= 0) {
                    previous = baseNanos;
                    return base;
                }
                double upper = Math.min((double) maxNanos, previous * 3.0);
                double nanos;
                synchronized (random) {
                    nanos = baseNanos + random.nextDouble() * Math.max(0, upper - baseNanos);
                }
                previous = Math.min(maxNanos, (long) nanos);
                return Duration.ofNanos(previous);
            }

            @Override
            public String toString() {
                return "Backoff.decorrelatedJitter(" + base + ", " + max + ")";
            }
        };
    }

    private static void check(Duration base, Duration max) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(max, "max");
        if (base.isNegative()) {
            throw new IllegalArgumentException("the base delay must not be negative, was " + base);
        }
        if (max.compareTo(base) < 0) {
            throw new IllegalArgumentException("the maximum delay " + max + " is less than the base delay " + base);
        }
    }

    private static long saturatedNanos(Duration delay) {
        try {
            return delay.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }
}
