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
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.observation.transport.SenderContext;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
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
 * (no {@code ObservationRegistry}) against observed: with timers only, and traced (an observation per call and per
 * task, Micrometer Tracing over the OpenTelemetry SDK exporting to memory, the trace context in the task's metadata).
 * They run in turns, several rounds each; tasks/s per round and process CPU per task; on a missed target a JFR
 * profile of the calls concerned.
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
        Tracing tracing = new Tracing();
        ObservationRegistry observed = tracing.registry;
        Runnable tracer = tracing::reset;
        Order order = new Order("ACME", 100, 12_345, "acct-0042");
        byte[] orderJson = json.writeValueAsBytes(order);

        Map<String, Round[]> results = new LinkedHashMap<>();
        long profileMs = Long.parseLong(Results.option(args, "--profile-ms", "2000"));
        Map<String, List<String>> profiles = new LinkedHashMap<>();
        double[] timersFloor = new double[rounds];
        double[] tracedFloor = new double[rounds];
        try (tracing;
                Setup plain = new Setup(codec, ObservationRegistry.NOOP);
                Setup timed = new Setup(codec, timedRegistry());
                Setup traced = new Setup(codec, observed)) {
            Map<String, Supplier<CompletableFuture<?>>> calls = new LinkedHashMap<>();
            calls.put("raw byte[] submit", () -> plain.client.submit(RAW, orderJson));
            calls.put(
                    "typed JSON call",
                    () -> plain.template.callAsync(TYPED, order, Order.class, Duration.ofSeconds(30)));
            calls.put(
                    "typed JSON call, observed (timers only, no tracer)",
                    () -> timed.template.callAsync(TYPED, order, Order.class, Duration.ofSeconds(30)));
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
            observationPairs(timed.observations, warmupMs, tracer);
            observationPairs(observed, warmupMs, tracer);
            for (int r = 0; r < rounds; r++) {
                timersFloor[r] = observationPairs(timed.observations, roundMs, tracer);
                tracedFloor[r] = observationPairs(observed, roundMs, tracer);
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
                        + "and per task with Micrometer Tracing's handlers over the OpenTelemetry SDK (every span sampled, "
                        + "a batch span processor exporting to `InMemorySpanExporter`, W3C `traceparent` sent in the task "
                        + "metadata), against the same typed call with no `ObservationRegistry` (the starter's calls and "
                        + "handlers then create no observation at all). %d rounds of %d ms each, in turns, after %d ms of warm-up "
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
        double timedOverhead =
                Results.median(cpus.get("typed JSON call, observed (timers only, no tracer)")) / typedCpu - 1;
        out.line("");
        out.line(
                "Typed/raw throughput: %.2fx. Observation CPU overhead per task (observed and traced against "
                        + "unobserved, the target's measure): %+.1f %%; with timers only (Boot's meter handler, no "
                        + "tracer): %+.1f %%.",
                ratio, overhead * 100, timedOverhead * 100);
        double tracedFloorCpu = Results.median(tracedFloor);
        double timersFloorCpu = Results.median(timersFloor);
        double tracedFloorShare = tracedFloorCpu / typedCpu;
        double timersFloorShare = timersFloorCpu / typedCpu;
        out.line("");
        out.line("**The floor of 7b**, measured after the rounds in the same JVM: a client and a server observation "
                + "with nothing of this project, the least one observed task costs with Micrometer "
                + "Observation. On one thread, no I/O: a `SenderContext` observation started with the same "
                + "name length and keys as a call's (connection, code, outcome), the trace context injected "
                + "into a map, a `ReceiverContext` observation started from that map with a task's keys (code, "
                + "handler, outcome), its scope opened and closed, both stopped. Same handlers as the observed "
                + "rows above; CPU is the process's, so the batch span processor's export thread counts.");
        out.line("");
        out.line("| observations of one task, alone | CPU per pair (median) | share of the typed call's CPU |");
        out.line("| --- | --- | --- |");
        out.line("| timers only (Boot's meter handler) | %.2f us | %.1f %% |", timersFloorCpu, timersFloorShare * 100);
        out.line(
                "| traced (OpenTelemetry SDK, in-memory exporter) | %.2f us | %.1f %% |",
                tracedFloorCpu, tracedFloorShare * 100);
        out.line("");
        out.line(
                "The observed and traced call costs %.1f us more than the typed call; the two observations alone "
                        + "cost %.1f us of it, so the task protocol's own share of the overhead (the metadata on the "
                        + "wire, the contexts, the cross-thread hand-over of the trace) is %.1f us, %+.1f %% of the "
                        + "typed call.",
                observedCpu - typedCpu,
                tracedFloorCpu,
                observedCpu - typedCpu - tracedFloorCpu,
                (observedCpu - typedCpu - tracedFloorCpu) / typedCpu * 100);
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
                String.format(
                        java.util.Locale.ROOT,
                        "observed and traced (OpenTelemetry SDK, in-memory exporter) vs the typed call without an "
                                + "ObservationRegistry, same run; the two observations alone, with nothing of this "
                                + "project, cost %.1f %% of the typed call (timers only: %.1f %%)",
                        tracedFloorShare * 100,
                        timersFloorShare * 100));
        if (!profiles.isEmpty() && (ratio < 0.8 || overhead >= 0.15)) {
            out.line("");
            out.line(
                    "**Where the time goes** (a target was missed): JFR execution samples (every 2 ms, all threads) "
                            + "and allocation samples over %d ms of each call, after the rounds, in the same JVM. "
                            + "Compare the tables: what the typed call adds to the raw submit, what the observed call adds "
                            + "to the typed one.",
                    profileMs);
            for (Map.Entry<String, List<String>> profile : profiles.entrySet()) {
                boolean typedMiss = ratio < 0.8 && !profile.getKey().contains("observed");
                boolean observedMiss = overhead >= 0.15
                        && (profile.getKey().equals("typed JSON call")
                                || profile.getKey().contains("traced"));
                if (!typedMiss && !observedMiss) {
                    continue;
                }
                out.line("");
                out.line("*%s:*", profile.getKey());
                out.line("");
                profile.getValue().forEach(out::line);
            }
        }
        out.write();
    }

    /** The JFR summary of {@code millis} of the closed loop. */
    static List<String> profile(Supplier<CompletableFuture<?>> call, long millis, Runnable tracer) throws Exception {
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
            lines.addAll(JfrSummary.read(jfr, thread -> true).markdown(8));
            return lines;
        } finally {
            Files.deleteIfExists(jfr);
        }
    }

    /** Closed loop for {@code millis}: a new call as soon as one ends, {@link #IN_FLIGHT} at most. */
    static Round run(Supplier<CompletableFuture<?>> call, long millis, Runnable afterRound) throws Exception {
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
        afterRound.run();
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " calls failed");
        }
        return new Round(done.get() * 1e9 / elapsed, cpu / 1e3 / done.get());
    }

    /**
     * The 7b floor: CPU per pair of a client and a server observation with nothing of this project, on this thread,
     * for {@code millis}.
     */
    static double observationPairs(ObservationRegistry registry, long millis, Runnable afterRound) {
        KeyValues callKeys = KeyValues.of("connection", "bench", "code", String.valueOf(TYPED));
        KeyValues taskKeys = KeyValues.of("code", String.valueOf(TYPED), "handler", "orders.echo");
        KeyValues success = KeyValues.of("outcome", "success");
        long pairs = 0;
        long cpuStart = processCpuNanos();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            for (int i = 0; i < 1000; i++, pairs++) {
                SenderContext<Map<String, String>> sender = new SenderContext<>((carrier, key, value) -> {
                    if (carrier != null) {
                        carrier.put(key, value);
                    }
                });
                sender.setCarrier(new LinkedHashMap<>());
                Observation call = Observation.createNotStarted("floor.client.call", () -> sender, registry)
                        .contextualName("call bench " + TYPED)
                        .lowCardinalityKeyValues(callKeys)
                        .start();
                ReceiverContext<Map<String, String>> receiver = new ReceiverContext<>(Map::get);
                receiver.setCarrier(sender.getCarrier());
                Observation task = Observation.createNotStarted("floor.server.task", () -> receiver, registry)
                        .contextualName("task " + TYPED)
                        .lowCardinalityKeyValues(taskKeys)
                        .start();
                try (Observation.Scope scope = task.openScope()) {
                    // the handler would run here
                }
                task.lowCardinalityKeyValues(success).stop();
                call.lowCardinalityKeyValues(success).stop();
            }
        }
        long cpu = processCpuNanos() - cpuStart;
        afterRound.run();
        return cpu / 1e3 / pairs;
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Observations turned into timers only, as Boot's meter observation handler does without a tracer. */
    static ObservationRegistry timedRegistry() {
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(new SimpleMeterRegistry()));
        return registry;
    }

    /**
     * Micrometer Tracing over the OpenTelemetry SDK, as Boot sets it up: W3C trace context propagation, every span
     * sampled, finished spans handed to a batch span processor that exports them to an in-memory exporter.
     */
    static final class Tracing implements AutoCloseable {
        final InMemorySpanExporter exporter = InMemorySpanExporter.create();
        final SdkTracerProvider provider = SdkTracerProvider.builder()
                .setSampler(Sampler.alwaysOn())
                // A queue that holds several rounds' spans: at 2 spans a task the default 2,048 can fill between
                // two exports, and a dropped span would make the traced call look cheaper than it is.
                .addSpanProcessor(BatchSpanProcessor.builder(exporter)
                        .setMaxQueueSize(1 << 18)
                        .build())
                .build();
        final ObservationRegistry registry = ObservationRegistry.create();

        Tracing() {
            ContextPropagators propagators = ContextPropagators.create(W3CTraceContextPropagator.getInstance());
            io.opentelemetry.api.trace.Tracer otel = provider.get("benchmarks");
            OtelCurrentTraceContext current = new OtelCurrentTraceContext();
            OtelTracer tracer =
                    new OtelTracer(otel, current, event -> {}, new OtelBaggageManager(current, List.of(), List.of()));
            OtelPropagator propagator = new OtelPropagator(propagators, otel);
            registry.observationConfig()
                    .observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
                            new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
                            new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
                            new DefaultTracingObservationHandler(tracer)));
        }

        /** Drops the spans exported so far (after each round, so that memory stays flat). */
        void reset() {
            provider.forceFlush().join(10, TimeUnit.SECONDS);
            exporter.reset();
        }

        @Override
        public void close() {
            provider.shutdown().join(10, TimeUnit.SECONDS);
        }
    }

    /** A server with the raw and the typed handler, a persistent connection to it and its template. */
    static final class Setup implements AutoCloseable {
        final TaskServer server;
        final TaskConnector connector;
        final PersistentConnection<InetSocketAddress, TaskClient> connection;
        final TaskClient client;
        final TaskDeadlineTimer timer = new TaskDeadlineTimer();
        final TaskTemplate template;
        final ObservationRegistry observations;

        Setup(JsonTaskPayloadCodec codec, ObservationRegistry observations) throws Exception {
            this.observations = observations;
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
