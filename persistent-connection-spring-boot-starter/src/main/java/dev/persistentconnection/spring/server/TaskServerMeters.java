package dev.persistentconnection.spring.server;

import dev.persistentconnection.tasks.TaskServerListener;
import java.net.InetAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Payload bytes the handler methods of one server received and sent, and what the server refused by reason (as its
 * {@link TaskServerListener}). Micrometer-free, so that the handlers work without it; the metrics
 * auto-configuration reads these as counters.
 */
public final class TaskServerMeters implements TaskServerListener {

    private final Map<Rejection, LongAdder> rejections = new EnumMap<>(Rejection.class);

    private final LongAdder bytesIn = new LongAdder();

    private final LongAdder bytesOut = new LongAdder();

    public TaskServerMeters() {
        for (Rejection reason : Rejection.values()) {
            rejections.put(reason, new LongAdder());
        }
    }

    @Override
    public void rejected(Rejection reason, InetAddress remoteAddress, String detail) {
        rejections.get(reason).increment();
    }

    /** Connections and tasks the server refused (or deferred) for this reason. */
    public long rejections(Rejection reason) {
        return rejections.get(reason).sum();
    }

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
