package dev.persistentconnection.faults;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Map.Entry;
import java.util.TreeMap;

/**
 * Who used a local port when. A port alone does not name a connection: over a soak thousands of connections share
 * the ephemeral port range, and Linux reuses a port as soon as its last connection is gone (on loopback even one in
 * TIME_WAIT, {@code tcp_tw_reuse=2}). Each user holds its port from the instant it took it until a later user takes
 * the same port, so a lookup by port and by an instant within the user's connection finds the right one.
 */
final class PortHistory<T> {
    private final Map<Integer, TreeMap<Instant, T>> byPort = new HashMap<>();

    /** Records that {@code user} took {@code port} at {@code since}. */
    void add(int port, Instant since, T user) {
        byPort.computeIfAbsent(port, p -> new TreeMap<>()).put(since, user);
    }

    /** The user of {@code port} at {@code when}: the last one that took it at or before then; null if none. */
    T at(int port, Instant when) {
        TreeMap<Instant, T> users = byPort.get(port);
        Entry<Instant, T> e = users == null ? null : users.floorEntry(when);
        return e == null ? null : e.getValue();
    }

    /** Ports that more than one user took. */
    long reusedPorts() {
        return byPort.values().stream().filter(users -> users.size() > 1).count();
    }
}
