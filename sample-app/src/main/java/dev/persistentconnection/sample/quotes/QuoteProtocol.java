package dev.persistentconnection.sample.quotes;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** The task codes of the embedded quote service, shared by the server and the client side. */
public final class QuoteProtocol {

    /** One quote: payload {@code "ACME"}, answer {@code "ACME 101.25"}. */
    public static final int QUOTE = 1;
    /** The known symbols: empty payload, answer {@code "ACME,GLOBEX,..."}. */
    public static final int SYMBOLS = 2;
    /** Streaming: payload {@code "ACME 5"}, answer five chunks {@code "ACME 101.25\n"}, one every 50 ms. */
    public static final int TICKS = 3;

    /** The domain error code of an unknown symbol ({@code TaskException.errorCode()}). */
    public static final int UNKNOWN_SYMBOL = 1;

    public static final List<String> SYMBOL_LIST = List.of("ACME", "GLOBEX", "INITECH", "UMBRELLA");

    private QuoteProtocol() {
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
