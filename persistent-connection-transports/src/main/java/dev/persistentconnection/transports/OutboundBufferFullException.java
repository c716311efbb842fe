package dev.persistentconnection.transports;

import java.io.Serial;

/** A send refused because the connection's outbound buffer is full: the peer reads slower than this side writes. */
public class OutboundBufferFullException extends IllegalStateException {
    @Serial
    private static final long serialVersionUID = 1L;

    OutboundBufferFullException(String message) {
        super(message);
    }
}
