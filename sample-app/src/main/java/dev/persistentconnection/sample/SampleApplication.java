package dev.persistentconnection.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The sample application: an embedded quote server, three persistent connections managed by the starter
 * ({@code quotes}, {@code nowhere}, {@code echo}), a task every second over {@code quotes}, and a status page at
 * {@code /} that shows the connections dying and coming back.
 */
@SpringBootApplication
@EnableScheduling
@ConfigurationPropertiesScan
public class SampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}
