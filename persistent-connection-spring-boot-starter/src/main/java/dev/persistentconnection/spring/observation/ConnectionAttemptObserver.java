package dev.persistentconnection.spring.observation;

import dev.persistentconnection.spring.event.PersistentConnectionEvent;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationListener;

/**
 * Observes every connection attempt ({@value TaskObservations#CONNECT}) from the connections' events: from
 * {@code AttemptingToConnect} to {@code Connected} ({@code outcome=success}) or {@code FailedToConnect}
 * ({@code outcome=failure}, with the error). An attempt cut short by the connection's close is stopped by the
 * next attempt, or never started again.
 */
public class ConnectionAttemptObserver implements ApplicationListener<PersistentConnectionEvent> {

    private final ObservationRegistry registry;

    private final Map<String, Attempt> attempts = new ConcurrentHashMap<>();

    public ConnectionAttemptObserver(ObservationRegistry registry) {
        this.registry = registry;
    }

    private record Attempt(ConnectObservationContext context, Observation observation) {}

    @Override
    public void onApplicationEvent(PersistentConnectionEvent event) {
        String name = event.getConnectionName();
        if (event instanceof PersistentConnectionEvent.AttemptingToConnect) {
            ConnectObservationContext context = new ConnectObservationContext(name);
            Attempt previous = attempts.put(
                    name,
                    new Attempt(
                            context, TaskObservations.connect(context, registry).start()));
            if (previous != null) {
                stop(previous, TaskObservations.OUTCOME_FAILURE, null);
            }
        } else if (event instanceof PersistentConnectionEvent.Connected) {
            Attempt attempt = attempts.remove(name);
            if (attempt != null) {
                stop(attempt, TaskObservations.OUTCOME_SUCCESS, null);
            }
        } else if (event instanceof PersistentConnectionEvent.FailedToConnect failed) {
            Attempt attempt = attempts.remove(name);
            if (attempt != null) {
                stop(attempt, TaskObservations.OUTCOME_FAILURE, failed.getError());
            }
        }
    }

    private static void stop(Attempt attempt, String outcome, @Nullable Throwable error) {
        attempt.context().setOutcome(outcome);
        if (error != null) {
            attempt.observation().error(error);
        }
        attempt.observation().stop();
    }
}
