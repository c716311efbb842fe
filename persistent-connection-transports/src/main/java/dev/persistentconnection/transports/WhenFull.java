package dev.persistentconnection.transports;

/** What {@code send} does when the outbound buffer cannot take the message. */
public enum WhenFull {
    /** Fails the send's stage at once with {@link OutboundBufferFullException}. */
    FAIL,
    /**
     * Holds the sending thread until the buffer has room, the session closes or the wait timeout passes (then
     * fails as {@link #FAIL} does). A send from the connection's own I/O thread never waits: it fails.
     */
    WAIT
}
