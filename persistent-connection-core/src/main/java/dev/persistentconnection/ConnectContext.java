package dev.persistentconnection;

/**
 * What a {@link Connector} may know of and do to the persistent connection that calls it
 * (docs/SEMANTICS.md §4). There is one context per persistent connection; every attempt gets the same object.
 */
public interface ConnectContext {

    /**
     * The number of consecutive failed attempts before the current one: 0 on the first attempt, reset only by a
     * successful attempt.
     */
    int consecutiveUnsuccessfulAttemptsSoFar();

    /**
     * Stops retrying and reconnecting with {@code error} (docs/SEMANTICS.md §9). The first abort wins;
     * later ones are ignored. A live connection is left alone until it closes.
     */
    void abort(Throwable error);
}
