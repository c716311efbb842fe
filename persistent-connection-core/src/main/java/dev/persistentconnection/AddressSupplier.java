package dev.persistentconnection;

import java.util.concurrent.CompletionStage;

/**
 * Where to connect, asked again before every attempt, so that a dead replica can be
 * replaced by another one that a catalog lists. A failed stage or a thrown exception is a failed attempt.
 *
 * @param <A> the address type
 */
@FunctionalInterface
public interface AddressSupplier<A> {
    /** Looks the address up; must not block. */
    CompletionStage<A> get();
}
