package dev.persistentconnection.transports;

import java.util.concurrent.atomic.LongAdder;

/** Running totals over every session of one connector: what the starter's message and byte metrics read. */
public final class TransportCounters {
    private final LongAdder messagesReceived = new LongAdder();
    private final LongAdder messagesSent = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();

    TransportCounters() {}

    /** Whole messages handed to the handler. */
    public long messagesReceived() {
        return messagesReceived.sum();
    }

    /** Messages written to the network (their send stage completed normally). */
    public long messagesSent() {
        return messagesSent.sum();
    }

    /** Payload bytes of the messages received (text as UTF-8, or the line charset). */
    public long bytesReceived() {
        return bytesReceived.sum();
    }

    /** Payload bytes of the messages sent, without framing. */
    public long bytesSent() {
        return bytesSent.sum();
    }

    void received(long bytes) {
        messagesReceived.increment();
        bytesReceived.add(bytes);
    }

    void sent(long bytes) {
        messagesSent.increment();
        bytesSent.add(bytes);
    }

    /** The UTF-8 length of {@code s}, without encoding it. */
    static long utf8Length(CharSequence s) {
        long n = 0;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    @Override
    public String toString() {
        return "TransportCounters[received " + messagesReceived() + " (" + bytesReceived() + " B), sent "
                + messagesSent() + " (" + bytesSent() + " B)]";
    }
}
