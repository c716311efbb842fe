package dev.persistentconnection.spring.readme;

import static org.assertj.core.api.Assertions.assertThat;

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

/** The README's {@link ManagedTaskServer.Listener} example: told of the first start, a restart, and the shutdown. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadmeTaskServerListenerTest {

    @Test
    void theAnnouncerHearsEveryStartAndStop() {
        TaskServerAnnouncer announcer;
        String listening;
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(ServerApplication.class)
                .web(WebApplicationType.NONE)
                .properties("persistent-connection.server.enabled=true", "persistent-connection.server.port=0")
                .run()) {
            ManagedTaskServer server = context.getBean(ManagedTaskServer.class);
            announcer = context.getBean(TaskServerAnnouncer.class);
            listening = "listening on port " + server.port();
            assertThat(announcer.announced()).containsExactly(listening);

            server.stop(); // a restart the application context does not see
            server.start();
            assertThat(announcer.announced()).containsExactly(listening, "stopping", listening);
        }
        assertThat(announcer.announced()).containsExactly(listening, "stopping", listening, "stopping");
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({PriceTasks.class, TaskServerAnnouncer.class})
    static class ServerApplication {}
}
