package dev.persistentconnection.spring.autoconfigure;

import dev.persistentconnection.spring.autoconfigure.PersistentConnectionProperties.Connection;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionProperties.LengthField;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionProperties.MessageTransport;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionProperties.Tcp;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionProperties.WebSocket;
import java.net.URI;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.util.unit.DataSize;

/**
 * Checks the values of {@code websocket.*} and {@code tcp.*} that one connection (or the defaults) sets, before
 * any bean exists; every failure names the property and the fix.
 */
final class MessageTransportValidation {

    /** Handshake headers the JDK client sets itself and refuses to take from the application. */
    private static final Set<String> RESTRICTED_HEADERS =
            Set.of("connection", "content-length", "expect", "host", "upgrade");

    /** Shown instead of a value that may be a secret. */
    static final String HIDDEN = InvalidPersistentConnectionPropertyException.HIDDEN_VALUE;

    private MessageTransportValidation() {}

    static void validate(Connection c, String prefix) {
        boolean defaults = prefix.endsWith(".defaults");
        if (!defaults && c.getWebsocket() != null && c.getTcp() != null) {
            throw new InvalidPersistentConnectionPropertyException(
                    prefix + ".tcp",
                    "(set)",
                    "the connection sets both websocket.* and tcp.*, and it can only be one of them",
                    "Keep either '" + prefix + ".websocket' or '" + prefix + ".tcp', or split it into two "
                            + "connections.");
        }
        WebSocket ws = c.getWebsocket();
        if (ws != null) {
            websocket(ws, prefix + ".websocket");
        }
        Tcp tcp = c.getTcp();
        if (tcp != null) {
            tcp(tcp, prefix + ".tcp");
        }
    }

    private static void websocket(WebSocket ws, String prefix) {
        common(ws, prefix);
        List<URI> uris = ws.getUri();
        if (uris != null) {
            for (int i = 0; i < uris.size(); i++) {
                URI uri = uris.get(i);
                String scheme = (uri.getScheme() == null) ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!(scheme.equals("ws") || scheme.equals("wss")) || uri.getHost() == null) {
                    throw new InvalidPersistentConnectionPropertyException(
                            prefix + ".uri[" + i + "]",
                            uri,
                            "not a WebSocket URI with a host (ws://host[:port]/path or wss://...)",
                            "Write the URI as ws://host:port/path, or wss://host/path for TLS.");
                }
            }
        }
        String path = ws.getPath();
        if (path != null && !path.isEmpty() && !path.startsWith("/")) {
            throw new InvalidPersistentConnectionPropertyException(
                    prefix + ".path", path, "the path must start with /", "Write it as /" + path + ".");
        }
        for (Map.Entry<String, String> header : ws.getHeaders().entrySet()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (RESTRICTED_HEADERS.contains(name) || name.startsWith("sec-websocket-")) {
                throw new InvalidPersistentConnectionPropertyException(
                        prefix + ".headers[" + header.getKey() + "]",
                        HIDDEN,
                        "the WebSocket client sets this header itself",
                        "Remove it; use '" + prefix + ".subprotocols' for Sec-WebSocket-Protocol.");
            }
        }
        PersistentConnectionSettingsResolver.nonNegative(prefix + ".ping-interval", ws.getPingInterval());
        PersistentConnectionSettingsResolver.positive(prefix + ".ping-timeout", ws.getPingTimeout());
    }

    private static void tcp(Tcp tcp, String prefix) {
        common(tcp, prefix);
        List<String> addresses = tcp.getAddresses();
        if (addresses != null) {
            for (int i = 0; i < addresses.size(); i++) {
                PersistentConnectionSettingsResolver.parseAddress(prefix + ".addresses[" + i + "]", addresses.get(i));
            }
        }
        String charset = tcp.getLine().getCharset();
        if (charset != null) {
            boolean supported;
            try {
                supported = Charset.isSupported(charset);
            } catch (IllegalArgumentException ex) {
                supported = false;
            }
            if (!supported) {
                throw new InvalidPersistentConnectionPropertyException(
                        prefix + ".line.charset",
                        charset,
                        "this JVM has no such charset",
                        "Use a charset name such as UTF-8, ISO-8859-1 or US-ASCII.");
            }
        }
        String delimiter = tcp.getLine().getDelimiter();
        if (delimiter != null && delimiter.isEmpty()) {
            throw new InvalidPersistentConnectionPropertyException(
                    prefix + ".line.delimiter",
                    delimiter,
                    "the line delimiter must not be empty",
                    "Leave it out for \\n, or write the delimiter, " + "for example \"\\r\\n\" or \"|\".");
        }
        LengthField field = tcp.getLengthField();
        Integer length = field.getLength();
        if (length != null && !Set.of(1, 2, 3, 4, 8).contains(length)) {
            throw new InvalidPersistentConnectionPropertyException(
                    prefix + ".length-field.length",
                    length,
                    "the length field is 1, 2, 3, 4 or 8 bytes long",
                    "Set it to 1, 2, 3, 4 or 8 (default 4).");
        }
        Integer offset = field.getOffset();
        if (offset != null && offset < 0) {
            throw new InvalidPersistentConnectionPropertyException(
                    prefix + ".length-field.offset", offset, "the offset must not be negative", "Set it to 0 or more.");
        }
        Integer strip = field.getBytesToStrip();
        int end = ((offset != null) ? offset : 0) + ((length != null) ? length : 4);
        if (strip != null && (strip < 0 || strip > end)) {
            throw new InvalidPersistentConnectionPropertyException(
                    prefix + ".length-field.bytes-to-strip",
                    strip,
                    "bytes to strip must be between 0 and offset + length (" + end + ")",
                    "Set it to " + end + " to hand the handler the payload only, or 0 for the whole frame.");
        }
        PersistentConnectionSettingsResolver.nonNegative(prefix + ".idle-timeout", tcp.getIdleTimeout());
        PersistentConnectionSettingsResolver.positive(prefix + ".keep-alive-idle", tcp.getKeepAliveIdle());
        PersistentConnectionSettingsResolver.positive(prefix + ".keep-alive-interval", tcp.getKeepAliveInterval());
        PersistentConnectionSettingsResolver.positive(prefix + ".tcp-user-timeout", tcp.getTcpUserTimeout());
        Integer count = tcp.getKeepAliveCount();
        if (count != null && count <= 0) {
            throw new InvalidPersistentConnectionPropertyException(
                    prefix + ".keep-alive-count",
                    count,
                    "the probe count must be positive",
                    "Set it to 1 or more, for example 5.");
        }
    }

    private static void common(MessageTransport t, String prefix) {
        size(prefix + ".max-message-size", t.getMaxMessageSize(), Integer.MAX_VALUE);
        size(prefix + ".outbound-buffer-size", t.getOutboundBufferSize(), Long.MAX_VALUE);
        PersistentConnectionSettingsResolver.nonNegative(prefix + ".send-wait-timeout", t.getSendWaitTimeout());
    }

    private static void size(String property, @Nullable DataSize size, long max) {
        if (size != null && (size.toBytes() <= 0 || size.toBytes() > max)) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    size,
                    "the size must be positive" + (max == Integer.MAX_VALUE ? " and below 2GB" : ""),
                    "Set '" + property + "' to a positive size, for example 64KB or 1MB.");
        }
    }
}
