package dev.persistentconnection.transports;

/** What a connection does when its {@link MessageHandler} throws. */
public enum OnHandlerError {
    /** Logs the error with the connection's name and goes on with the next message. */
    LOG,
    /** Logs the error and closes the session, so that the persistent connection reconnects. */
    RECONNECT
}
