package dev.persistentconnection.spring.autoconfigure.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.spring.autoconfigure.PropertyFailureAnalysis;
import dev.persistentconnection.spring.autoconfigure.codec.TaskPayloadCodecAutoConfiguration;
import dev.persistentconnection.spring.server.ManagedTaskServer;
import dev.persistentconnection.spring.server.TaskServerRegistrationFactory;
import dev.persistentconnection.spring.server.TaskServerServiceRegistration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.serviceregistry.Registration;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The task server publishes itself in the application's {@link ServiceRegistry}: after it listens, with its bound
 * port, and taken back before it stops. (The real thing, with ZooKeeper: the fault-tests' ZooKeeperCatalogTest.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskServerServiceRegistrationAutoConfigurationTest {

    /** Records what it was asked, and whether the server was listening then. */
    static final class RecordingRegistry implements ServiceRegistry<Registration> {
        final List<String> calls = new ArrayList<>();
        final ObjectProvider<ManagedTaskServer> server;

        RecordingRegistry(ObjectProvider<ManagedTaskServer> server) {
            this.server = server;
        }

        @Override
        public void register(Registration registration) {
            calls.add("register " + registration.getServiceId() + " " + registration.getHost() + ":"
                    + registration.getPort() + " while running="
                    + server.getObject().isRunning());
        }

        @Override
        public void deregister(Registration registration) {
            calls.add("deregister " + registration.getServiceId() + " while running="
                    + server.getObject().isRunning());
        }

        @Override
        public void close() {}

        @Override
        public void setStatus(Registration registration, String status) {}

        @Override
        public <T> T getStatus(Registration registration) {
            return null;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        RecordingRegistry recordingRegistry(ObjectProvider<ManagedTaskServer> server) {
            return new RecordingRegistry(server);
        }

        @Bean
        TaskServerRegistrationFactory registrationFactory() {
            return (serviceId, host, port) -> new SimpleRegistration(serviceId, host, port);
        }
    }

    static final class SimpleRegistration extends DefaultServiceInstance implements Registration {
        SimpleRegistration(String serviceId, String host, int port) {
            super(serviceId + "-1", serviceId, host, port, false, Map.of());
        }
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    TaskServerAutoConfiguration.class,
                    TaskServerServiceRegistrationAutoConfiguration.class,
                    TaskPayloadCodecAutoConfiguration.class))
            .withPropertyValues("persistent-connection.server.enabled=true", "persistent-connection.server.port=0");

    @Test
    void registersOnceListeningAndDeregistersBeforeTheServerStops() {
        List<String> calls = new ArrayList<>();
        int[] port = new int[1];
        runner.withUserConfiguration(Registry.class)
                .withPropertyValues("persistent-connection.server.registration.service-id=quotes")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RecordingRegistry registry = context.getBean(RecordingRegistry.class);
                    Registration published =
                            context.getBean(TaskServerServiceRegistration.class).getRegistration();
                    assertThat(published).isNotNull();
                    port[0] = context.getBean(ManagedTaskServer.class).port();
                    assertThat(published.getPort()).isEqualTo(port[0]);
                    assertThat(published.getHost()).isEqualTo("127.0.0.1");
                    assertThat(published.getServiceId()).isEqualTo("quotes");
                    context.close();
                    calls.addAll(registry.calls);
                });
        assertThat(calls)
                .containsExactly(
                        "register quotes 127.0.0.1:" + port[0] + " while running=true",
                        "deregister quotes while running=true");
    }

    @Test
    void aRestartOfTheServerWhileTheApplicationRunsDeregistersAndRegistersAgain() {
        List<String> calls = new ArrayList<>();
        int[] port = new int[1];
        runner.withUserConfiguration(Registry.class)
                .withPropertyValues("persistent-connection.server.registration.service-id=quotes")
                .run(context -> {
                    RecordingRegistry registry = context.getBean(RecordingRegistry.class);
                    ManagedTaskServer server = context.getBean(ManagedTaskServer.class);
                    TaskServerServiceRegistration registration = context.getBean(TaskServerServiceRegistration.class);
                    port[0] = server.port();
                    server.stop(); // the bean itself, not the context
                    assertThat(registration.getRegistration()).isNull();
                    server.start();
                    assertThat(registration.getRegistration()).isNotNull();
                    assertThat(registration.getRegistration().getPort()).isEqualTo(port[0]);
                    context.close();
                    calls.addAll(registry.calls);
                });
        String register = "register quotes 127.0.0.1:" + port[0] + " while running=true";
        String deregister = "deregister quotes while running=true";
        assertThat(calls).containsExactly(register, deregister, register, deregister);
    }

    @Test
    void theHostToPublishCanBeSet() {
        runner.withUserConfiguration(Registry.class)
                .withPropertyValues(
                        "persistent-connection.server.registration.service-id=quotes",
                        "persistent-connection.server.registration.host=quotes-1.internal")
                .run(context -> assertThat(context.getBean(TaskServerServiceRegistration.class)
                                .getRegistration()
                                .getHost())
                        .isEqualTo("quotes-1.internal"));
    }

    @Test
    void offWithoutAServiceId() {
        runner.withUserConfiguration(Registry.class)
                .run(context ->
                        assertThat(context).hasNotFailed().doesNotHaveBean(TaskServerServiceRegistration.class));
    }

    @Test
    void aServiceIdWithoutARegistryFailsNamingTheProperty() {
        runner.withPropertyValues("persistent-connection.server.registration.service-id=quotes")
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = PropertyFailureAnalysis.of(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .contains("'persistent-connection.server.registration.service-id'")
                            .contains("quotes")
                            .contains("no single Spring Cloud ServiceRegistry");
                    assertThat(analysis.getAction()).contains("spring-cloud-starter-zookeeper-discovery");
                });
    }
}
