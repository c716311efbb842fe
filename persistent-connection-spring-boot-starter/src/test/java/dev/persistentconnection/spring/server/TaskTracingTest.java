package dev.persistentconnection.spring.server;

import static dev.persistentconnection.spring.server.QuoteTaskController.ECHO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.client.TaskTemplate;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClients;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.propagation.Propagator;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * One trace across the wire: with Micrometer Tracing's handlers and its test tracer, a typed call inside a span
 * makes a client span, the trace context travels in the task's metadata (protocol version 2), and the server's
 * task span is the client span's child.
 */
@SpringBootTest(
        properties = {
            "persistent-connection.server.enabled=true",
            "persistent-connection.server.port=0",
            "persistent-connection.defaults.retry-delay=200ms",
            "persistent-connection.defaults.jitter=0",
            "persistent-connection.connections.quotes.deadline=10s"
        })
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskTracingTest {

    @Autowired
    TaskTemplate quotesTaskTemplate;

    @Autowired
    SimpleTracer tracer;

    @Autowired
    ObservationRegistry observationRegistry;

    @Test
    void theServersTaskSpanIsAChildOfTheClientsCallSpan() {
        Observation request = Observation.start("incoming-request", observationRegistry);
        try (Observation.Scope scope = request.openScope()) {
            assertThat(quotesTaskTemplate.call(ECHO, "traced", String.class)).isEqualTo("traced");
        } finally {
            request.stop();
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(spans("task " + ECHO)).hasSize(1));
        SimpleSpan root = spans("incoming-request").get(0);
        SimpleSpan call = spans("call quotes " + ECHO).get(0);
        SimpleSpan task = spans("task " + ECHO).get(0);
        assertThat(call.getTraceId()).isEqualTo(root.getTraceId());
        assertThat(call.getParentId()).isEqualTo(root.getSpanId());
        assertThat(task.getTraceId()).isEqualTo(call.getTraceId());
        assertThat(task.getParentId()).isEqualTo(call.getSpanId());
        assertThat(call.getTags())
                .containsEntry("connection", "quotes")
                .containsEntry("code", String.valueOf(ECHO))
                .containsEntry("outcome", "success");
        assertThat(task.getTags()).containsEntry("code", String.valueOf(ECHO)).containsEntry("outcome", "success");
        // The server's span names its peer: the client's address, which the tracer parses from a URI.
        assertThat(task.getRemoteIp()).isEqualTo("127.0.0.1");
        assertThat(task.getRemotePort()).isPositive();
    }

    private List<SimpleSpan> spans(String name) {
        return tracer.getSpans().stream()
                .filter(span -> name.equals(span.getName()))
                .toList();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(QuoteTaskController.class)
    static class Config {

        @Bean
        SimpleTracer tracer() {
            return new SimpleTracer();
        }

        /** Micrometer Tracing's handlers on a test tracer, with a one-field propagator. */
        @Bean
        ObservationRegistry observationRegistry(SimpleTracer tracer) {
            Propagator propagator = new TestPropagator(tracer);
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig()
                    .observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
                            new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
                            new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
                            new DefaultTracingObservationHandler(tracer)));
            return registry;
        }

        @Bean
        PersistentConnectionRegistration<InetSocketAddress, TaskClient> quotes(
                ObjectProvider<ManagedTaskServer> server) {
            return PersistentConnectionRegistration.<InetSocketAddress, TaskClient>forConnection("quotes")
                    .addressSupplier(() -> CompletableFuture.completedFuture(new InetSocketAddress(
                            "127.0.0.1", server.getObject().port())))
                    .connectorFactory(settings -> TaskClients.connector())
                    .lifecycle(TaskClients.lifecycle())
                    .build();
        }
    }

    /** {@code traceparent: <trace id>-<span id>}. */
    record TestPropagator(SimpleTracer tracer) implements Propagator {

        @Override
        public List<String> fields() {
            return List.of("traceparent");
        }

        @Override
        public <C> void inject(TraceContext context, C carrier, Setter<C> setter) {
            setter.set(carrier, "traceparent", context.traceId() + "-" + context.spanId());
        }

        @Override
        public <C> io.micrometer.tracing.Span.Builder extract(C carrier, Getter<C> getter) {
            String value = getter.get(carrier, "traceparent");
            if (value == null || value.indexOf('-') < 0) {
                return tracer.spanBuilder();
            }
            String[] ids = value.split("-", 2);
            return tracer.spanBuilder()
                    .setParent(tracer.traceContextBuilder()
                            .traceId(ids[0])
                            .spanId(ids[1])
                            .sampled(true)
                            .build());
        }
    }
}
