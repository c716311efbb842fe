package dev.persistentconnection.sample.status;

import dev.persistentconnection.sample.quotes.QuoteServerEvent;
import dev.persistentconnection.sample.quotes.TaskOutcome;
import dev.persistentconnection.spring.ConnectionDescriptions;
import dev.persistentconnection.spring.event.PersistentConnectionEvent;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The live timeline: the starter's {@link PersistentConnectionEvent}s, the quote server's stops and starts and
 * the ticker's task outcomes, pushed to every subscriber with server-sent events. A new subscriber first gets the
 * last {@value #KEPT} connection and server events, then every new entry, in order.
 * <p>
 * The starter publishes its events synchronously on the connection's step; the listener only hands them to one
 * sender thread, so a slow browser never holds a connection up.
 */
@Component
public class EventFeed {

    static final int KEPT = 300;
    private static final Logger log = LoggerFactory.getLogger(EventFeed.class);
    private static final Duration EMITTER_TIMEOUT = Duration.ofMinutes(30);

    private final ExecutorService sender = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "status-event-feed");
        thread.setDaemon(true);
        return thread;
    });
    // Touched only on the sender thread.
    private final Deque<FeedEvent> kept = new ArrayDeque<>();
    private final Set<SseEmitter> emitters = ConcurrentHashMap.newKeySet();
    private long seq;

    @EventListener
    public void on(PersistentConnectionEvent event) {
        String detail;
        if (event instanceof PersistentConnectionEvent.ObtainedAddress obtained) {
            detail = ConnectionDescriptions.describeAddress(obtained.getAddress());
        } else if (event instanceof PersistentConnectionEvent.FailedToConnect failed) {
            detail = ConnectionDescriptions.describeError(failed.getError());
        } else if (event instanceof PersistentConnectionEvent.Connected connected) {
            detail = String.valueOf(connected.getConnectionObject());
        } else {
            detail = event.getServerName();
        }
        add("connection", event.getOccurredAt(), event.getConnectionName(), event.getKind(), detail);
    }

    @EventListener
    public void on(QuoteServerEvent event) {
        add("server", Instant.ofEpochMilli(event.getTimestamp()), null, event.getKind(), event.getAddress());
    }

    @EventListener
    public void on(TaskOutcome outcome) {
        add(
                "task",
                outcome.at(),
                "quotes",
                outcome.ok() ? "Task_ok" : "Task_failed",
                "#" + outcome.number() + " " + outcome.task() + " -> " + outcome.message());
    }

    private void add(String type, Instant time, String connection, String kind, String detail) {
        try {
            sender.execute(() -> {
                FeedEvent event = new FeedEvent(++seq, type, time.toString(), connection, kind, detail);
                if (!"task".equals(type)) { // task outcomes are only pushed live: /api/status keeps the latest
                    kept.addLast(event);
                    while (kept.size() > KEPT) {
                        kept.removeFirst();
                    }
                }
                for (SseEmitter emitter : emitters) {
                    send(emitter, event);
                }
            });
        } catch (RejectedExecutionException ex) {
            // shutting down
        }
    }

    /** A new SSE subscription: what is kept, then every new entry. */
    public SseEmitter subscribe() {
        return subscribe(new SseEmitter(EMITTER_TIMEOUT.toMillis()));
    }

    SseEmitter subscribe(SseEmitter emitter) {
        emitter.onCompletion(() -> emitters.remove(emitter));
        emitter.onTimeout(() -> emitters.remove(emitter));
        emitter.onError(error -> emitters.remove(emitter));
        try {
            sender.execute(() -> {
                for (FeedEvent event : kept) {
                    if (!send(emitter, event)) {
                        return;
                    }
                }
                emitters.add(emitter);
            });
        } catch (RejectedExecutionException ex) {
            emitter.complete();
        }
        return emitter;
    }

    private boolean send(SseEmitter emitter, FeedEvent event) {
        try {
            emitter.send(SseEmitter.event()
                    .id(Long.toString(event.seq()))
                    .name(event.type())
                    .data(event, MediaType.APPLICATION_JSON));
            return true;
        } catch (IOException | IllegalStateException ex) {
            log.debug("SSE subscriber gone: {}", ex.toString());
            emitters.remove(emitter);
            try {
                emitter.completeWithError(ex);
            } catch (IllegalStateException requestOver) {
                // Its request has ended already (the client went away first): there is nothing left to end, and
                // the other subscribers must still get this event.
            }
            return false;
        }
    }

    /** Ends the open streams before the web server's graceful shutdown would wait for them. */
    @EventListener
    public void closing(ContextClosedEvent event) {
        sender.shutdown();
        for (SseEmitter emitter : emitters) {
            emitter.complete();
        }
        emitters.clear();
    }

    /** Open subscriptions. */
    public int subscribers() {
        return emitters.size();
    }
}
