package dev.persistentconnection.spring.codec;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * How a streamed answer carries its elements: each element is a 4-byte big-endian length and that many bytes
 * of the element's encoding. The protocol splits an answer into chunks at its own frame size, so the elements
 * need boundaries of their own. Used by streaming handler methods and streaming typed calls alike.
 */
public final class TaskStreamFraming {

    private TaskStreamFraming() {}

    /** One element, framed. */
    public static byte[] frame(byte[] element) {
        byte[] framed = new byte[4 + element.length];
        int n = element.length;
        framed[0] = (byte) (n >>> 24);
        framed[1] = (byte) (n >>> 16);
        framed[2] = (byte) (n >>> 8);
        framed[3] = (byte) n;
        System.arraycopy(element, 0, framed, 4, n);
        return framed;
    }

    /**
     * Reassembles elements from chunks as they arrive (not thread-safe: one per call). An element larger than
     * {@code maxElementSize} fails the stream.
     */
    public static final class Reader {

        private final int maxElementSize;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        public Reader(int maxElementSize) {
            this.maxElementSize = maxElementSize;
        }

        /** The elements completed by {@code chunk}, in order. */
        public List<byte[]> read(byte[] chunk) {
            pending.write(chunk, 0, chunk.length);
            byte[] buffer = pending.toByteArray();
            List<byte[]> elements = new ArrayList<>();
            int at = 0;
            while (buffer.length - at >= 4) {
                int n = ((buffer[at] & 0xFF) << 24)
                        | ((buffer[at + 1] & 0xFF) << 16)
                        | ((buffer[at + 2] & 0xFF) << 8)
                        | (buffer[at + 3] & 0xFF);
                if (n < 0 || n > maxElementSize) {
                    throw new IllegalStateException("streamed element of " + Integer.toUnsignedString(n)
                            + " bytes exceeds the limit of " + maxElementSize);
                }
                if (buffer.length - at - 4 < n) {
                    break;
                }
                byte[] element = new byte[n];
                System.arraycopy(buffer, at + 4, element, 0, n);
                elements.add(element);
                at += 4 + n;
            }
            pending.reset();
            pending.write(buffer, at, buffer.length - at);
            return elements;
        }

        /** Whether a partial element is left over (at the end of the answer, a truncated stream). */
        public boolean hasPartialElement() {
            return pending.size() > 0;
        }
    }
}
