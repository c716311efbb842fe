package dev.persistentconnection.tasks;

/**
 * Tokens refilled at a constant rate up to a burst, on the caller's clock ({@link System#nanoTime()}). Thread-safe:
 * the connections of one remote address share one, on different event loops.
 */
final class TokenBucket {
    private final double perNano;
    private final double burst;
    private double tokens;
    private long refilledAt;

    /** Full at first: {@code burst} tokens, then {@code perSecond} more every second, never more than the burst. */
    TokenBucket(double perSecond, double burst, long now) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.refilledAt = now;
    }

    /** Takes one token if there is one. */
    synchronized boolean tryTake(long now) {
        refill(now);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /**
     * Takes {@code n} tokens, into debt if there are fewer.
     *
     * @return the nanoseconds until the debt is paid back, 0 if there is none
     */
    synchronized long take(double n, long now) {
        refill(now);
        tokens -= n;
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / perNano);
    }

    /** Whether it has refilled to its burst (so it can be forgotten and created again, full, when needed). */
    synchronized boolean isFull(long now) {
        refill(now);
        return tokens >= burst;
    }

    private void refill(long now) {
        tokens = Math.min(burst, tokens + (now - refilledAt) * perNano);
        refilledAt = now;
    }
}
