package dev.persistentconnection.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** A real SpringApplication with a bad application.yml prints the failure analysis (spring.factories wiring). */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FailureAnalysisOutputTest {

    @SpringBootConfiguration
    @ImportAutoConfiguration(PersistentConnectionAutoConfiguration.class)
    static class App {}

    @Test
    void theStartupReportNamesThePropertyItsOriginAndTheFix(CapturedOutput output) throws Exception {
        SpringApplication application = new SpringApplication(App.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        assertThatThrownBy(() -> application.run("--spring.config.location=classpath:invalid-jitter.yml"))
                .isInstanceOf(InvalidPersistentConnectionPropertyException.class);
        assertThat(output)
                .contains("APPLICATION FAILED TO START")
                .contains("Invalid value for property 'persistent-connection.connections.orders.jitter'")
                .contains("Value: \"1.5\"")
                .contains("Origin: class path resource [invalid-jitter.yml]")
                .contains("Set 'persistent-connection.connections.orders.jitter' to a value from 0");
        String report = output.toString();
        Path samples = Path.of("target", "samples");
        Files.createDirectories(samples);
        Files.writeString(
                samples.resolve("failure-analysis.txt"),
                report.substring(report.indexOf("***************************")));
    }
}
