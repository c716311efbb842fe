package dev.persistentconnection.sample.quotes;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import dev.persistentconnection.sample.SampleProperties;
import dev.persistentconnection.tasks.TaskException;
import dev.persistentconnection.tasks.TaskHandler;
import dev.persistentconnection.tasks.TaskServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import static dev.persistentconnection.sample.quotes.QuoteProtocol.bytes;
import static dev.persistentconnection.sample.quotes.QuoteProtocol.text;

/**
 * A small real service on 127.0.0.1: a {@link TaskServer} with three task codes ({@link QuoteProtocol}), one of
 * them streaming. It starts before the persistent connections and stops after them; in between, the status
 * page's buttons stop and start it. A {@code TaskServer} runs once, so every start builds a new one on the
 * same port.
 */
@Component
public class EmbeddedQuoteServer implements SmartLifecycle {

    /** Before the starter's connections ({@code PersistentConnectionsLifecycle.PHASE}), so they find it up. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 8192;

    private static final Logger log = LoggerFactory.getLogger(EmbeddedQuoteServer.class);
    private static final Duration BIND_RETRY = Duration.ofSeconds(3);

    private final SampleProperties.QuoteServer settings;
    private final ApplicationEventPublisher events;
    private final Map<String, Long> pricesInCents = new ConcurrentHashMap<>();
    private TaskServer server;
    private boolean lifecycleRunning;

    public EmbeddedQuoteServer(SampleProperties properties, ApplicationEventPublisher events) {
        this.settings = properties.quoteServer();
        this.events = events;
        long start = 10_000;
        for (String symbol : QuoteProtocol.SYMBOL_LIST) {
            pricesInCents.put(symbol, start);
            start += 2_537;
        }
    }

    /** {@code host:port} the server listens on when running. */
    public String address() {
        return settings.host() + ":" + settings.port();
    }

    /** Whether the server accepts clients now. */
    public synchronized boolean isServing() {
        return server != null && server.isRunning();
    }

    /** Clients past their handshake (0 when stopped). */
    public synchronized int clients() {
        return isServing() ? server.numClients() : 0;
    }

    /**
     * Starts the server if it is stopped. Binding is retried for a few seconds, since the port of the previous
     * server can be held for a moment after it stopped.
     */
    public synchronized void startServer() {
        if (isServing()) {
            return;
        }
        long deadline = System.nanoTime() + BIND_RETRY.toNanos();
        while (true) {
            try {
                server = newServer().start();
                break;
            }
            catch (RuntimeException ex) {
                if (System.nanoTime() > deadline) {
                    log.error("Quote server could not start on {}: {}", address(), ex.toString());
                    events.publishEvent(new QuoteServerEvent(this, "Server_start_failed", address()));
                    throw ex;
                }
                sleep(100);
            }
        }
        log.info("Quote server listening on {}", address());
        events.publishEvent(new QuoteServerEvent(this, "Server_started", address()));
    }

    /**
     * Stops the server abruptly, like a crash: the listening socket closes, every client is closed, and their
     * running tasks fail with {@code ConnectionLostException}.
     */
    public synchronized void stopServer() {
        if (!isServing()) {
            return;
        }
        events.publishEvent(new QuoteServerEvent(this, "Server_stopping", address()));
        server.stop();
        server = null;
        log.info("Quote server on {} stopped", address());
        events.publishEvent(new QuoteServerEvent(this, "Server_stopped", address()));
    }

    private TaskServer newServer() {
        return TaskServer.builder().bindAddress(settings.host()).port(settings.port()).taskThreads(2).ioThreads(1)
                .build()
                .register(QuoteProtocol.QUOTE, TaskHandler.of(payload -> bytes(quote(text(payload).trim()))), "quote")
                .register(QuoteProtocol.SYMBOLS,
                        TaskHandler.of(payload -> bytes(String.join(",", QuoteProtocol.SYMBOL_LIST))), "symbols")
                .register(QuoteProtocol.TICKS, request -> {
                    String[] words = text(request.payload()).trim().split("\\s+");
                    String symbol = words[0];
                    int count = words.length > 1 ? Math.max(1, Math.min(20, Integer.parseInt(words[1]))) : 5;
                    quote(symbol);  // fails fast on an unknown symbol
                    return context -> {
                        for (int i = 0; i < count && !context.isCancelled(); i++) {
                            context.write(bytes(quote(symbol) + "\n"));
                            Thread.sleep(50);
                        }
                    };
                }, "ticks");
    }

    /** The next price of {@code symbol} (a random walk), as {@code "ACME 101.25"}. */
    String quote(String symbol) throws TaskException {
        String key = symbol.toUpperCase(Locale.ROOT);
        Long price = pricesInCents.computeIfPresent(key,
                (s, cents) -> Math.max(100, cents + ThreadLocalRandom.current().nextLong(-75, 76)));
        if (price == null) {
            throw new TaskException(QuoteProtocol.UNKNOWN_SYMBOL,
                    "unknown symbol '" + symbol + "'; known: " + QuoteProtocol.SYMBOL_LIST);
        }
        return String.format(Locale.ROOT, "%s %d.%02d", key, price / 100, price % 100);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding the quote server", ex);
        }
    }

    @Override
    public synchronized void start() {
        startServer();
        lifecycleRunning = true;
    }

    @Override
    public synchronized void stop() {
        lifecycleRunning = false;
        stopServer();
    }

    @Override
    public synchronized boolean isRunning() {
        return lifecycleRunning;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
