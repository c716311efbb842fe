package dev.persistentconnection;

import java.util.concurrent.CompletionStage;

/**
 * Opens one connection to an address. A failed stage
 * or a thrown exception is a failed attempt that will be retried; failing with {@link FatalConnectException}, or
 * calling {@link ConnectContext#abort}, stops the persistent connection instead.
 *
 * @param <A> the address type
 * @param <C> the connection type
 */
@FunctionalInterface
public interface Connector<A, C> {
    /** Starts connecting; must not block. */
    CompletionStage<C> connect(A address, ConnectContext context);
}
