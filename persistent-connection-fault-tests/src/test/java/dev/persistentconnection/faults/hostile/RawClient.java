package dev.persistentconnection.faults.hostile;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A protocol client written by hand on a non-blocking socket, to do what {@code TaskClient} never would: connect
 * from a chosen loopback source address (127.0.0.2 and up, so that the server sees another host), send the hello a
 * byte at a time or never, send any frame at any pace, and read nothing. Big-endian frames (PROTOCOL.md).
 */
final class RawClient implements Closeable {
    static final int MAGIC = 0x50435450;
    static final byte TASK = 0x01;
    static final byte CANCEL = 0x02;
    static final byte PING = 0x04;
    static final byte PONG = 0x05;

    private final SocketChannel channel;
    private final ByteBuffer scratch = ByteBuffer.allocate(64 * 1024);
    private boolean closedByPeer;
    /** Bytes received and not yet parsed into frames (only when {@link #pollFrames} is used). */
    private final ByteBuffer inbound = ByteBuffer.allocate(256 * 1024);

    private RawClient(SocketChannel channel) {
        this.channel = channel;
    }

    /**
     * Connects from {@code source} (port 0) to {@code server}; a receive buffer of {@code receiveBuffer} bytes if
     * positive (set before the connect, so that the window the kernel announces is that small).
     */
    static RawClient connect(InetAddress source, InetSocketAddress server, int receiveBuffer) throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            if (receiveBuffer > 0) {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
            }
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.bind(new InetSocketAddress(source, 0));
            ch.connect(server);
            ch.configureBlocking(false);
            return new RawClient(ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    static byte[] hello(int maxFrameSize) {
        return ByteBuffer.allocate(10)
                .putInt(MAGIC)
                .put((byte) 1)
                .put((byte) 'B')
                .putInt(maxFrameSize)
                .array();
    }

    static ByteBuffer task(int id, int code, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + 4 + 2 + payload.length);
        b.putInt(1 + 4 + 2 + payload.length)
                .put(TASK)
                .putInt(id)
                .putShort((short) code)
                .put(payload);
        return b.flip();
    }

    static ByteBuffer cancel(int id) {
        return ByteBuffer.allocate(9).putInt(5).put(CANCEL).putInt(id).flip();
    }

    static ByteBuffer ping() {
        return ByteBuffer.allocate(5).putInt(1).put(PING).flip();
    }

    static ByteBuffer pong() {
        return ByteBuffer.allocate(5).putInt(1).put(PONG).flip();
    }

    /** Writes what the socket takes now; returns the number of bytes written (0 when the send buffer is full). */
    int offer(ByteBuffer bytes) {
        try {
            return channel.write(bytes);
        } catch (IOException e) {
            closedByPeer = true;
            return 0;
        }
    }

    /** Writes all of {@code bytes}, waiting (bounded by {@code deadlineNanos}) while the send buffer is full. */
    boolean write(ByteBuffer bytes, long deadlineNanos) {
        while (bytes.hasRemaining()) {
            if (offer(bytes) == 0) {
                if (closedByPeer || System.nanoTime() > deadlineNanos || isClosed()) {
                    return false;
                }
                Thread.onSpinWait();
                sleep(1);
            }
        }
        return true;
    }

    /**
     * Sends the hello and waits (bounded) for the reply.
     *
     * @return the reply's status: 0 accepted, 4 server full..., or -1 if the connection closed or no reply came
     */
    int handshake(int maxFrameSize, long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        if (!write(ByteBuffer.wrap(hello(maxFrameSize)), deadline)) {
            return -1;
        }
        return awaitReply(deadline);
    }

    /** Reads the handshake reply (the hello was sent); -1 if none came by {@code deadlineNanos}. */
    int awaitReply(long deadlineNanos) {
        ByteBuffer head = ByteBuffer.allocate(5);
        while (head.hasRemaining()) {
            int n;
            try {
                n = channel.read(head);
            } catch (IOException e) {
                n = -1;
            }
            if (n < 0) {
                closedByPeer = true;
                return -1;
            }
            if (n == 0) {
                if (System.nanoTime() > deadlineNanos) {
                    return -1;
                }
                sleep(1);
            }
        }
        int status = head.get(4) & 0xFF;
        if (status == 0) {
            ByteBuffer rest = ByteBuffer.allocate(8);
            while (rest.hasRemaining() && System.nanoTime() < deadlineNanos) {
                try {
                    if (channel.read(rest) < 0) {
                        return -1;
                    }
                } catch (IOException e) {
                    return -1;
                }
            }
        }
        return status;
    }

    /**
     * Reads and throws away what has arrived; true once the peer has closed (FIN or RST). Costs nothing when
     * nothing arrived.
     */
    boolean drainAndCheckClosed() {
        if (closedByPeer) {
            return true;
        }
        try {
            while (true) {
                scratch.clear();
                int n = channel.read(scratch);
                if (n < 0) {
                    closedByPeer = true;
                    return true;
                }
                if (n == 0) {
                    return false;
                }
            }
        } catch (IOException e) {
            closedByPeer = true;
            return true;
        }
    }

    /**
     * Reads what has arrived and counts the complete frames of kind {@code kind}; answers each PING with a PONG,
     * as a minimal live client does. True once the peer has closed.
     */
    boolean pollFrames(byte kind, long[] counter) {
        if (closedByPeer) {
            return true;
        }
        try {
            int n = channel.read(inbound);
            if (n < 0) {
                closedByPeer = true;
            }
        } catch (IOException e) {
            closedByPeer = true;
        }
        inbound.flip();
        while (inbound.remaining() >= 5) {
            int length = inbound.getInt(inbound.position());
            if (inbound.remaining() < 4 + length) {
                if (4 + length > inbound.capacity()) { // a frame too large to hold: skip what we have
                    inbound.position(inbound.limit());
                }
                break;
            }
            byte k = inbound.get(inbound.position() + 4);
            if (k == kind) {
                counter[0]++;
            }
            if (k == PING) {
                offer(pong());
            }
            inbound.position(inbound.position() + 4 + length);
        }
        inbound.compact();
        return closedByPeer;
    }

    boolean isClosed() {
        return closedByPeer || !channel.isOpen();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
