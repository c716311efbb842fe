package dev.persistentconnection;

import java.io.Serial;

/**
 * The error of {@link PersistentConnection#connectedOrFailedToConnect()}
 * once the persistent connection is closed (docs/SEMANTICS.md §7).
 */
public final class PersistentConnectionClosedException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The reference's message, word for word. */
    public static final String MESSAGE = "Persistent connection closed";

    /** The closed error, with the reference's message. */
    public PersistentConnectionClosedException() {
        super(MESSAGE);
    }
}
