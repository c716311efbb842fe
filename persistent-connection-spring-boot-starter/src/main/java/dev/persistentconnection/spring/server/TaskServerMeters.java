package dev.persistentconnection.spring.server;

import java.util.concurrent.atomic.LongAdder;

/**
 * Payload bytes the handler methods of one server received and sent (Micrometer-free, so that the handlers work
 * without it; the metrics auto-configuration reads these as counters).
 */
public final class TaskServerMeters {

    private final LongAdder bytesIn = new LongAdder();

    private final LongAdder bytesOut = new LongAdder();

    void received(int bytes) {
        bytesIn.add(bytes);
    }

    void sent(int bytes) {
        bytesOut.add(bytes);
    }

    /** Request payload bytes received by handler methods. */
    public long bytesIn() {
        return bytesIn.sum();
    }

    /** Answer bytes handler methods sent (including the framing of streamed elements). */
    public long bytesOut() {
        return bytesOut.sum();
    }
}
