package dev.persistentconnection.sample.quotes;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import dev.persistentconnection.ConnectionState;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.sample.SampleProperties;
import dev.persistentconnection.spring.ConnectionDescriptions;
import dev.persistentconnection.tasks.TaskClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Sends a task every second over the {@code quotes} connection and logs the answer. While the connection is
 * down the task fails at once with the connection's phase and last error; once the engine has reconnected, the
 * next tick goes through again. Nothing here retries or reconnects: the persistent connection does.
 */
@Component
public class QuoteTicker {

    private static final Logger log = LoggerFactory.getLogger(QuoteTicker.class);
    private static final int KEPT = 20;

    private final PersistentConnection<InetSocketAddress, TaskClient> quotes;
    private final SampleProperties.Ticker settings;
    private final ApplicationEventPublisher events;
    private final AtomicLong ticks = new AtomicLong();
    private final Deque<TaskOutcome> recent = new ArrayDeque<>();

    public QuoteTicker(@Qualifier("quotes") PersistentConnection<InetSocketAddress, TaskClient> quotes,
            SampleProperties properties, ApplicationEventPublisher events) {
        this.quotes = quotes;
        this.settings = properties.ticker();
        this.events = events;
    }

    @Scheduled(initialDelay = 1000, fixedRate = 1000)
    public void tick() {
        long number = ticks.incrementAndGet();
        String symbol = QuoteProtocol.SYMBOL_LIST.get((int) (number % QuoteProtocol.SYMBOL_LIST.size()));
        boolean streaming = settings.streamEvery() > 0 && number % settings.streamEvery() == 0;
        String task = streaming ? "ticks " + symbol + " 3" : "quote " + symbol;

        // currentConnection() never waits: during an outage the task fails now, with the reason, instead of
        // queueing behind connected() and bursting out when the connection comes back.
        Optional<TaskClient> current = quotes.currentConnection().filter(client -> !client.isClosed());
        if (current.isEmpty()) {
            finished(new TaskOutcome(number, Instant.now(), task, false, unavailable()));
            return;
        }
        TaskClient client = current.get();
        CompletableFuture<String> answer;
        if (streaming) {
            List<String> chunks = new ArrayList<>();
            answer = client.submitStreaming(QuoteProtocol.TICKS, QuoteProtocol.bytes(symbol + " 3"), chunk -> {
                synchronized (chunks) {
                    chunks.add(QuoteProtocol.text(chunk).trim());
                }
            }, settings.taskTimeout()).thenApply(done -> {
                synchronized (chunks) {
                    return "stream: " + String.join(" | ", chunks);
                }
            });
        }
        else {
            answer = client.submit(QuoteProtocol.QUOTE, QuoteProtocol.bytes(symbol), settings.taskTimeout())
                    .thenApply(QuoteProtocol::text);
        }
        answer.whenComplete((text, error) -> finished(error == null
                ? new TaskOutcome(number, Instant.now(), task, true, text)
                : new TaskOutcome(number, Instant.now(), task, false,
                        "task failed: " + ConnectionDescriptions.describeError(error))));
    }

    private String unavailable() {
        ConnectionState state = quotes.state();
        return "quote-service unavailable: the connection is " + state.phase()
                + state.lastError().map(e -> " (last error: " + ConnectionDescriptions.describeError(e) + ")")
                        .orElse("")
                + "; it reconnects by itself";
    }

    private void finished(TaskOutcome outcome) {
        if (outcome.ok()) {
            log.info("#{} {} -> {}", outcome.number(), outcome.task(), outcome.message());
        }
        else {
            log.warn("#{} {} failed: {}", outcome.number(), outcome.task(), outcome.message());
        }
        synchronized (recent) {
            recent.addFirst(outcome);
            while (recent.size() > KEPT) {
                recent.removeLast();
            }
        }
        events.publishEvent(outcome);
    }

    /** The latest outcomes, newest first. */
    public List<TaskOutcome> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }
}
