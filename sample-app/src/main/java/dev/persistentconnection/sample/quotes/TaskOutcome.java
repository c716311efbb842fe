package dev.persistentconnection.sample.quotes;

import java.time.Instant;

/**
 * One task the ticker sent and how it ended.
 *
 * @param number  the tick number
 * @param at      when it ended
 * @param task    what was asked, e.g. {@code quote ACME}
 * @param ok      whether it answered
 * @param message the answer, or the error
 */
public record TaskOutcome(long number, Instant at, String task, boolean ok, String message) {}
