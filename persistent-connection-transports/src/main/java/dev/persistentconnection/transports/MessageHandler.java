package dev.persistentconnection.transports;

/**
 * Receives the messages of one connection, one at a time and in the order they arrived. It runs on the
 * connection's I/O thread unless the connector was given an executor, so by default it must not block.
 * A handler that throws is logged with the connection's name and the connection goes on (or, if the connector
 * says so, is closed and reconnected).
 */
@FunctionalInterface
public interface MessageHandler {

    /** One message of {@code session}; {@code session.send} may be called from here. */
    void onMessage(MessageSession session, Message message) throws Exception;

    /** The connection is open, before its first message. */
    default void onOpen(MessageSession session) throws Exception {}
}
