package dev.persistentconnection.tasks;

import io.netty.handler.codec.DecoderException;
import java.io.Serial;

/** The peer broke the protocol; the connection to it is closed. */
final class ProtocolException extends DecoderException {
    @Serial
    private static final long serialVersionUID = 1L;

    ProtocolException(String message) {
        super(message);
    }
}
