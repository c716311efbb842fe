package dev.persistentconnection;

import java.util.concurrent.CompletionStage;

/**
 * How to close and watch a connection (docs/SEMANTICS.md §1), as an adapter rather than an interface the
 * connection must implement, so any connection type can be kept alive unwrapped.
 *
 * @param <C> the connection type
 */
public interface ConnectionLifecycle<C> {

    /** Starts closing {@code connection}; the stage completes once its resources are released. */
    CompletionStage<Void> close(C connection);

    /** True once a close has started, by this side or because the peer closed the connection. */
    boolean isClosed(C connection);

    /** Completes when {@code connection} is closed, for whatever reason; does not start a close. */
    CompletionStage<Void> closeFinished(C connection);
}
