package dev.persistentconnection.spring.autoconfigure;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.persistentconnection.spring.PersistentConnectionSettings;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Reads {@code persistent-connection.*} with the {@link Binder}, overlays every connection on the defaults and
 * validates what can be validated without other beans. Invalid values throw
 * {@link InvalidPersistentConnectionPropertyException}.
 */
final class PersistentConnectionSettingsResolver {

    static final String PREFIX = "persistent-connection";

    private PersistentConnectionSettingsResolver() {
    }

    /** The enabled connections, in declaration order. */
    static Map<String, PersistentConnectionSettings> resolve(Environment environment) {
        try {
            return resolve(Binder.get(environment), declaredNames(environment));
        }
        catch (InvalidPersistentConnectionPropertyException ex) {
            throw withSource(environment, ex);
        }
    }

    /** The names under {@code persistent-connection.connections}, enabled or not. */
    static Set<String> declaredNames(Environment environment) {
        return Binder.get(environment)
                .bind(PREFIX + ".connections", Bindable.mapOf(String.class, PersistentConnectionProperties.Connection.class))
                .orElse(Collections.emptyMap()).keySet();
    }

    /** Replaces the bound value by the text the user wrote, and adds where it was written. */
    private static InvalidPersistentConnectionPropertyException withSource(Environment environment,
            InvalidPersistentConnectionPropertyException ex) {
        return ex.withSourceFrom(environment);
    }

    private static Map<String, PersistentConnectionSettings> resolve(Binder binder, Set<String> declared) {
        // Validate the defaults themselves, so a bad default is reported under its own name.
        PersistentConnectionProperties.Connection defaults = bindConnection(binder, null);
        validateCommon(defaults, PREFIX + ".defaults");
        Map<String, PersistentConnectionSettings> result = new LinkedHashMap<>();
        for (String name : declared) {
            PersistentConnectionProperties.Connection merged = bindConnection(binder, name);
            if (merged.isEnabled()) {
                result.put(name, toSettings(name, merged));
            }
        }
        return result;
    }

    private static PersistentConnectionProperties.Connection bindConnection(Binder binder, String name) {
        PersistentConnectionProperties.Connection target = new PersistentConnectionProperties.Connection();
        binder.bind(PREFIX + ".defaults", Bindable.ofInstance(target));
        if (name != null) {
            binder.bind(PersistentConnectionSettings.propertyPrefix(name), Bindable.ofInstance(target));
        }
        return target;
    }

    private static PersistentConnectionSettings toSettings(String name, PersistentConnectionProperties.Connection c) {
        String prefix = PersistentConnectionSettings.propertyPrefix(name);
        validateCommon(c, prefix);
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int i = 0; i < c.getAddresses().size(); i++) {
            addresses.add(parseAddress(prefix + ".addresses[" + i + "]", c.getAddresses().get(i)));
        }
        String serverName = StringUtils.hasText(c.getServerName()) ? c.getServerName() : name;
        return new PersistentConnectionSettings(name, serverName, addresses, c.getRetryDelay(), c.getJitter(),
                c.getBackoff().getMultiplier(), c.getBackoff().getMaxDelay(), c.getBackoff().getResetAfter(),
                c.getConnectTimeout(), c.getHeartbeat().getInterval(), c.getHeartbeat().getTimeout(),
                emptyToNull(c.getSsl().getBundle()), emptyToNull(c.getDiscovery().getServiceId()));
    }

    private static void validateCommon(PersistentConnectionProperties.Connection c, String prefix) {
        nonNegative(prefix + ".retry-delay", c.getRetryDelay());
        nonNegative(prefix + ".backoff.max-delay", c.getBackoff().getMaxDelay());
        nonNegative(prefix + ".backoff.reset-after", c.getBackoff().getResetAfter());
        positive(prefix + ".connect-timeout", c.getConnectTimeout());
        positive(prefix + ".heartbeat.interval", c.getHeartbeat().getInterval());
        positive(prefix + ".heartbeat.timeout", c.getHeartbeat().getTimeout());
        double jitter = c.getJitter();
        if (!(jitter >= 0.0 && jitter < 1.0)) {
            throw new InvalidPersistentConnectionPropertyException(prefix + ".jitter", jitter,
                    "the jitter must be a fraction in [0, 1)",
                    "Set '" + prefix + ".jitter' to a value from 0 (no randomization) up to, but not including, 1, "
                            + "for example 0.3.");
        }
        double multiplier = c.getBackoff().getMultiplier();
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new InvalidPersistentConnectionPropertyException(prefix + ".backoff.multiplier", multiplier,
                    "the back-off multiplier must be a finite number >= 1",
                    "Set '" + prefix + ".backoff.multiplier' to 1 (no back-off) or more, for example 2.");
        }
    }

    private static void nonNegative(String property, Duration value) {
        if (value == null || value.isNegative()) {
            throw new InvalidPersistentConnectionPropertyException(property, value,
                    "the duration must not be negative",
                    "Set '" + property + "' to zero or a positive duration, for example 10s or 500ms.");
        }
    }

    private static void positive(String property, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new InvalidPersistentConnectionPropertyException(property, value,
                    "the duration must be positive",
                    "Set '" + property + "' to a positive duration, for example 10s or 500ms.");
        }
    }

    /** Parses host:port or [v6]:port into an unresolved address. */
    static InetSocketAddress parseAddress(String property, String text) {
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
        }
        else {
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

    private static InvalidPersistentConnectionPropertyException malformed(String property, String text) {
        return new InvalidPersistentConnectionPropertyException(property, text,
                "the address is not of the form host:port with a port in 1..65535",
                "Write the address as host:port (for example orders.internal:7000) or [v6-address]:port "
                        + "(for example [::1]:7000).");
    }

    private static String emptyToNull(String text) {
        return StringUtils.hasText(text) ? text.trim() : null;
    }
}
