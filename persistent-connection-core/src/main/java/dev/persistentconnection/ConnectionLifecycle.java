package dev.persistentconnection;

import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;

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

    /**
     * The lifecycle made of three functions, usually method references of the connection type:
     * {@code ConnectionLifecycle.of(Session::close, Session::isClosed, Session::closeFinished)}.
     */
    static <C> ConnectionLifecycle<C> of(
            Function<C, ? extends CompletionStage<Void>> close,
            Predicate<C> isClosed,
            Function<C, ? extends CompletionStage<Void>> closeFinished) {
        Objects.requireNonNull(close, "close");
        Objects.requireNonNull(isClosed, "isClosed");
        Objects.requireNonNull(closeFinished, "closeFinished");
        return new ConnectionLifecycle<>() {
            @Override
            public CompletionStage<Void> close(C connection) {
                return close.apply(connection);
            }

            @Override
            public boolean isClosed(C connection) {
                return isClosed.test(connection);
            }

            @Override
            public CompletionStage<Void> closeFinished(C connection) {
                return closeFinished.apply(connection);
            }

            @Override
            public String toString() {
                return "ConnectionLifecycle.of(" + close + ", " + isClosed + ", " + closeFinished + ")";
            }
        };
    }
}
