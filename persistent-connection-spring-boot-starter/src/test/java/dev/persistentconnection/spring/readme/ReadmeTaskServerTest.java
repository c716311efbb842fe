package dev.persistentconnection.spring.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.persistentconnection.spring.client.TaskDeadlineExceededException;
import dev.persistentconnection.spring.client.TaskErrorResponseException;
import dev.persistentconnection.spring.readme.PriceTasks.Price;
import dev.persistentconnection.spring.server.ManagedTaskServer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/** The README's task server, typed-call and deadline examples, as two applications. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ReadmeTaskServerTest {

    @Test
    void theServerAndClientExamplesTalk() {
        try (ConfigurableApplicationContext server = new SpringApplicationBuilder(ServerApplication.class)
                .web(WebApplicationType.NONE)
                .properties("persistent-connection.server.enabled=true", "persistent-connection.server.port=0")
                .run()) {
            int port = server.getBean(ManagedTaskServer.class).port();
            try (ConfigurableApplicationContext client = new SpringApplicationBuilder(ClientApplication.class)
                    .web(WebApplicationType.NONE)
                    .properties(
                            "persistent-connection.connections.prices.addresses=127.0.0.1:" + port,
                            "persistent-connection.connections.prices.deadline=2s")
                    .run()) {
                PriceClient prices = client.getBean(PriceClient.class);
                assertThat(prices.price("ACME")).isEqualTo(new Price("ACME", 12_34));
                assertThat(prices.ticks("ACME")).extracting(Price::cents).containsExactly(12_34L, 12_35L, 12_33L);
                assertThatThrownBy(() -> prices.price("NOPE"))
                        .isInstanceOfSatisfying(
                                TaskErrorResponseException.class,
                                ex -> assertThat(ex.errorCode()).isEqualTo(4));
                server.close();
                assertThatThrownBy(() -> prices.price("ACME"))
                        .isInstanceOf(TaskDeadlineExceededException.class)
                        .hasMessageContaining("'prices'");
            }
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(PriceTasks.class)
    static class ServerApplication {}

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(PriceClient.class)
    static class ClientApplication {}
}
