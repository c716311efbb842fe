package dev.persistentconnection.benchmarks;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.client.TaskDeadlineTimer;
import dev.persistentconnection.spring.client.TaskTemplate;
import dev.persistentconnection.spring.codec.JsonTaskPayloadCodec;
import dev.persistentconnection.spring.server.TaskController;
import dev.persistentconnection.spring.server.TaskHandlerMethod;
import dev.persistentconnection.spring.server.TaskHandlerMethods;
import dev.persistentconnection.spring.server.TaskMapping;
import dev.persistentconnection.spring.server.TaskServerMeters;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClients;
import dev.persistentconnection.tasks.TaskConnector;
import dev.persistentconnection.tasks.TaskHandler;
import dev.persistentconnection.tasks.TaskServer;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.propagation.Propagator;
import io.micrometer.tracing.test.simple.SimpleTracer;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import jdk.jfr.Recording;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Part 7: typed calls. One connection, 64 calls in flight (closed loop), client and server in this JVM on
 * 127.0.0.1: the raw {@code byte[]} submit of a JSON text against a typed JSON call ({@code TaskTemplate} to a
 * {@code @TaskMapping} method, which decodes and encodes a record on both sides), and the typed call unobserved
 * against observed (an observation per call and per task, with a tracer that keeps its spans in memory and puts the
 * trace context into the task's metadata). The three run in turns, several rounds each; tasks/s per round and
 * process CPU per task.
 */
public final class TypedCallMain {

    static final int RAW = 1;
    static final int TYPED = 2;
    static final int IN_FLIGHT = 64;

    public record Order(String symbol, int quantity, long priceCents, String account) {}

    @TaskController
    public static class Orders {
        @TaskMapping(code = TYPED)
        public Order echo(Order order) {
            return order;
        }
    }

    record Round(double perSecond, double cpuMicrosPerTask) {}

    public static void main(String[] args) throws Exception {
        Results out = Results.open(args, "7-typed-calls");
        long warmupMs = Long.parseLong(Results.option(args, "--warmup-ms", "4000"));
        long roundMs = Long.parseLong(Results.option(args, "--round-ms", "1500"));
        int rounds = Integer.parseInt(Results.option(args, "--rounds", "5"));

        JsonMapper json = JsonMapper.builder().build();
        JsonTaskPayloadCodec codec = new JsonTaskPayloadCodec(json);
        SimpleTracer tracer = new SimpleTracer();
        ObservationRegistry observed = tracingRegistry(tracer);
        Order order = new Order("ACME", 100, 12_345, "acct-0042");
        byte[] orderJson = json.writeValueAsBytes(order);

        Map<String, Round[]> results = new LinkedHashMap<>();
        long profileMs = Long.parseLong(Results.option(args, "--profile-ms", "2000"));
        Map<String, List<String>> profiles = new LinkedHashMap<>();
        try (Setup plain = new Setup(codec, ObservationRegistry.NOOP);
                Setup traced = new Setup(codec, observed)) {
            Map<String, Supplier<CompletableFuture<?>>> calls = new LinkedHashMap<>();
            calls.put("raw byte[] submit", () -> plain.client.submit(RAW, orderJson));
            calls.put(
                    "typed JSON call",
                    () -> plain.template.callAsync(TYPED, order, Order.class, Duration.ofSeconds(30)));
            calls.put(
                    "typed JSON call, observed and traced",
                    () -> traced.template.callAsync(TYPED, order, Order.class, Duration.ofSeconds(30)));
            for (Map.Entry<String, Supplier<CompletableFuture<?>>> call : calls.entrySet()) {
                run(call.getValue(), warmupMs, tracer);
                results.put(call.getKey(), new Round[rounds]);
            }
            for (int r = 0; r < rounds; r++) {
                for (Map.Entry<String, Supplier<CompletableFuture<?>>> call : calls.entrySet()) {
                    results.get(call.getKey())[r] = run(call.getValue(), roundMs, tracer);
                }
            }
            if (profileMs > 0) {
                for (Map.Entry<String, Supplier<CompletableFuture<?>>> call : calls.entrySet()) {
                    profiles.put(call.getKey(), profile(call.getValue(), profileMs, tracer));
                }
            }
        }

        out.line("## 7. Typed calls and observation");
        out.line("");
        out.line(
                "One connection, %d calls in flight, client and server in one JVM on 127.0.0.1; payload a JSON "
                        + "order of %d bytes (`%s`). The raw submit sends those bytes and the server's handler echoes them; "
                        + "the typed call encodes the record with the JSON mapper, the server's `@TaskMapping` method gets "
                        + "it decoded and returns it, and the client decodes the answer. Observed: an observation per call "
                        + "and per task with Micrometer Tracing's handlers and a `SimpleTracer` (spans kept in memory, trace "
                        + "context sent in the task metadata). %d rounds of %d ms each, in turns, after %d ms of warm-up "
                        + "each; CPU is the process's (client and server together) per task.",
                IN_FLIGHT, orderJson.length, new String(orderJson, StandardCharsets.UTF_8), rounds, roundMs, warmupMs);
        out.line("");
        out.line("| call | tasks/s (median of rounds) | spread | CPU per task (median) |");
        out.line("| --- | --- | --- | --- |");
        Map<String, double[]> rates = new LinkedHashMap<>();
        Map<String, double[]> cpus = new LinkedHashMap<>();
        for (Map.Entry<String, Round[]> e : results.entrySet()) {
            double[] rate = new double[rounds];
            double[] cpu = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                rate[r] = e.getValue()[r].perSecond();
                cpu[r] = e.getValue()[r].cpuMicrosPerTask();
            }
            rates.put(e.getKey(), rate);
            cpus.put(e.getKey(), cpu);
            out.line(
                    "| %s | %.0f | %s | %.1f us |",
                    e.getKey(), Results.median(rate), Results.spread(rate, "%.0f"), Results.median(cpu));
        }
        double raw = Results.median(rates.get("raw byte[] submit"));
        double typed = Results.median(rates.get("typed JSON call"));
        double typedCpu = Results.median(cpus.get("typed JSON call"));
        double observedCpu = Results.median(cpus.get("typed JSON call, observed and traced"));
        double ratio = typed / raw;
        double overhead = observedCpu / typedCpu - 1;
        out.line("");
        out.line("Typed/raw throughput: %.2fx. Observation CPU overhead per task: %+.1f %%.", ratio, overhead * 100);
        out.target(
                "7a",
                "typed JSON call >= 0.8x the raw byte[] submit's throughput",
                String.format("%.2fx", ratio),
                ratio >= 0.8,
                "same run, same connection settings");
        out.target(
                "7b",
                "observation overhead < 15 % CPU per task",
                String.format("%+.1f %%", overhead * 100),
                overhead < 0.15,
                "observed and traced vs unobserved typed call, same run");
        if (!profiles.isEmpty() && (ratio < 0.8 || overhead >= 0.15)) {
            out.line("");
            out.line(
                    "**Where the time goes** (a target was missed): JFR execution samples (every 2 ms, all threads) "
                            + "and allocation samples over %d ms of each call, after the rounds, in the same JVM. "
                            + "Compare the tables: what the typed call adds to the raw submit, what the observed call adds "
                            + "to the typed one.",
                    profileMs);
            for (Map.Entry<String, List<String>> profile : profiles.entrySet()) {
                out.line("");
                out.line("*%s:*", profile.getKey());
                out.line("");
                profile.getValue().forEach(out::line);
            }
        }
        out.write();
    }

    /** The JFR summary of {@code millis} of the closed loop. */
    static List<String> profile(Supplier<CompletableFuture<?>> call, long millis, SimpleTracer tracer)
            throws Exception {
        Path jfr = Files.createTempFile("bench-typed", ".jfr");
        try {
            Round round;
            try (Recording recording = new Recording()) {
                recording.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(2));
                recording.enable("jdk.ObjectAllocationSample").with("throttle", "300/s");
                recording.start();
                round = run(call, millis, tracer);
                recording.stop();
                recording.dump(jfr);
            }
            List<String> lines = new java.util.ArrayList<>();
            lines.add(String.format(
                    java.util.Locale.ROOT,
                    "%.0f tasks/s, %.1f us CPU per task while recorded.",
                    round.perSecond(),
                    round.cpuMicrosPerTask()));
            lines.add("");
            lines.addAll(JfrSummary.read(jfr, thread -> true).markdown(12));
            return lines;
        } finally {
            Files.deleteIfExists(jfr);
        }
    }

    /** Closed loop for {@code millis}: a new call as soon as one ends, {@link #IN_FLIGHT} at most. */
    static Round run(Supplier<CompletableFuture<?>> call, long millis, SimpleTracer tracer) throws Exception {
        Semaphore slots = new Semaphore(IN_FLIGHT);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long cpuStart = processCpuNanos();
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            if (!slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                continue;
            }
            call.get().whenComplete((r, e) -> {
                if (e != null) {
                    failed.incrementAndGet();
                }
                done.incrementAndGet();
                slots.release();
            });
        }
        if (!slots.tryAcquire(IN_FLIGHT, 30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("calls did not finish");
        }
        long elapsed = System.nanoTime() - start;
        long cpu = processCpuNanos() - cpuStart;
        tracer.getSpans().clear();
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " calls failed");
        }
        return new Round(done.get() * 1e9 / elapsed, cpu / 1e3 / done.get());
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static ObservationRegistry tracingRegistry(SimpleTracer tracer) {
        Propagator propagator = new Propagator() {
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
        };
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig()
                .observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
                        new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
                        new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
                        new DefaultTracingObservationHandler(tracer)));
        return registry;
    }

    /** A server with the raw and the typed handler, a persistent connection to it and its template. */
    static final class Setup implements AutoCloseable {
        final TaskServer server;
        final TaskConnector connector;
        final PersistentConnection<InetSocketAddress, TaskClient> connection;
        final TaskClient client;
        final TaskDeadlineTimer timer = new TaskDeadlineTimer();
        final TaskTemplate template;

        Setup(JsonTaskPayloadCodec codec, ObservationRegistry observations) throws Exception {
            DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
            beans.registerSingleton("orders", new Orders());
            Map<Integer, TaskHandlerMethod> handlers =
                    TaskHandlerMethods.detect(beans, codec, List.of(), observations, new TaskServerMeters());
            server = TaskServer.builder().port(0).build();
            server.register(RAW, TaskHandler.of(payload -> payload), "raw");
            handlers.forEach((code, handler) -> server.register(code, handler, handler.name()));
            server.start();
            connector = TaskClients.connector();
            connection = PersistentConnection.builder(
                            "bench",
                            AddressSuppliers.fixed(new InetSocketAddress("127.0.0.1", server.port())),
                            connector,
                            TaskClients.lifecycle())
                    .build();
            client = connection.connected().get(10, TimeUnit.SECONDS);
            template = new TaskTemplate(
                    "bench", connection, codec, Duration.ofSeconds(30), observations, timer.executor());
        }

        @Override
        public void close() {
            connection.close();
            timer.close();
            connector.close();
            server.stop();
        }
    }
}
