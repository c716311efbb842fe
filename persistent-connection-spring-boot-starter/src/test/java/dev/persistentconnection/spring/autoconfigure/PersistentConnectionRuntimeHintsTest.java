package dev.persistentconnection.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.spring.endpoint.PersistentConnectionsEndpoint;
import dev.persistentconnection.spring.event.PersistentConnectionEvent;
import org.junit.jupiter.api.Test;
import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.javapoet.ClassName;

class PersistentConnectionRuntimeHintsTest {

    private final RuntimeHints hints = new RuntimeHints();

    PersistentConnectionRuntimeHintsTest() {
        new PersistentConnectionRuntimeHints().registerHints(hints, getClass().getClassLoader());
    }

    @Test
    void theRegistrarIsListedInAotFactories() {
        assertThat(AotServices.factories().load(RuntimeHintsRegistrar.class))
                .hasAtLeastOneElementOfType(PersistentConnectionRuntimeHints.class);
    }

    @Test
    void theGeneratedHintsOfAnApplicationIncludeThem() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PersistentConnectionAutoConfiguration.class))
                .prepare(prepared -> {
                    DefaultGenerationContext generation = new DefaultGenerationContext(
                            new ClassNameGenerator(ClassName.get(PersistentConnectionRuntimeHintsTest.class)),
                            new InMemoryGeneratedFiles());
                    new ApplicationContextAotGenerator()
                            .processAheadOfTime(
                                    (GenericApplicationContext) prepared.getSourceApplicationContext(), generation);
                    assertThat(RuntimeHintsPredicates.reflection()
                                    .onType(PersistentConnectionsEndpoint.ConnectionDescriptor.class))
                            .accepts(generation.getRuntimeHints());
                    assertThat(RuntimeHintsPredicates.reflection()
                                    .onMethodInvocation(PersistentConnectionEvent.class, "getConnectionName"))
                            .accepts(generation.getRuntimeHints());
                });
    }

    @Test
    void thePropertiesTreeCanBeBound() {
        assertThat(RuntimeHintsPredicates.reflection()
                        .onMethodInvocation(PersistentConnectionProperties.class, "setShutdownTimeout"))
                .accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection()
                        .onMethodInvocation(PersistentConnectionProperties.Connection.class, "setRetryDelay"))
                .accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection()
                        .onMethodInvocation(PersistentConnectionProperties.Backoff.class, "setMultiplier"))
                .accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection()
                        .onMethodInvocation(PersistentConnectionProperties.Heartbeat.class, "setInterval"))
                .accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection()
                        .onMethodInvocation(PersistentConnectionProperties.Ssl.class, "setBundle"))
                .accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection()
                        .onMethodInvocation(PersistentConnectionProperties.Discovery.class, "setServiceId"))
                .accepts(hints);
    }

    @Test
    void theEndpointDescriptorsCanBeWrittenAsJson() {
        for (Class<?> type : new Class<?>[] {
            PersistentConnectionsEndpoint.ConnectionsDescriptor.class,
            PersistentConnectionsEndpoint.ConnectionDescriptor.class,
            PersistentConnectionsEndpoint.DropResult.class
        }) {
            assertThat(RuntimeHintsPredicates.reflection()
                            .onType(type)
                            .withMemberCategories(
                                    MemberCategory.INVOKE_DECLARED_CONSTRUCTORS, MemberCategory.INVOKE_PUBLIC_METHODS))
                    .accepts(hints);
        }
        assertThat(RuntimeHintsPredicates.reflection()
                        .onMethodInvocation(PersistentConnectionsEndpoint.ConnectionDescriptor.class, "lastError"))
                .accepts(hints);
    }

    @Test
    void theEventGettersCanBeReadBySpelConditions() {
        assertThat(RuntimeHintsPredicates.reflection()
                        .onMethodInvocation(PersistentConnectionEvent.class, "getConnectionName"))
                .accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection()
                        .onMethodInvocation(PersistentConnectionEvent.FailedToConnect.class, "getError"))
                .accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection()
                        .onMethodInvocation(PersistentConnectionEvent.Connected.class, "getConnectionObject"))
                .accepts(hints);
    }

    @Test
    void theFailureAnalyzerCanBeInstantiatedFromSpringFactories() {
        assertThat(RuntimeHintsPredicates.reflection()
                        .onType(TypeReference.of(PersistentConnectionRuntimeHints.FAILURE_ANALYZER))
                        .withMemberCategory(MemberCategory.INVOKE_DECLARED_CONSTRUCTORS))
                .accepts(hints);
    }
}
