package dev.persistentconnection.transports;

import dev.persistentconnection.ConnectionLifecycle;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * One open connection of a message transport (a {@link WebSocketSession} or a {@link TcpSession}): what the
 * {@code PersistentConnection} holds while connected. Sends go out in the order they were made, through an
 * outbound buffer of bounded size; a full buffer fails the send, or holds the sending thread, as configured.
 */
public interface MessageSession {

    /** Sends a text message (a WebSocket text message; a TCP line or frame in the line charset). */
    CompletionStage<Void> send(String text);

    /** Sends a binary message (a WebSocket binary message; a TCP frame or raw bytes). */
    CompletionStage<Void> send(byte[] bytes);

    /** Starts closing; the stage completes once the connection is closed. Idempotent. */
    CompletionStage<Void> close();

    /** True once a close has started, by either side or because the connection failed. */
    boolean isClosed();

    /** Completes (never exceptionally) once the connection is closed, for whatever reason. */
    CompletionStage<Void> closeFinished();

    /**
     * Why the connection closed, once it has: the peer's close code and reason, a ping or idle timeout, an
     * oversized message, a failed write; empty while open and after a close by this side.
     */
    Optional<SessionClosedException> closeReason();

    /** Bytes accepted by {@code send} and not yet written. */
    long pendingBytes();

    /** How a {@code PersistentConnection} closes and watches a session of any transport. */
    static <S extends MessageSession> ConnectionLifecycle<S> lifecycle() {
        return ConnectionLifecycle.of(MessageSession::close, MessageSession::isClosed, MessageSession::closeFinished);
    }
}
