package dev.persistentconnection.sample.quotes;

import dev.persistentconnection.spring.server.TaskController;
import dev.persistentconnection.spring.server.TaskErrorCode;
import dev.persistentconnection.spring.server.TaskMapping;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The quote service, served by the starter's task server on 127.0.0.1 ({@code persistent-connection.server.*}):
 * three task codes ({@link QuoteProtocol}), one of them streaming, with typed requests and answers in JSON.
 */
@TaskController
public class QuoteTasks {

    private final Map<String, Long> pricesInCents = new ConcurrentHashMap<>();

    public QuoteTasks() {
        long start = 10_000;
        for (String symbol : QuoteProtocol.SYMBOL_LIST) {
            pricesInCents.put(symbol, start);
            start += 2_537;
        }
    }

    /** A symbol the service does not know: answered with {@link QuoteProtocol#UNKNOWN_SYMBOL}. */
    @TaskErrorCode(QuoteProtocol.UNKNOWN_SYMBOL)
    public static class UnknownSymbolException extends RuntimeException {
        public UnknownSymbolException(String symbol) {
            super("unknown symbol '" + symbol + "'; known: " + QuoteProtocol.SYMBOL_LIST);
        }
    }

    @TaskMapping(code = QuoteProtocol.QUOTE)
    public QuoteProtocol.Quote quote(QuoteProtocol.QuoteRequest request) {
        return next(request.symbol());
    }

    @TaskMapping(code = QuoteProtocol.SYMBOLS)
    public java.util.List<String> symbols() {
        return QuoteProtocol.SYMBOL_LIST;
    }

    /** {@code count} quotes (1 to 20), one every 50 ms, each sent as soon as it is made. */
    @TaskMapping(code = QuoteProtocol.TICKS)
    public Iterator<QuoteProtocol.Quote> ticks(QuoteProtocol.TicksRequest request) {
        String symbol = request.symbol();
        next(symbol); // fails fast on an unknown symbol
        int count = Math.max(1, Math.min(20, request.count()));
        return new Iterator<>() {
            private int sent;

            @Override
            public boolean hasNext() {
                return sent < count;
            }

            @Override
            public QuoteProtocol.Quote next() {
                if (sent >= count) {
                    throw new NoSuchElementException();
                }
                if (sent++ > 0) {
                    pause();
                }
                return QuoteTasks.this.next(symbol);
            }
        };
    }

    /** The next price of {@code symbol} (a random walk). */
    QuoteProtocol.Quote next(String symbol) {
        String key = symbol.toUpperCase(Locale.ROOT);
        Long price = pricesInCents.computeIfPresent(
                key,
                (s, cents) -> Math.max(100, cents + ThreadLocalRandom.current().nextLong(-75, 76)));
        if (price == null) {
            throw new UnknownSymbolException(symbol);
        }
        return new QuoteProtocol.Quote(key, String.format(Locale.ROOT, "%d.%02d", price / 100, price % 100));
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt(); // a cancel: the server sees the task as cancelled
            throw new IllegalStateException("cancelled", ex);
        }
    }
}
