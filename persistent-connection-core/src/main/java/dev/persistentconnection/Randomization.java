package dev.persistentconnection;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * How each retry delay is randomized, so that many clients of one server do not all retry in the same instant after
 * it restarts.
 */
public final class Randomization {

    private static final Randomization NON_RANDOM = new Randomization(0, null);

    private final double fraction;
    private final Random random;

    private Randomization(double fraction, Random random) {
        this.fraction = fraction;
        this.random = random;
    }

    /** The delay is used as it is. */
    public static Randomization nonRandom() {
        return NON_RANDOM;
    }

    /**
     * The delay {@code s} becomes {@code s ± d} with {@code d} uniform in {@code [0, fraction × s)}: the offset is
     * drawn first, then the sign (docs/SEMANTICS.md §6). The default fraction is 0.3.
     *
     * @throws IllegalArgumentException if {@code fraction} is outside {@code [0, 1)}
     */
    public static Randomization percent(double fraction, Random random) {
        Objects.requireNonNull(random, "random");
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("randomization fraction must be in [0, 1), was " + fraction);
        }
        return new Randomization(fraction, random);
    }

    /** The randomized delay; never negative for a non-negative {@code delay}. */
    public Duration apply(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (random == null || fraction == 0) {
            return delay;
        }
        double seconds = delay.getSeconds() + delay.getNano() / 1e9;
        double offset;
        boolean plus;
        synchronized (random) {
            offset = random.nextDouble() * (fraction * seconds);
            plus = random.nextBoolean();
        }
        double randomized = plus ? seconds + offset : seconds - offset;
        return Duration.ofNanos(Math.round(randomized * 1e9));
    }

    @Override
    public String toString() {
        return random == null ? "Randomization.nonRandom()" : "Randomization.percent(" + fraction + ")";
    }
}
