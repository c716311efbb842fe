package dev.persistentconnection.tasks;

import io.netty.handler.codec.DecoderException;
import java.io.Serial;

/** The peer broke the protocol; the connection to it is closed. */
final class ProtocolException extends DecoderException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final TaskServerListener.Rejection reason;

    ProtocolException(String message) {
        this(TaskServerListener.Rejection.PROTOCOL_ERROR, message);
    }

    ProtocolException(TaskServerListener.Rejection reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** How a server reports it to its {@link TaskServerListener}. */
    TaskServerListener.Rejection reason() {
        return reason;
    }
}
