package dev.persistentconnection.spring.readme;

import dev.persistentconnection.spring.server.TaskController;
import dev.persistentconnection.spring.server.TaskErrorCode;
import dev.persistentconnection.spring.server.TaskMapping;
import java.util.stream.Stream;

/** The README's task server example. */
@TaskController
public class PriceTasks {

    public static final int PRICE = 1;
    public static final int TICKS = 2;

    public record PriceRequest(String symbol) {}

    public record Price(String symbol, long cents) {}

    @TaskErrorCode(4)
    public static class UnknownSymbolException extends RuntimeException {
        public UnknownSymbolException(String symbol) {
            super("unknown symbol " + symbol);
        }
    }

    @TaskMapping(code = PRICE)
    public Price price(PriceRequest request) {
        if (!request.symbol().equals("ACME")) {
            throw new UnknownSymbolException(request.symbol());
        }
        return new Price("ACME", 12_34);
    }

    @TaskMapping(code = TICKS)
    public Stream<Price> ticks(PriceRequest request) {
        return Stream.of(12_34L, 12_35L, 12_33L).map(cents -> new Price(request.symbol(), cents));
    }
}
