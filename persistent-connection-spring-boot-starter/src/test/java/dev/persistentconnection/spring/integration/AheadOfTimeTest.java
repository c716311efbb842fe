package dev.persistentconnection.spring.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.autoconfigure.InvalidPersistentConnectionPropertyException;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionAutoConfiguration;
import dev.persistentconnection.spring.test.RecordingConnector;
import dev.persistentconnection.test.FakeConnection;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.springframework.aot.AotDetector;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.aot.AotTestContextInitializers;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;

/**
 * The starter's connection beans under Spring AOT. The build's {@code process-test-aot} processes this test's
 * application with the properties below ({@code orders} only); the {@code aot-tests} execution runs it again with
 * {@code -Dspring.aot.enabled=true}, from the generated code, and starts that generated code once more with other
 * run-time properties. In the plain test run, only the first test runs (on the reflective path).
 */
@SpringJUnitConfig(AheadOfTimeTest.App.class)
@TestPropertySource(
        properties = {
            "persistent-connection.connections.orders.addresses=localhost:7000",
            "persistent-connection.connections.orders.retry-delay=10s"
        })
class AheadOfTimeTest {

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(PersistentConnectionAutoConfiguration.class)
    static class App {

        @Bean
        PersistentConnectionRegistration<InetSocketAddress, FakeConnection> ordersRegistration() {
            return RecordingConnector.registration("orders", new RecordingConnector());
        }

        @Bean
        OrdersUser ordersUser(@Qualifier("orders") PersistentConnection<InetSocketAddress, FakeConnection> orders) {
            return new OrdersUser(orders);
        }
    }

    record OrdersUser(PersistentConnection<InetSocketAddress, FakeConnection> orders) {}

    static boolean aot() {
        return AotDetector.useGeneratedArtifacts();
    }

    @Autowired
    GenericApplicationContext context;

    @Test
    void theConnectionBeanIsInjectedByQualifierFromAPlainBeanDefinition() {
        PersistentConnections connections = context.getBean(PersistentConnections.class);
        assertThat(context.getBean(OrdersUser.class).orders()).isSameAs(connections.get("orders"));
        RootBeanDefinition definition =
                (RootBeanDefinition) context.getBeanFactory().getMergedBeanDefinition("ordersPersistentConnection");
        assertThat(definition.getFactoryBeanName()).isEqualTo("persistentConnections");
        if (aot()) {
            assertThat(definition.getInstanceSupplier())
                    .as("the supplier AOT generated")
                    .isNotNull();
        } else {
            assertThat(definition.getFactoryMethodName()).isEqualTo("get");
            assertThat(definition.getInstanceSupplier())
                    .as("no lambda: AOT could not generate code for it")
                    .isNull();
        }
    }

    @Test
    @EnabledIf("aot")
    void underAotEveryOtherPropertyIsStillReadAtRunTime() {
        try (GenericApplicationContext fresh = startGenerated(
                "persistent-connection.connections.orders.addresses=localhost:7001",
                "persistent-connection.connections.orders.retry-delay=250ms")) {
            PersistentConnections connections = fresh.getBean(PersistentConnections.class);
            assertThat(connections.managed("orders").settings().retryDelay()).isEqualTo(Duration.ofMillis(250));
            assertThat(connections.managed("orders").settings().addresses())
                    .containsExactly(InetSocketAddress.createUnresolved("localhost", 7001));
            assertThat(fresh.getBean(OrdersUser.class).orders()).isSameAs(connections.get("orders"));
        }
    }

    @Test
    @EnabledIf("aot")
    void underAotAConnectionDeclaredOnlyAtRunTimeFailsNamingIt() {
        assertThatThrownBy(() -> startGenerated(
                                "persistent-connection.connections.orders.addresses=localhost:7000",
                                "persistent-connection.connections.late.addresses=localhost:7002")
                        .close())
                .rootCause()
                .isInstanceOf(InvalidPersistentConnectionPropertyException.class)
                .hasMessageContaining("'persistent-connection.connections.late'")
                .hasMessageContaining("processed ahead of time")
                .hasMessageContaining("fixed at build time");
    }

    /** A new context from the code AOT generated for this test's application, with other properties. */
    private static GenericApplicationContext startGenerated(String... properties) {
        ApplicationContextInitializer<ConfigurableApplicationContext> initializer =
                new AotTestContextInitializers().getContextInitializer(AheadOfTimeTest.class);
        assertThat(initializer).as("generated initializer").isNotNull();
        GenericApplicationContext fresh = new GenericApplicationContext();
        TestPropertyValues.of(properties).applyTo(fresh);
        initializer.initialize(fresh);
        try {
            fresh.refresh();
        } catch (RuntimeException ex) {
            fresh.close();
            throw ex;
        }
        return fresh;
    }
}
