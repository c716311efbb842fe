package dev.persistentconnection.tasks;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a host that does not read its answers from reconnecting at once. Each connection the server closes for a
 * stalled write (the write timeout) made the server produce megabytes of answers first; so its address may not open
 * another connection for a back-off that starts at {@code base}, doubles with each further offence (up to 64 times
 * {@code base}) and is forgotten once the address has stayed clean for as long again after it ended. The {@link
 * AcceptLimiter} resets the connections accepted meanwhile. Thread-safe: offences are counted on the connections'
 * event loops, accepts checked on the listening channel's.
 */
final class StalledWriteBackoff {
    private static final int MAX_DOUBLINGS = 6;
    private static final int SWEEP_SIZE = 1024;

    private final long baseNanos;
    private final Map<InetAddress, Penalty> penalties = new ConcurrentHashMap<>();

    /** {@code offences} so far, the address refused until {@code until}, a back-off of {@code length}. */
    private record Penalty(int offences, long until, long length) {
        boolean forgotten(long now) {
            return now - until >= length;
        }
    }

    StalledWriteBackoff(long baseNanos) {
        this.baseNanos = baseNanos;
    }

    /** A connection of {@code host} was closed for a stalled write: its address backs off (longer if it did before). */
    void stalled(InetAddress host, long now) {
        if (penalties.size() >= SWEEP_SIZE) {
            penalties.values().removeIf(p -> p.forgotten(now));
        }
        penalties.compute(host, (h, p) -> {
            int offences = p == null || p.forgotten(now) ? 1 : p.offences() + 1;
            long length = baseNanos << Math.min(offences - 1, MAX_DOUBLINGS);
            return new Penalty(offences, now + length, length);
        });
    }

    /** Nanoseconds {@code host} must still wait before a connection of it is accepted; 0 if none. */
    long remaining(InetAddress host, long now) {
        Penalty p = penalties.get(host);
        if (p == null) {
            return 0;
        }
        if (p.forgotten(now)) {
            penalties.remove(host, p);
        }
        return Math.max(0, p.until() - now);
    }

    /** Addresses with a penalty (tests: bounded). */
    int addresses() {
        return penalties.size();
    }
}
