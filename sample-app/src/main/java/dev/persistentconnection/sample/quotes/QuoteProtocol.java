package dev.persistentconnection.sample.quotes;

import java.util.List;

/** The task codes and types of the quote service, shared by the server and the client side. */
public final class QuoteProtocol {

    /** One quote: {@link QuoteRequest} in, {@link Quote} out. */
    public static final int QUOTE = 1;
    /** The known symbols: no payload, a list of symbols out. */
    public static final int SYMBOLS = 2;
    /** Streaming: {@link TicksRequest} in, {@code count} {@link Quote}s out, one every 50 ms. */
    public static final int TICKS = 3;

    /** The domain error code of an unknown symbol. */
    public static final int UNKNOWN_SYMBOL = 1;

    public static final List<String> SYMBOL_LIST = List.of("ACME", "GLOBEX", "INITECH", "UMBRELLA");

    /** Asks for the quote of one symbol. */
    public record QuoteRequest(String symbol) {}

    /** Asks for {@code count} quotes of one symbol, streamed. */
    public record TicksRequest(String symbol, int count) {}

    /** A quote: {@code ACME} at {@code 101.25}. */
    public record Quote(String symbol, String price) {
        @Override
        public String toString() {
            return symbol + " " + price;
        }
    }

    private QuoteProtocol() {}
}
