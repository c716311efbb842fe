package dev.persistentconnection.sample.quotes;

import dev.persistentconnection.sample.SampleProperties;
import dev.persistentconnection.spring.ConnectionDescriptions;
import dev.persistentconnection.spring.client.TaskDeadlineExceededException;
import dev.persistentconnection.spring.client.TaskTemplate;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Sends a typed call every second over the {@code quotes} connection ({@code quotesTaskTemplate}) and logs the
 * answer. While the connection is down the call fails at its deadline with the reason (the connection's phase,
 * last error and consecutive failures); once the engine has reconnected, the next tick goes through again.
 * Nothing here retries or reconnects: the persistent connection does.
 */
@Component
public class QuoteTicker {

    private static final Logger log = LoggerFactory.getLogger(QuoteTicker.class);
    private static final int KEPT = 20;

    private final TaskTemplate quotes;
    private final SampleProperties.Ticker settings;
    private final ApplicationEventPublisher events;
    private final AtomicLong ticks = new AtomicLong();
    private final Deque<TaskOutcome> recent = new ArrayDeque<>();

    public QuoteTicker(
            @Qualifier("quotesTaskTemplate") TaskTemplate quotes,
            SampleProperties properties,
            ApplicationEventPublisher events) {
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
        CompletableFuture<String> answer;
        if (streaming) {
            List<String> quotes = new CopyOnWriteArrayList<>();
            answer = this.quotes.stream(
                            QuoteProtocol.TICKS,
                            new QuoteProtocol.TicksRequest(symbol, 3),
                            QuoteProtocol.Quote.class,
                            quote -> quotes.add(quote.toString()),
                            this.quotes.defaultDeadline())
                    .thenApply(done -> "stream: " + String.join(" | ", quotes));
        } else {
            answer = this.quotes
                    .<QuoteProtocol.Quote>callAsync(
                            QuoteProtocol.QUOTE,
                            new QuoteProtocol.QuoteRequest(symbol),
                            QuoteProtocol.Quote.class,
                            this.quotes.defaultDeadline())
                    .thenApply(QuoteProtocol.Quote::toString);
        }
        answer.whenComplete((text, error) -> finished(
                error == null
                        ? new TaskOutcome(number, Instant.now(), task, true, text)
                        : new TaskOutcome(number, Instant.now(), task, false, failure(error))));
    }

    /**
     * Why the call got no answer. At its deadline a call says what the connection was doing (phase, last error,
     * consecutive failures), so "unavailable" always comes with the reason.
     */
    private static String failure(Throwable error) {
        Throwable cause = (error instanceof CompletionException && error.getCause() != null) ? error.getCause() : error;
        if (cause instanceof TaskDeadlineExceededException deadline) {
            return "quote-service unavailable: " + deadline.getMessage();
        }
        return "task failed: " + ConnectionDescriptions.describeError(cause);
    }

    private void finished(TaskOutcome outcome) {
        if (outcome.ok()) {
            log.info("#{} {} -> {}", outcome.number(), outcome.task(), outcome.message());
        } else {
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
