package dev.persistentconnection.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.test.RecordingConnector;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.test.FakeConnection;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** Every invalid property fails the startup with a failure analysis naming the property and the fix. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InvalidPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(PersistentConnectionAutoConfiguration.class, SslAutoConfiguration.class))
            .withBean(
                    "ordersRegistration",
                    PersistentConnectionRegistration.class,
                    () -> RecordingConnector.registration("orders", new RecordingConnector()))
            .withPropertyValues("persistent-connection.connections.orders.addresses=localhost:7000");

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "persistent-connection.connections.orders.retry-delay      | -1s       | must not be negative       | zero or a positive duration",
                "persistent-connection.defaults.retry-delay                 | -5s       | must not be negative       | zero or a positive duration",
                "persistent-connection.connections.orders.jitter           | 1         | fraction in [0, 1)         | up to, but not including, 1",
                "persistent-connection.connections.orders.jitter           | -0.1      | fraction in [0, 1)         | from 0",
                "persistent-connection.defaults.jitter                      | 1.5       | fraction in [0, 1)         | from 0",
                "persistent-connection.connections.orders.backoff.multiplier | 0.5     | finite number >= 1         | to 1 (no back-off) or more",
                "persistent-connection.connections.orders.backoff.max-delay | -1m      | must not be negative       | zero or a positive duration",
                "persistent-connection.connections.orders.backoff.reset-after | -1m    | must not be negative       | zero or a positive duration",
                "persistent-connection.connections.orders.connect-timeout  | 0s        | must be positive           | a positive duration",
                "persistent-connection.connections.orders.heartbeat.interval | -1s     | must be positive           | a positive duration",
                "persistent-connection.connections.orders.heartbeat.timeout | 0ms      | must be positive           | a positive duration",
                "persistent-connection.connections.orders.addresses[0]     | localhost | not of the form host:port  | host:port",
                "persistent-connection.connections.orders.addresses[0]     | h:70000   | not of the form host:port  | host:port",
                "persistent-connection.connections.orders.addresses[0]     | :7000     | not of the form host:port  | host:port",
                "persistent-connection.connections.orders.addresses[0]     | ::1:7000  | not of the form host:port  | [v6-address]:port",
                "persistent-connection.connections.orders.ssl.bundle       | missing   | no SSL bundle named        | spring.ssl.bundle",
                "persistent-connection.connections.orders.reconnect-jitter | -1s       | must not be negative       | zero or a positive duration",
                "persistent-connection.defaults.reconnect-jitter            | -2s       | must not be negative       | zero or a positive duration",
                "persistent-connection.connections.orders.health.down-after | -1s      | must not be negative       | zero or a positive duration",
                "persistent-connection.connections.orders.health.status-while-retrying | UP | DOWN or OUT_OF_SERVICE | DOWN (the default) or OUT_OF_SERVICE",
                "persistent-connection.connections.orders.backoff.strategy | fibonacci | exponential or decorrelated-jitter | exponential (the default) or decorrelated-jitter",
                "persistent-connection.connections.orders.event-history-size | 5000   | from 0 to 1000             | 0 (no history) up to 1000",
                "persistent-connection.connections.orders.event-history-size | -1     | from 0 to 1000             | 0 (no history) up to 1000",
                "persistent-connection.connections.orders.still-failing-log-interval | 0s | must be positive      | a positive duration",
            })
    void invalidValueIsReportedWithThePropertyAndTheFix(String property, String value, String reason, String action) {
        // A list is set as a comma-separated value; its element is reported with its index.
        runner.withPropertyValues(property.replace("[0]", "") + "=" + value).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = analyze(context.getStartupFailure());
            assertThat(analysis.getDescription())
                    .contains("'" + property + "'")
                    .contains(value)
                    .contains(reason);
            assertThat(analysis.getAction()).contains(action);
        });
    }

    @Test
    void aConnectionWithoutAddressesAndWithoutCustomConnectorFails() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PersistentConnectionAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader(TaskClient.class))
                .withPropertyValues("persistent-connection.connections.orders.retry-delay=1s")
                .run(context -> {
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("'persistent-connection.connections.orders'")
                            .contains("no connector");
                    assertThat(analysis.getAction())
                            .contains("persistent-connection-tasks")
                            .contains("PersistentConnectionRegistration");
                });
    }

    @Test
    void aZeroCodeConnectionWithoutAddressesFails() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PersistentConnectionAutoConfiguration.class))
                .withPropertyValues("persistent-connection.connections.orders.retry-delay=1s")
                .run(context -> {
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("'persistent-connection.connections.orders.addresses'")
                            .contains("no address");
                });
    }

    @Test
    void anSslBundleWithoutSslAutoConfigurationFails() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PersistentConnectionAutoConfiguration.class))
                .withPropertyValues(
                        "persistent-connection.connections.orders.addresses=localhost:1",
                        "persistent-connection.connections.orders.ssl.bundle=client")
                .run(context -> {
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("'persistent-connection.connections.orders.ssl.bundle'")
                            .contains("client");
                    assertThat(analysis.getAction()).contains("spring.ssl.bundle");
                });
    }

    @Test
    void aConnectionWithACustomConnectorButNoAddressFails() {
        runner.withPropertyValues("persistent-connection.connections.orders.addresses=")
                .run(context -> {
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("'persistent-connection.connections.orders.addresses'")
                            .contains("no address");
                    assertThat(analysis.getAction()).contains("discovery.service-id");
                });
    }

    @Test
    void discoveryWithoutSpringCloudFails() {
        runner.withClassLoader(new FilteredClassLoader(DiscoveryClient.class))
                .withPropertyValues("persistent-connection.connections.orders.discovery.service-id=orders-service")
                .run(context -> {
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("'persistent-connection.connections.orders.discovery.service-id'")
                            .contains("orders-service");
                    assertThat(analysis.getAction()).contains("spring-cloud-commons");
                });
    }

    @Test
    void aRegistrationForAnUnknownConnectionFails() {
        runner.withBean(
                        "stray",
                        PersistentConnectionRegistration.class,
                        () -> PersistentConnectionRegistration.<InetSocketAddress, FakeConnection>forConnection("stray")
                                .connector(new RecordingConnector())
                                .lifecycle(FakeConnection.lifecycle())
                                .build())
                .run(context -> {
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("'persistent-connection.connections.stray'");
                    assertThat(analysis.getAction()).contains("persistent-connection.connections.stray");
                });
    }

    @Test
    void connectionNamesThatNeedBracketsAreReportedWithBrackets() {
        runner.withPropertyValues("persistent-connection.connections[eu.orders].addresses=nope")
                .run(context -> {
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("'persistent-connection.connections[eu.orders].addresses[0]'")
                            .contains("Value: \"nope\"");
                });
    }

    @Test
    void theFailureAnalyzerIsRegistered() {
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation()
                        .load(
                                FailureAnalyzer.class,
                                null,
                                SpringFactoriesLoader.FailureHandler.handleMessage((message, failure) -> {})))
                .hasAtLeastOneElementOfType(InvalidPersistentConnectionPropertyFailureAnalyzer.class);
    }

    private static FailureAnalysis analyze(Throwable failure) {
        assertThat(failure).isNotNull();
        FailureAnalysis analysis = new InvalidPersistentConnectionPropertyFailureAnalyzer().analyze(failure);
        assertThat(analysis).as("analysis of %s", failure).isNotNull();
        return analysis;
    }
}
