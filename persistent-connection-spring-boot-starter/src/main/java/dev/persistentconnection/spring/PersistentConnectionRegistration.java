package dev.persistentconnection.spring;

import dev.persistentconnection.AddressSupplier;
import dev.persistentconnection.ConnectionLifecycle;
import dev.persistentconnection.Connector;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Binds a custom {@link Connector} (any protocol) to one named connection. Declare it as a bean; it replaces the
 * built-in connector of {@code persistent-connection.connections.<name>}, and the starter still gives the
 * connection its retry delay, jitter, back-off, events, health, metrics and endpoint.
 *
 * <pre>{@code
 * @Bean
 * PersistentConnectionRegistration<URI, WebSocket> quotes(HttpClient http) {
 *     return PersistentConnectionRegistration.<URI, WebSocket>forConnection("quotes")
 *             .addressSupplier(() -> CompletableFuture.completedFuture(URI.create("wss://quotes.example/ws")))
 *             .connector((uri, context) -> http.newWebSocketBuilder().buildAsync(uri, new QuotesListener()))
 *             .lifecycle(new WebSocketLifecycle())
 *             .build();
 * }
 * }</pre>
 *
 * Addresses come, in this order, from {@link Builder#addressSupplier}, from the connection's
 * {@code discovery.service-id}, or from its {@code addresses} (round-robin). The last two give
 * {@link InetSocketAddress}es (unresolved); map them with {@link Builder#addressMapper} when the connector
 * takes another address type.
 *
 * @param <A> the address type
 * @param <C> the connection type
 */
public final class PersistentConnectionRegistration<A, C> {

    private final String connectionName;
    private final Function<PersistentConnectionSettings, Connector<A, C>> connectorFactory;
    private final ConnectionLifecycle<C> lifecycle;
    private final @Nullable AddressSupplier<A> addressSupplier;
    private final @Nullable Function<InetSocketAddress, A> addressMapper;
    private final boolean connectorOwned;
    private final Function<C, Optional<? extends Throwable>> closeReason;

    private PersistentConnectionRegistration(Builder<A, C> builder) {
        this.connectionName = Objects.requireNonNull(builder.connectionName, "connectionName");
        this.connectorFactory = Objects.requireNonNull(builder.connectorFactory, "a connector is required");
        this.lifecycle = Objects.requireNonNull(builder.lifecycle, "a lifecycle is required");
        this.addressSupplier = builder.addressSupplier;
        this.addressMapper = builder.addressMapper;
        this.connectorOwned = builder.connectorOwned;
        this.closeReason = builder.closeReason;
    }

    /** Starts a registration for the connection named {@code connectionName}. */
    public static <A, C> Builder<A, C> forConnection(String connectionName) {
        return new Builder<>(connectionName);
    }

    /** The name of the connection this registration is bound to. */
    public String connectionName() {
        return connectionName;
    }

    /** Creates the connector for the connection's effective settings. */
    public Connector<A, C> connector(PersistentConnectionSettings settings) {
        return connectorFactory.apply(settings);
    }

    /** How the connection type is closed and observed. */
    public ConnectionLifecycle<C> lifecycle() {
        return lifecycle;
    }

    /**
     * Whether the starter made the connector (through {@link Builder#connectorFactory}) and so closes it, when it is
     * {@link AutoCloseable}, once the connection has closed at shutdown. A connector given ready-made is the user's.
     */
    public boolean connectorOwned() {
        return connectorOwned;
    }

    /** The user's address supplier, or {@code null} to use the configured addresses or discovery. */
    public @Nullable AddressSupplier<A> addressSupplier() {
        return addressSupplier;
    }

    /** Maps a configured or discovered address to {@code A}, or {@code null} when {@code A} is InetSocketAddress. */
    public @Nullable Function<InetSocketAddress, A> addressMapper() {
        return addressMapper;
    }

    /** Why a connection closed, when it knows (for the {@code Disconnected} log line and health's last error). */
    public Optional<? extends Throwable> closeReason(C connection) {
        return closeReason.apply(connection);
    }

    /** Builder of a {@link PersistentConnectionRegistration}. */
    public static final class Builder<A, C> {

        private final String connectionName;
        private @Nullable Function<PersistentConnectionSettings, Connector<A, C>> connectorFactory;
        private @Nullable ConnectionLifecycle<C> lifecycle;
        private @Nullable AddressSupplier<A> addressSupplier;
        private @Nullable Function<InetSocketAddress, A> addressMapper;
        private boolean connectorOwned;
        private Function<C, Optional<? extends Throwable>> closeReason = connection -> Optional.empty();

        private Builder(String connectionName) {
            this.connectionName = connectionName;
        }

        /** The connector (required, or {@link #connectorFactory}). */
        public Builder<A, C> connector(Connector<A, C> connector) {
            Objects.requireNonNull(connector, "connector");
            this.connectorFactory = settings -> connector;
            this.connectorOwned = false;
            return this;
        }

        /**
         * A connector made from the connection's settings (connect timeout, heartbeat, SSL bundle name...). The
         * starter owns what the factory makes: an {@link AutoCloseable} connector (such as a {@code TaskConnector}
         * and its I/O thread) is closed at shutdown, after the connection has closed.
         */
        public Builder<A, C> connectorFactory(Function<PersistentConnectionSettings, Connector<A, C>> factory) {
            this.connectorFactory = Objects.requireNonNull(factory, "factory");
            this.connectorOwned = true;
            return this;
        }

        /** How the connection type is closed and observed (required). */
        public Builder<A, C> lifecycle(ConnectionLifecycle<C> lifecycle) {
            this.lifecycle = lifecycle;
            return this;
        }

        /** Where addresses come from; overrides the connection's addresses and discovery properties. */
        public Builder<A, C> addressSupplier(AddressSupplier<A> addressSupplier) {
            this.addressSupplier = addressSupplier;
            return this;
        }

        /** Maps the configured or discovered (unresolved) socket addresses to the connector's address type. */
        public Builder<A, C> addressMapper(Function<InetSocketAddress, A> addressMapper) {
            this.addressMapper = addressMapper;
            return this;
        }

        /**
         * Why a closed connection closed (the peer's close code, a timeout...), if the connection type knows;
         * the starter logs it with {@code Disconnected} and shows it as health's {@code lastError}.
         */
        public Builder<A, C> closeReason(Function<C, Optional<? extends Throwable>> closeReason) {
            this.closeReason = Objects.requireNonNull(closeReason, "closeReason");
            return this;
        }

        public PersistentConnectionRegistration<A, C> build() {
            return new PersistentConnectionRegistration<>(this);
        }
    }
}
