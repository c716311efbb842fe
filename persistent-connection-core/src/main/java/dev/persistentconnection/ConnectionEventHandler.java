package dev.persistentconnection;

import java.util.concurrent.CompletionStage;

/**
 * Receives every event and holds the engine until it is done with it: the
 * engine does not take its next step until the returned stage completes.
 *
 * @param <A> the address type
 * @param <C> the connection type
 */
@FunctionalInterface
public interface ConnectionEventHandler<A, C> {
    /**
     * Handles {@code event}. A synchronous exception goes to the builder's uncaught handler and counts as handled. A
     * stage that fails counts as handled too, except for {@link ConnectionEvent.ObtainedAddress}, where it fails the
     * attempt (docs/SEMANTICS.md §4 step 3, §11.6).
     */
    CompletionStage<Void> onEvent(ConnectionEvent<A, C> event);
}
