package dev.persistentconnection.spring.autoconfigure.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.spring.autoconfigure.PersistentConnectionAutoConfiguration;
import dev.persistentconnection.spring.autoconfigure.client.TaskTemplateAutoConfiguration;
import dev.persistentconnection.spring.autoconfigure.codec.TaskPayloadCodecAutoConfiguration;
import dev.persistentconnection.spring.client.TaskTemplate;
import dev.persistentconnection.spring.server.ManagedTaskServer;
import dev.persistentconnection.spring.server.TaskController;
import dev.persistentconnection.spring.server.TaskMapping;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClients;
import dev.persistentconnection.tasks.TaskConnector;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.aot.test.generate.TestGenerationContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.test.tools.CompileWithForkedClassLoader;
import org.springframework.core.test.tools.TestCompiler;
import org.springframework.javapoet.ClassName;

/**
 * The task server and the templates under Spring AOT: the context is processed ahead of time, compiled, and
 * started from the generated initializer; the handler methods and their JSON types have their runtime hints.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@CompileWithForkedClassLoader // the generated code calls package-private starter classes, as it does in an app
class TaskServerAotTest {

    private static final String[] PROPERTIES = {
        "persistent-connection.server.enabled=true",
        "persistent-connection.server.port=0",
        "persistent-connection.connections.quotes.addresses=127.0.0.1:1",
        "persistent-connection.connections.quotes.deadline=3s"
    };

    @Test
    void theServerAndTheTemplatesStartFromTheGeneratedCode() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        JacksonAutoConfiguration.class,
                        TaskPayloadCodecAutoConfiguration.class,
                        TaskServerAutoConfiguration.class,
                        PersistentConnectionAutoConfiguration.class,
                        TaskTemplateAutoConfiguration.class))
                .withBean(Points.class)
                .withPropertyValues(PROPERTIES)
                .prepare(context -> {
                    TestGenerationContext generation = new TestGenerationContext(TaskServerAotTest.class);
                    ClassName initializer = new ApplicationContextAotGenerator()
                            .processAheadOfTime(
                                    (GenericApplicationContext) context.getSourceApplicationContext(), generation);
                    generation.writeGeneratedContent();
                    assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Points.class, "move"))
                            .accepts(generation.getRuntimeHints());
                    assertThat(RuntimeHintsPredicates.reflection().onType(Point.class))
                            .accepts(generation.getRuntimeHints());
                    TestCompiler.forSystem().with(generation).compile(compiled -> {
                        try (GenericApplicationContext fresh = new GenericApplicationContext()) {
                            TestPropertyValues.of(PROPERTIES).applyTo(fresh);
                            initializer(compiled.getInstance(
                                            ApplicationContextInitializer.class, initializer.toString()))
                                    .initialize(fresh);
                            fresh.refresh();
                            ManagedTaskServer server = fresh.getBean(ManagedTaskServer.class);
                            assertThat(server.isRunning()).isTrue();
                            assertThat(fresh.getBean("quotesTaskTemplate", TaskTemplate.class)
                                            .defaultDeadline())
                                    .hasSeconds(3);
                            try (TaskConnector connector = TaskClients.connector()) {
                                TaskClient client = connector
                                        .connect(server.localAddress().orElseThrow())
                                        .toCompletableFuture()
                                        .get(10, TimeUnit.SECONDS);
                                byte[] answer = client.submit(1, "{\"x\":1,\"y\":2}".getBytes(StandardCharsets.UTF_8))
                                        .get(10, TimeUnit.SECONDS);
                                assertThat(new String(answer, StandardCharsets.UTF_8))
                                        .isEqualTo("{\"x\":2,\"y\":3}");
                                client.close();
                            } catch (Exception ex) {
                                throw new AssertionError(ex);
                            }
                        }
                    });
                });
    }

    @SuppressWarnings("unchecked")
    private static ApplicationContextInitializer<GenericApplicationContext> initializer(
            ApplicationContextInitializer<?> initializer) {
        return (ApplicationContextInitializer<GenericApplicationContext>) initializer;
    }

    public record Point(int x, int y) {}

    @TaskController
    public static class Points {
        @TaskMapping(code = 1)
        public Point move(Point point) {
            return new Point(point.x() + 1, point.y() + 1);
        }
    }
}
