package dev.persistentconnection.tasks;

import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Builds the channel pipelines of both sides, the only place that does. Read top to bottom, each pipeline is the
 * order in which inbound bytes pass the handlers (outbound frames pass them bottom to top):
 *
 * <pre>
 *   client                          server
 *                                   read-budget        (if a rate is set) the address's bytes per second
 *   ssl (if TLS)                    ssl (if TLS)
 *   handshake                       handshake          until the handshake is accepted; then, in its place:
 *   flush                           flush              one flush per read for the writes made while reading
 *   idle                            idle               read and write silence, for the heartbeat
 *   frames                          frames             bytes to frames, length checked first
 *   heartbeat                       heartbeat          PING/PONG, closes a silent connection
 *   encoder                         encoder            frames to bytes
 *                                   write-timeout      no write progress for too long closes the connection
 *   client                          dispatch           the connection's own handler: the tasks
 * </pre>
 */
final class TaskPipeline {
    static final String READ_BUDGET = "read-budget";
    static final String SSL = "ssl";
    static final String HANDSHAKE = "handshake";
    static final String FLUSH = "flush";
    static final String IDLE = "idle";
    static final String FRAMES = "frames";
    static final String HEARTBEAT = "heartbeat";
    static final String ENCODER = "encoder";
    static final String WRITE_TIMEOUT = "write-timeout";
    static final String CLIENT = "client";
    static final String DISPATCH = "dispatch";

    private TaskPipeline() {}

    /** A client connection before its handshake: TLS (if configured), then the handshake. */
    static void initClient(
            SocketChannel ch,
            TaskClientOptions options,
            InetSocketAddress server,
            CompletableFuture<TaskClient> result) {
        ChannelPipeline p = ch.pipeline();
        options.sslContext()
                .ifPresent(ssl -> p.addLast(SSL, ssl.newHandler(ch.alloc(), server.getHostString(), server.getPort())));
        p.addLast(HANDSHAKE, new ClientHandshakeHandler(options, result));
    }

    /**
     * A server connection before its handshake: its address's read budget (if one is set), TLS (if configured), then
     * the handshake.
     */
    static void initServer(SocketChannel ch, ReadBudget readBudget, SslContext ssl, ServerHandshakeHandler handshake) {
        ChannelPipeline p = ch.pipeline();
        if (readBudget != null) {
            p.addLast(READ_BUDGET, readBudget);
        }
        if (ssl != null) {
            p.addLast(SSL, ssl.newHandler(ch.alloc()));
        }
        p.addLast(HANDSHAKE, handshake);
    }

    /**
     * The client's pipeline once the server accepted: the frame handlers take the handshake's place. The handshake
     * is removed last, so bytes it had received past the handshake go on to the frame decoder.
     */
    static void clientAccepted(
            ChannelPipeline p, TaskClientOptions options, boolean littleEndian, TaskClientHandler client) {
        Duration timeout = options.heartbeatTimeout();
        p.addAfter(HANDSHAKE, FLUSH, flush());
        p.addAfter(FLUSH, IDLE, idle(options.heartbeatInterval(), timeout));
        p.addAfter(IDLE, FRAMES, new FrameDecoder(littleEndian, options.maxFrameSize(), false, timeout));
        p.addAfter(FRAMES, HEARTBEAT, new HeartbeatHandler(timeout, () -> false, client::close));
        p.addAfter(HEARTBEAT, ENCODER, FrameEncoder.of(littleEndian));
        p.addAfter(ENCODER, CLIENT, client);
        p.remove(HANDSHAKE);
    }

    /** The server's pipeline once it accepted a client's hello, as {@link #clientAccepted}. */
    static void serverAccepted(ChannelPipeline p, TaskServer.Settings s, ClientSession session, FrameDecoder frames) {
        p.addAfter(HANDSHAKE, FLUSH, flush());
        p.addAfter(FLUSH, IDLE, idle(s.heartbeatInterval(), s.heartbeatTimeout()));
        p.addAfter(IDLE, FRAMES, frames);
        p.addAfter(
                FRAMES,
                HEARTBEAT,
                new HeartbeatHandler(
                        s.heartbeatTimeout(),
                        session::isReadingPaused,
                        session::close,
                        reason -> session.server()
                                .rejected(TaskServerListener.Rejection.PROTOCOL_ERROR, session.channel(), reason)));
        p.addAfter(HEARTBEAT, ENCODER, FrameEncoder.of(session.littleEndian()));
        p.addAfter(
                ENCODER, WRITE_TIMEOUT, new StalledWriteHandler(s.writeTimeout().toNanos()));
        p.addAfter(WRITE_TIMEOUT, DISPATCH, new TaskDispatcher(session));
        p.remove(HANDSHAKE);
    }

    /** One timer per connection for both silences, and no promise per write (see {@link IdleTimer}). */
    private static IdleTimer idle(Duration heartbeatInterval, Duration heartbeatTimeout) {
        return new IdleTimer(heartbeatTimeout.toNanos(), heartbeatInterval.toNanos());
    }

    /**
     * Writes made while a read is in progress (answers of handlers run on the I/O thread, tasks submitted from a
     * completion callback) are flushed once, when the read ends; other flushes pass at once.
     */
    private static FlushConsolidationHandler flush() {
        return new FlushConsolidationHandler(256, false);
    }
}
