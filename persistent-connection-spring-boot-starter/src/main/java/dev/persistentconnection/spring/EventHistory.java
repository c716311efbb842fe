package dev.persistentconnection.spring;

import dev.persistentconnection.ConnectionEvent;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The last events of one connection, for the actuator endpoint: bounded, and a failure the engine reports once
 * (de-duplicated, because it is the same error again) is one entry whose repeat count grows with every failed
 * attempt that repeats it.
 */
public final class EventHistory {

    private final int size;
    private final Deque<MutableEntry> entries = new ArrayDeque<>();
    private long failedAttempts;
    private @Nullable Instant lastFailureAt;
    private @Nullable MutableEntry lastFailure;

    EventHistory(int size) {
        this.size = size;
    }

    /** A failed attempt: it repeats the last reported failure unless the engine reports a new one right after. */
    synchronized void attemptFailed(Instant at) {
        failedAttempts++;
        lastFailureAt = at;
    }

    synchronized void record(ConnectionEvent<?, ?> event, Instant at) {
        if (size == 0) {
            return;
        }
        MutableEntry entry = new MutableEntry(event.name(), at, detail(event));
        if (event instanceof ConnectionEvent.FailedToConnect<?, ?>) {
            freezeLastFailure();
            entry.failedAttemptsBefore = failedAttempts - 1; // its own attempt was counted already
            lastFailure = entry;
        } else if (event instanceof ConnectionEvent.Connected<?, ?>
                || event instanceof ConnectionEvent.AttemptingToConnect<?, ?>) {
            freezeLastFailure(); // a new cycle or a connection: the next failure is reported again
        }
        entries.addLast(entry);
        while (entries.size() > size) {
            entries.removeFirst();
        }
    }

    private void freezeLastFailure() {
        MutableEntry failure = lastFailure;
        if (failure != null) {
            failure.repeats = repeats(failure);
            failure.lastAt = lastFailureAt;
            lastFailure = null;
        }
    }

    private int repeats(MutableEntry failure) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, failedAttempts - failure.failedAttemptsBefore));
    }

    /** The entries, oldest first. */
    public synchronized List<Entry> entries() {
        List<Entry> result = new ArrayList<>(entries.size());
        for (MutableEntry entry : entries) {
            boolean live = entry == lastFailure;
            int repeats = live ? repeats(entry) : entry.repeats;
            Instant lastAt = live ? lastFailureAt : entry.lastAt;
            result.add(new Entry(
                    entry.event,
                    entry.at.toString(),
                    entry.detail,
                    repeats,
                    repeats > 1 && lastAt != null ? lastAt.toString() : null));
        }
        return result;
    }

    private static @Nullable String detail(ConnectionEvent<?, ?> event) {
        if (event instanceof ConnectionEvent.FailedToConnect<?, ?> failed) {
            return ConnectionDescriptions.describeError(failed.error());
        }
        if (event instanceof ConnectionEvent.ObtainedAddress<?, ?> obtained) {
            return ConnectionDescriptions.describeAddress(obtained.address());
        }
        return null;
    }

    /**
     * One entry of the history.
     *
     * @param event the event's name, as the engine logs it ({@code Failed_to_connect})
     * @param at when it happened
     * @param detail the error or the address, if the event has one
     * @param repeats how many failed attempts this entry stands for (1 for every other event)
     * @param lastAt when the last of the repeated failures happened, when there was more than one
     */
    public record Entry(
            String event,
            String at,
            @Nullable String detail,
            int repeats,
            @Nullable String lastAt) {}

    private static final class MutableEntry {
        final String event;
        final Instant at;
        final @Nullable String detail;
        long failedAttemptsBefore;
        int repeats = 1;

        @Nullable
        Instant lastAt;

        MutableEntry(String event, Instant at, @Nullable String detail) {
            this.event = event;
            this.at = at;
            this.detail = detail;
        }
    }
}
