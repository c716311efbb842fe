package dev.persistentconnection.spring.event;

import dev.persistentconnection.ConnectionEvent;
import dev.persistentconnection.PersistentConnection;
import java.time.Instant;
import org.springframework.context.ApplicationEvent;

/**
 * A core {@link ConnectionEvent} of a starter-managed connection, republished as an {@link ApplicationEvent}.
 * Listen to this base type for every kind, or to one nested subclass:
 *
 * <pre>{@code
 * @EventListener(condition = "#event.connectionName == 'orders'")
 * void onOrdersConnected(PersistentConnectionEvent.Connected event) { ... }
 * }</pre>
 *
 * Synchronous listeners run on the engine's step: the connection waits for them before its next step (the
 * reference's awaited {@code on_event}). An exception thrown by a listener is logged and does not stop the
 * connection.
 */
public abstract sealed class PersistentConnectionEvent extends ApplicationEvent
        permits PersistentConnectionEvent.AttemptingToConnect,
                PersistentConnectionEvent.ObtainedAddress,
                PersistentConnectionEvent.FailedToConnect,
                PersistentConnectionEvent.Connected,
                PersistentConnectionEvent.Disconnected {

    private final String connectionName;
    private final String serverName;
    private final Instant occurredAt;
    private final transient ConnectionEvent<?, ?> connectionEvent;

    PersistentConnectionEvent(
            PersistentConnection<?, ?> source,
            String connectionName,
            Instant occurredAt,
            ConnectionEvent<?, ?> connectionEvent) {
        super(source);
        this.connectionName = connectionName;
        this.serverName = source.serverName();
        this.occurredAt = occurredAt;
        this.connectionEvent = connectionEvent;
    }

    /** Wraps a core event in the matching subclass. */
    public static PersistentConnectionEvent of(
            PersistentConnection<?, ?> source, String connectionName, Instant occurredAt, ConnectionEvent<?, ?> event) {
        if (event instanceof ConnectionEvent.AttemptingToConnect<?, ?>) {
            return new AttemptingToConnect(source, connectionName, occurredAt, event);
        }
        if (event instanceof ConnectionEvent.ObtainedAddress<?, ?>) {
            return new ObtainedAddress(source, connectionName, occurredAt, event);
        }
        if (event instanceof ConnectionEvent.FailedToConnect<?, ?>) {
            return new FailedToConnect(source, connectionName, occurredAt, event);
        }
        if (event instanceof ConnectionEvent.Connected<?, ?>) {
            return new Connected(source, connectionName, occurredAt, event);
        }
        return new Disconnected(source, connectionName, occurredAt, event);
    }

    /** The connection that sent the event. */
    public PersistentConnection<?, ?> getConnection() {
        return (PersistentConnection<?, ?>) getSource();
    }

    /** The connection's name (its key under {@code persistent-connection.connections}). */
    public String getConnectionName() {
        return connectionName;
    }

    /** The connection's server name. */
    public String getServerName() {
        return serverName;
    }

    /** When the event happened, from the connection's time source. */
    public Instant getOccurredAt() {
        return occurredAt;
    }

    /** The core event. */
    public ConnectionEvent<?, ?> getConnectionEvent() {
        return connectionEvent;
    }

    /** The reference's variant name, e.g. {@code Failed_to_connect}. */
    public abstract String getKind();

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[connection=" + connectionName + ", event=" + connectionEvent + "]";
    }

    /** The engine starts a cycle of attempts (at start and after every disconnection). */
    public static final class AttemptingToConnect extends PersistentConnectionEvent {
        AttemptingToConnect(PersistentConnection<?, ?> s, String n, Instant t, ConnectionEvent<?, ?> e) {
            super(s, n, t, e);
        }

        @Override
        public String getKind() {
            return "Attempting_to_connect";
        }
    }

    /** An address was obtained that differs from the previous one. */
    public static final class ObtainedAddress extends PersistentConnectionEvent {
        ObtainedAddress(PersistentConnection<?, ?> s, String n, Instant t, ConnectionEvent<?, ?> e) {
            super(s, n, t, e);
        }
        /** The address. */
        public Object getAddress() {
            return ((ConnectionEvent.ObtainedAddress<?, ?>) getConnectionEvent()).address();
        }

        @Override
        public String getKind() {
            return "Obtained_address";
        }
    }

    /** An attempt failed (identical consecutive failures are reported once). */
    public static final class FailedToConnect extends PersistentConnectionEvent {
        FailedToConnect(PersistentConnection<?, ?> s, String n, Instant t, ConnectionEvent<?, ?> e) {
            super(s, n, t, e);
        }
        /** The attempt's error. */
        public Throwable getError() {
            return ((ConnectionEvent.FailedToConnect<?, ?>) getConnectionEvent()).error();
        }

        @Override
        public String getKind() {
            return "Failed_to_connect";
        }
    }

    /** A connection was established. */
    public static final class Connected extends PersistentConnectionEvent {
        Connected(PersistentConnection<?, ?> s, String n, Instant t, ConnectionEvent<?, ?> e) {
            super(s, n, t, e);
        }
        /** The established connection object (for example a TaskClient). */
        public Object getConnectionObject() {
            return ((ConnectionEvent.Connected<?, ?>) getConnectionEvent()).connection();
        }

        @Override
        public String getKind() {
            return "Connected";
        }
    }

    /** The established connection finished closing. */
    public static final class Disconnected extends PersistentConnectionEvent {
        Disconnected(PersistentConnection<?, ?> s, String n, Instant t, ConnectionEvent<?, ?> e) {
            super(s, n, t, e);
        }

        @Override
        public String getKind() {
            return "Disconnected";
        }
    }
}
