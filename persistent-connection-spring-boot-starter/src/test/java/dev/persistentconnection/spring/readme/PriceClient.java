package dev.persistentconnection.spring.readme;

import dev.persistentconnection.spring.client.TaskTemplate;
import dev.persistentconnection.spring.readme.PriceTasks.Price;
import dev.persistentconnection.spring.readme.PriceTasks.PriceRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/** The README's typed-call example: the client side of {@link PriceTasks}. */
@Component
public class PriceClient {

    private final TaskTemplate prices;

    public PriceClient(@Qualifier("pricesTaskTemplate") TaskTemplate prices) {
        this.prices = prices;
    }

    public Price price(String symbol) {
        return prices.call(PriceTasks.PRICE, new PriceRequest(symbol), Price.class, Duration.ofSeconds(2));
    }

    public List<Price> ticks(String symbol) {
        List<Price> ticks = new CopyOnWriteArrayList<>();
        prices.stream(PriceTasks.TICKS, new PriceRequest(symbol), Price.class, ticks::add)
                .join();
        return ticks;
    }
}
