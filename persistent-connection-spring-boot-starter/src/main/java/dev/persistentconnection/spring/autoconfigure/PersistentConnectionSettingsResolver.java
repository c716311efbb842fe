package dev.persistentconnection.spring.autoconfigure;

import dev.persistentconnection.spring.PersistentConnectionSettings;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionProperties.Connection;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Turns the bound {@link PersistentConnectionProperties} into the validated settings of every enabled connection:
 * each value comes from the connection, else from {@code persistent-connection.defaults}, else from the built-in
 * defaults of {@link PersistentConnectionSettings}. It reads the bound tree and never binds again; only the
 * registrar, which runs before any bean exists, binds the tree itself ({@link #bind}). Invalid values throw
 * {@link InvalidPersistentConnectionPropertyException}, naming the property where the value was written.
 */
final class PersistentConnectionSettingsResolver {

    static final String PREFIX = "persistent-connection";

    private PersistentConnectionSettingsResolver() {}

    /**
     * Binds {@code persistent-connection.*} from the environment: for the bean definitions, which are registered
     * before the {@link PersistentConnectionProperties} bean exists (and, under AOT, at build time).
     */
    static PersistentConnectionProperties bind(Environment environment) {
        return Binder.get(environment).bindOrCreate(PREFIX, PersistentConnectionProperties.class);
    }

    /** The settings of the enabled connections, in declaration order. */
    static Map<String, PersistentConnectionSettings> resolve(
            PersistentConnectionProperties properties, Environment environment) {
        try {
            return resolve(properties);
        } catch (InvalidPersistentConnectionPropertyException ex) {
            throw withSource(environment, ex);
        }
    }

    /** Replaces the bound value by the text the user wrote, and adds where it was written. */
    private static InvalidPersistentConnectionPropertyException withSource(
            Environment environment, InvalidPersistentConnectionPropertyException ex) {
        return ex.withSourceFrom(environment);
    }

    private static Map<String, PersistentConnectionSettings> resolve(PersistentConnectionProperties properties) {
        Connection defaults = properties.getDefaults();
        // Every value is validated under the name it was written with: a bad default is reported as a default.
        validate(defaults, PREFIX + ".defaults");
        Map<String, PersistentConnectionSettings> result = new LinkedHashMap<>();
        for (Map.Entry<String, Connection> entry : properties.getConnections().entrySet()) {
            String name = entry.getKey();
            Connection connection = entry.getValue();
            String prefix = PersistentConnectionSettings.propertyPrefix(name);
            validate(connection, prefix);
            if (first(connection.getEnabled(), defaults.getEnabled(), Boolean.TRUE)) {
                result.put(name, toSettings(name, prefix, connection, defaults));
            }
        }
        return result;
    }

    private static PersistentConnectionSettings toSettings(String name, String prefix, Connection c, Connection d) {
        PersistentConnectionSettings builtIn = PersistentConnectionSettings.of(name);
        List<InetSocketAddress> addresses = new ArrayList<>();
        String addressesPrefix = (c.getAddresses() != null) ? prefix : PREFIX + ".defaults";
        List<String> written = first(c.getAddresses(), d.getAddresses(), List.of());
        for (int i = 0; i < written.size(); i++) {
            addresses.add(parseAddress(addressesPrefix + ".addresses[" + i + "]", written.get(i)));
        }
        String serverName = first(emptyToNull(c.getServerName()), emptyToNull(d.getServerName()), name);
        PersistentConnectionSettings.Backoff backoff = new PersistentConnectionSettings.Backoff(
                first(
                        c.getBackoff().getMultiplier(),
                        d.getBackoff().getMultiplier(),
                        builtIn.backoff().multiplier()),
                first(
                        c.getBackoff().getMaxDelay(),
                        d.getBackoff().getMaxDelay(),
                        builtIn.backoff().maxDelay()),
                first(
                        c.getBackoff().getResetAfter(),
                        d.getBackoff().getResetAfter(),
                        builtIn.backoff().resetAfter()),
                strategy(first(c.getBackoff().getStrategy(), d.getBackoff().getStrategy(), "exponential")));
        PersistentConnectionSettings.Health health = new PersistentConnectionSettings.Health(
                first(
                        c.getHealth().getDownAfter(),
                        d.getHealth().getDownAfter(),
                        builtIn.health().downAfter()),
                first(
                                c.getHealth().getStatusWhileRetrying(),
                                d.getHealth().getStatusWhileRetrying(),
                                builtIn.health().statusWhileRetrying())
                        .trim()
                        .toUpperCase(java.util.Locale.ROOT)
                        .replace('-', '_'),
                first(
                        c.getHealth().getRequired(),
                        d.getHealth().getRequired(),
                        builtIn.health().required()));
        PersistentConnectionSettings.Heartbeat heartbeat = new PersistentConnectionSettings.Heartbeat(
                first(
                        c.getHeartbeat().getInterval(),
                        d.getHeartbeat().getInterval(),
                        builtIn.heartbeat().interval()),
                first(
                        c.getHeartbeat().getTimeout(),
                        d.getHeartbeat().getTimeout(),
                        builtIn.heartbeat().timeout()));
        String sslBundle = emptyToNull(first(c.getSsl().getBundle(), d.getSsl().getBundle(), ""));
        String serviceId = emptyToNull(
                first(c.getDiscovery().getServiceId(), d.getDiscovery().getServiceId(), ""));
        PersistentConnectionSettings.Transport transport = (c.getWebsocket() != null)
                ? PersistentConnectionSettings.Transport.WEBSOCKET
                : (c.getTcp() != null)
                        ? PersistentConnectionSettings.Transport.TCP
                        : PersistentConnectionSettings.Transport.TASKS;
        return new Resolved(
                name,
                serverName,
                List.copyOf(addresses),
                first(c.getRetryDelay(), d.getRetryDelay(), builtIn.retryDelay()),
                first(c.getJitter(), d.getJitter(), builtIn.jitter()),
                first(c.getConnectTimeout(), d.getConnectTimeout(), builtIn.connectTimeout()),
                backoff,
                heartbeat,
                sslBundle,
                serviceId,
                transport,
                first(c.getReconnectJitter(), d.getReconnectJitter(), builtIn.reconnectJitter()),
                health,
                first(c.getEventHistorySize(), d.getEventHistorySize(), builtIn.eventHistorySize()),
                first(
                        c.getStillFailingLogInterval(),
                        d.getStillFailingLogInterval(),
                        builtIn.stillFailingLogInterval()));
    }

    private static PersistentConnectionSettings.Backoff.Strategy strategy(String written) {
        return written.trim().equalsIgnoreCase("decorrelated-jitter")
                        || written.trim().equalsIgnoreCase("decorrelated_jitter")
                ? PersistentConnectionSettings.Backoff.Strategy.DECORRELATED_JITTER
                : PersistentConnectionSettings.Backoff.Strategy.EXPONENTIAL;
    }

    /** The connection's own value, else the default's, else the built-in one. */
    private static <T> T first(@Nullable T own, @Nullable T fromDefaults, T builtIn) {
        return (own != null) ? own : (fromDefaults != null) ? fromDefaults : builtIn;
    }

    /** Checks the values {@code c} sets itself (a value it does not set is checked where it was set). */
    private static void validate(Connection c, String prefix) {
        nonNegative(prefix + ".retry-delay", c.getRetryDelay());
        nonNegative(prefix + ".backoff.max-delay", c.getBackoff().getMaxDelay());
        nonNegative(prefix + ".backoff.reset-after", c.getBackoff().getResetAfter());
        positive(prefix + ".connect-timeout", c.getConnectTimeout());
        positive(prefix + ".heartbeat.interval", c.getHeartbeat().getInterval());
        positive(prefix + ".heartbeat.timeout", c.getHeartbeat().getTimeout());
        Double jitter = c.getJitter();
        if (jitter != null && !(jitter >= 0.0 && jitter < 1.0)) {
            throw new InvalidPersistentConnectionPropertyException(
                    prefix + ".jitter",
                    jitter,
                    "the jitter must be a fraction in [0, 1)",
                    "Set '" + prefix + ".jitter' to a value from 0 (no randomization) up to, but not including, 1, "
                            + "for example 0.3.");
        }
        nonNegative(prefix + ".reconnect-jitter", c.getReconnectJitter());
        nonNegative(prefix + ".health.down-after", c.getHealth().getDownAfter());
        positive(prefix + ".still-failing-log-interval", c.getStillFailingLogInterval());
        Integer historySize = c.getEventHistorySize();
        if (historySize != null && (historySize < 0 || historySize > 1000)) {
            throw new InvalidPersistentConnectionPropertyException(
                    prefix + ".event-history-size",
                    historySize,
                    "the event history size must be from 0 to 1000",
                    "Set '" + prefix + ".event-history-size' to 0 (no history) up to 1000, for example 20.");
        }
        String status = c.getHealth().getStatusWhileRetrying();
        if (status != null
                && !status.trim()
                        .replace('-', '_')
                        .toUpperCase(java.util.Locale.ROOT)
                        .matches("DOWN|OUT_OF_SERVICE")) {
            throw new InvalidPersistentConnectionPropertyException(
                    prefix + ".health.status-while-retrying",
                    status,
                    "the status while retrying must be DOWN or OUT_OF_SERVICE",
                    "Set '" + prefix + ".health.status-while-retrying' to DOWN (the default) or OUT_OF_SERVICE.");
        }
        String strategy = c.getBackoff().getStrategy();
        if (strategy != null
                && !strategy.trim()
                        .replace('_', '-')
                        .toLowerCase(java.util.Locale.ROOT)
                        .matches("exponential|decorrelated-jitter")) {
            throw new InvalidPersistentConnectionPropertyException(
                    prefix + ".backoff.strategy",
                    strategy,
                    "the back-off strategy must be exponential or decorrelated-jitter",
                    "Set '" + prefix + ".backoff.strategy' to exponential (the default) or decorrelated-jitter.");
        }
        MessageTransportValidation.validate(c, prefix);
        Double multiplier = c.getBackoff().getMultiplier();
        if (multiplier != null && (!(multiplier >= 1.0) || Double.isInfinite(multiplier))) {
            throw new InvalidPersistentConnectionPropertyException(
                    prefix + ".backoff.multiplier",
                    multiplier,
                    "the back-off multiplier must be a finite number >= 1",
                    "Set '" + prefix + ".backoff.multiplier' to 1 (no back-off) or more, for example 2.");
        }
    }

    static void nonNegative(String property, @Nullable Duration value) {
        if (value != null && value.isNegative()) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    value,
                    "the duration must not be negative",
                    "Set '" + property + "' to zero or a positive duration, for example 10s or 500ms.");
        }
    }

    static void positive(String property, @Nullable Duration value) {
        if (value != null && (value.isNegative() || value.isZero())) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    value,
                    "the duration must be positive",
                    "Set '" + property + "' to a positive duration, for example 10s or 500ms.");
        }
    }

    /** Parses host:port or [v6]:port into an unresolved address. */
    static InetSocketAddress parseAddress(String property, @Nullable String text) {
        String value = text == null ? "" : text.trim();
        String host;
        String port;
        if (value.startsWith("[")) {
            int end = value.indexOf(']');
            if (end < 0 || end + 1 >= value.length() || value.charAt(end + 1) != ':') {
                throw malformed(property, text);
            }
            host = value.substring(1, end);
            port = value.substring(end + 2);
        } else {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || value.indexOf(':') != colon) {
                throw malformed(property, text);
            }
            host = value.substring(0, colon);
            port = value.substring(colon + 1);
        }
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace) || !port.matches("\\d{1,5}")) {
            throw malformed(property, text);
        }
        int portNumber = Integer.parseInt(port);
        if (portNumber < 1 || portNumber > 65535) {
            throw malformed(property, text);
        }
        return InetSocketAddress.createUnresolved(host, portNumber);
    }

    private static InvalidPersistentConnectionPropertyException malformed(String property, @Nullable String text) {
        return new InvalidPersistentConnectionPropertyException(
                property,
                text,
                "the address is not of the form host:port with a port in 1..65535",
                "Write the address as host:port (for example orders.internal:7000) or [v6-address]:port "
                        + "(for example [::1]:7000).");
    }

    private static @Nullable String emptyToNull(@Nullable String text) {
        return StringUtils.hasText(text) ? text.trim() : null;
    }

    /** The resolved settings: every value present, validated. */
    private record Resolved(
            String name,
            String serverName,
            List<InetSocketAddress> addresses,
            Duration retryDelay,
            double jitter,
            Duration connectTimeout,
            PersistentConnectionSettings.Backoff backoff,
            PersistentConnectionSettings.Heartbeat heartbeat,
            @Nullable String sslBundle,
            @Nullable String discoveryServiceId,
            Transport transport,
            Duration reconnectJitter,
            PersistentConnectionSettings.Health health,
            int eventHistorySize,
            Duration stillFailingLogInterval)
            implements PersistentConnectionSettings {}
}
