package dev.persistentconnection.spring.autoconfigure;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.PersistentConnectionSettings;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionProperties.Connection;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionProperties.LengthField;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionProperties.MessageTransport;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionProperties.Tcp;
import dev.persistentconnection.spring.autoconfigure.PersistentConnectionProperties.WebSocket;
import dev.persistentconnection.transports.Framing;
import dev.persistentconnection.transports.Message;
import dev.persistentconnection.transports.MessageHandler;
import dev.persistentconnection.transports.MessageSession;
import dev.persistentconnection.transports.OnHandlerError;
import dev.persistentconnection.transports.TcpConnector;
import dev.persistentconnection.transports.TcpSession;
import dev.persistentconnection.transports.WebSocketConnector;
import dev.persistentconnection.transports.WebSocketSession;
import dev.persistentconnection.transports.WhenFull;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactoryUtils;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.util.unit.DataSize;

/**
 * The zero-code path for {@code websocket.*} and {@code tcp.*} connections: a {@link WebSocketConnector} or
 * {@link TcpConnector} per connection, made from its properties (each value: the connection's, else the
 * defaults', else the transport's built-in one), whose messages go to the {@link MessageHandler} bean qualified
 * with the connection's name. The connectors are the starter's: closed at shutdown, after the connections.
 */
final class MessageTransportConnectorProvider implements MessageTransportRegistrations {

    /** The name of Spring Boot's application task executor, for {@code handler-thread=task-executor}. */
    static final String TASK_EXECUTOR_BEAN_NAME = "applicationTaskExecutor";

    private final PersistentConnectionProperties properties;
    private final ListableBeanFactory beanFactory;
    private final @Nullable SslBundles sslBundles;

    MessageTransportConnectorProvider(
            PersistentConnectionProperties properties,
            ListableBeanFactory beanFactory,
            @Nullable SslBundles sslBundles) {
        this.properties = properties;
        this.beanFactory = beanFactory;
        this.sslBundles = sslBundles;
    }

    @Override
    public PersistentConnectionRegistration<?, ?> registrationFor(PersistentConnectionSettings settings) {
        Connection own = properties.getConnections().get(settings.name());
        Connection defaults = properties.getDefaults();
        if (settings.transport() == PersistentConnectionSettings.Transport.WEBSOCKET) {
            return websocket(settings, own.getWebsocket(), defaults.getWebsocket());
        }
        return tcp(settings, own.getTcp(), defaults.getTcp());
    }

    private PersistentConnectionRegistration<URI, WebSocketSession> websocket(
            PersistentConnectionSettings settings, WebSocket own, @Nullable WebSocket defaults) {
        String prefix = settings.propertyPrefix() + ".websocket";
        WebSocketConnector.Builder builder = WebSocketConnector.builder(handler(settings))
                .name(settings.name())
                .connectTimeout(settings.connectTimeout());
        common(builder, settings, own, defaults, prefix);
        Map<String, String> headers = new LinkedHashMap<>();
        if (defaults != null) {
            headers.putAll(defaults.getHeaders());
        }
        headers.putAll(own.getHeaders());
        headers.forEach(builder::header);
        List<String> subprotocols = first(own.getSubprotocols(), defaults == null ? null : defaults.getSubprotocols());
        if (subprotocols != null && !subprotocols.isEmpty()) {
            builder.subprotocols(subprotocols);
        }
        Duration pingInterval = first(own.getPingInterval(), defaults == null ? null : defaults.getPingInterval());
        if (pingInterval != null) {
            builder.pingInterval(pingInterval);
        }
        Duration pingTimeout = first(own.getPingTimeout(), defaults == null ? null : defaults.getPingTimeout());
        if (pingTimeout != null) {
            builder.pingTimeout(pingTimeout);
        }
        String bundle = settings.sslBundle();
        if (bundle != null) {
            builder.sslContext(sslContext(settings, bundle));
        }
        PersistentConnectionRegistration.Builder<URI, WebSocketSession> registration =
                PersistentConnectionRegistration.<URI, WebSocketSession>forConnection(settings.name())
                        .connectorFactory(ignored -> builder.build()) // closed by the registry at shutdown
                        .lifecycle(MessageSession.lifecycle())
                        .closeReason(MessageSession::closeReason);
        List<URI> uris = first(own.getUri(), defaults == null ? null : defaults.getUri());
        if (uris != null && !uris.isEmpty()) {
            registration.addressSupplier(AddressSuppliers.roundRobin(List.copyOf(uris)));
        } else if (settings.discoveryServiceId() != null) {
            String path = first(own.getPath(), defaults == null ? null : defaults.getPath());
            String scheme = (bundle != null) ? "wss" : "ws";
            String tail = (path == null) ? "" : path;
            registration.addressMapper(
                    address -> URI.create(scheme + "://" + hostForUri(address) + ":" + address.getPort() + tail));
        } else {
            throw new InvalidPersistentConnectionPropertyException(
                    prefix + ".uri",
                    null,
                    "the WebSocket connection has no URI",
                    "Set '" + prefix + ".uri' (for example wss://feed.example.com/v1/prices), or '"
                            + settings.propertyPrefix() + ".discovery.service-id' and '" + prefix + ".path'.");
        }
        return registration.build();
    }

    private static String hostForUri(InetSocketAddress address) {
        String host = address.getHostString();
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    private PersistentConnectionRegistration<InetSocketAddress, TcpSession> tcp(
            PersistentConnectionSettings settings, Tcp own, @Nullable Tcp defaults) {
        String prefix = settings.propertyPrefix() + ".tcp";
        TcpConnector.Builder builder =
                TcpConnector.builder(handler(settings)).name(settings.name()).connectTimeout(settings.connectTimeout());
        common(builder, settings, own, defaults, prefix);
        builder.framing(framing(own, defaults));
        Duration idle = first(own.getIdleTimeout(), defaults == null ? null : defaults.getIdleTimeout());
        if (idle != null) {
            builder.idleTimeout(idle);
        }
        Boolean keepAlive = first(own.getKeepAlive(), defaults == null ? null : defaults.getKeepAlive());
        if (keepAlive != null) {
            builder.keepAlive(keepAlive);
        }
        Duration keepIdle = first(own.getKeepAliveIdle(), defaults == null ? null : defaults.getKeepAliveIdle());
        if (keepIdle != null) {
            builder.keepAliveIdle(keepIdle);
        }
        Duration keepInterval =
                first(own.getKeepAliveInterval(), defaults == null ? null : defaults.getKeepAliveInterval());
        if (keepInterval != null) {
            builder.keepAliveInterval(keepInterval);
        }
        Integer keepCount = first(own.getKeepAliveCount(), defaults == null ? null : defaults.getKeepAliveCount());
        if (keepCount != null) {
            builder.keepAliveCount(keepCount);
        }
        Duration userTimeout = first(own.getTcpUserTimeout(), defaults == null ? null : defaults.getTcpUserTimeout());
        if (userTimeout != null) {
            builder.tcpUserTimeout(userTimeout);
        }
        Boolean nativeTransport =
                first(own.getNativeTransport(), defaults == null ? null : defaults.getNativeTransport());
        if (nativeTransport != null) {
            builder.nativeTransport(nativeTransport);
        }
        String bundle = settings.sslBundle();
        if (bundle != null) {
            builder.sslContext(sslContext(settings, bundle));
        }
        PersistentConnectionRegistration.Builder<InetSocketAddress, TcpSession> registration =
                PersistentConnectionRegistration.<InetSocketAddress, TcpSession>forConnection(settings.name())
                        .connectorFactory(ignored -> builder.build()) // closed by the registry at shutdown
                        .lifecycle(MessageSession.lifecycle())
                        .closeReason(MessageSession::closeReason);
        List<String> addresses = own.getAddresses();
        String addressesPrefix = prefix;
        if (addresses == null && defaults != null && defaults.getAddresses() != null) {
            addresses = defaults.getAddresses();
            addressesPrefix = PersistentConnectionSettingsResolver.PREFIX + ".defaults.tcp";
        }
        if (addresses != null && !addresses.isEmpty()) {
            List<InetSocketAddress> parsed = new ArrayList<>();
            for (int i = 0; i < addresses.size(); i++) {
                parsed.add(PersistentConnectionSettingsResolver.parseAddress(
                        addressesPrefix + ".addresses[" + i + "]", addresses.get(i)));
            }
            registration.addressSupplier(AddressSuppliers.roundRobin(parsed));
        } else if (settings.addresses().isEmpty() && settings.discoveryServiceId() == null) {
            throw new InvalidPersistentConnectionPropertyException(
                    prefix + ".addresses",
                    null,
                    "the TCP connection has no address",
                    "Set '" + prefix + ".addresses' (for example 127.0.0.1:9100), or '" + settings.propertyPrefix()
                            + ".discovery.service-id'.");
        }
        return registration.build();
    }

    private static Framing framing(Tcp own, @Nullable Tcp defaults) {
        PersistentConnectionProperties.TcpFraming kind =
                first(own.getFraming(), defaults == null ? null : defaults.getFraming());
        if (kind == null || kind == PersistentConnectionProperties.TcpFraming.LINE) {
            String charset = first(
                    own.getLine().getCharset(),
                    defaults == null ? null : defaults.getLine().getCharset());
            String delimiter = first(
                    own.getLine().getDelimiter(),
                    defaults == null ? null : defaults.getLine().getDelimiter());
            return Framing.line(
                    charset == null ? StandardCharsets.UTF_8 : Charset.forName(charset),
                    delimiter == null ? "\n" : delimiter);
        }
        if (kind == PersistentConnectionProperties.TcpFraming.RAW) {
            return Framing.raw();
        }
        LengthField o = own.getLengthField();
        LengthField d = (defaults == null) ? null : defaults.getLengthField();
        int offset = orElse(first(o.getOffset(), d == null ? null : d.getOffset()), 0);
        int length = orElse(first(o.getLength(), d == null ? null : d.getLength()), 4);
        int adjustment = orElse(first(o.getAdjustment(), d == null ? null : d.getAdjustment()), 0);
        int strip = orElse(first(o.getBytesToStrip(), d == null ? null : d.getBytesToStrip()), offset + length);
        PersistentConnectionProperties.LengthFieldOrder order =
                first(o.getByteOrder(), d == null ? null : d.getByteOrder());
        return Framing.lengthField(
                offset,
                length,
                adjustment,
                strip,
                order == PersistentConnectionProperties.LengthFieldOrder.LITTLE_ENDIAN
                        ? ByteOrder.LITTLE_ENDIAN
                        : ByteOrder.BIG_ENDIAN);
    }

    private void common(
            dev.persistentconnection.transports.WebSocketConnector.Builder builder,
            PersistentConnectionSettings settings,
            MessageTransport own,
            @Nullable MessageTransport defaults,
            String prefix) {
        Common values = common(settings, own, defaults, prefix);
        values.maxMessageSize.ifPresent(builder::maxMessageSize);
        values.outboundBufferSize.ifPresent(builder::outboundBufferSize);
        values.whenFull.ifPresent(builder::whenFull);
        values.sendWaitTimeout.ifPresent(builder::sendWaitTimeout);
        values.onHandlerError.ifPresent(builder::onHandlerError);
        values.executor.ifPresent(builder::handlerExecutor);
    }

    private void common(
            TcpConnector.Builder builder,
            PersistentConnectionSettings settings,
            MessageTransport own,
            @Nullable MessageTransport defaults,
            String prefix) {
        Common values = common(settings, own, defaults, prefix);
        values.maxMessageSize.ifPresent(builder::maxMessageSize);
        values.outboundBufferSize.ifPresent(builder::outboundBufferSize);
        values.whenFull.ifPresent(builder::whenFull);
        values.sendWaitTimeout.ifPresent(builder::sendWaitTimeout);
        values.onHandlerError.ifPresent(builder::onHandlerError);
        values.executor.ifPresent(builder::handlerExecutor);
    }

    /** The shared values a connection sets, or its defaults do; empty ones keep the transport's built-in value. */
    private record Common(
            Optional<Integer> maxMessageSize,
            Optional<Long> outboundBufferSize,
            Optional<WhenFull> whenFull,
            Optional<Duration> sendWaitTimeout,
            Optional<OnHandlerError> onHandlerError,
            Optional<Executor> executor) {}

    private Common common(
            PersistentConnectionSettings settings,
            MessageTransport own,
            @Nullable MessageTransport defaults,
            String prefix) {
        DataSize max = first(own.getMaxMessageSize(), defaults == null ? null : defaults.getMaxMessageSize());
        DataSize buffer =
                first(own.getOutboundBufferSize(), defaults == null ? null : defaults.getOutboundBufferSize());
        PersistentConnectionProperties.WhenFull whenFull =
                first(own.getWhenFull(), defaults == null ? null : defaults.getWhenFull());
        Duration wait = first(own.getSendWaitTimeout(), defaults == null ? null : defaults.getSendWaitTimeout());
        PersistentConnectionProperties.HandlerFailure failure =
                first(own.getOnHandlerError(), defaults == null ? null : defaults.getOnHandlerError());
        PersistentConnectionProperties.HandlerThread thread =
                first(own.getHandlerThread(), defaults == null ? null : defaults.getHandlerThread());
        Executor executor = null;
        if (thread == PersistentConnectionProperties.HandlerThread.TASK_EXECUTOR) {
            if (!beanFactory.containsBean(TASK_EXECUTOR_BEAN_NAME)) {
                throw new InvalidPersistentConnectionPropertyException(
                        prefix + ".handler-thread",
                        "task-executor",
                        "there is no '" + TASK_EXECUTOR_BEAN_NAME + "' bean to run the handler on",
                        "Keep Spring Boot's task execution auto-configuration (or define an Executor bean named '"
                                + TASK_EXECUTOR_BEAN_NAME + "'), or set '" + prefix + ".handler-thread' to io.");
            }
            executor = command ->
                    beanFactory.getBean(TASK_EXECUTOR_BEAN_NAME, Executor.class).execute(command);
        }
        return new Common(
                Optional.ofNullable(max).map(size -> (int) size.toBytes()),
                Optional.ofNullable(buffer).map(DataSize::toBytes),
                Optional.ofNullable(whenFull)
                        .map(w -> w == PersistentConnectionProperties.WhenFull.WAIT ? WhenFull.WAIT : WhenFull.FAIL),
                Optional.ofNullable(wait),
                Optional.ofNullable(failure)
                        .map(f -> f == PersistentConnectionProperties.HandlerFailure.RECONNECT
                                ? OnHandlerError.RECONNECT
                                : OnHandlerError.LOG),
                Optional.ofNullable(executor));
    }

    /**
     * The handler bean of the connection: the one {@link MessageHandler} named or qualified like the connection.
     * Found by name now, without creating it (it may itself need the connection bean); created on first use.
     */
    private MessageHandler handler(PersistentConnectionSettings settings) {
        String name = settings.name();
        List<String> candidates = new ArrayList<>();
        for (String bean :
                BeanFactoryUtils.beanNamesForTypeIncludingAncestors(beanFactory, MessageHandler.class, true, false)) {
            if (bean.equals(name) || BeanFactoryAnnotationUtils.isQualifierMatch(name::equals, bean, beanFactory)) {
                candidates.add(bean);
            }
        }
        if (candidates.size() != 1) {
            String example = "@Bean @Qualifier(\"" + name + "\") MessageHandler " + camel(name)
                    + "Handler() { return (session, message) -> ...; }";
            throw new InvalidPersistentConnectionPropertyException(
                    settings.propertyPrefix(),
                    null,
                    candidates.isEmpty()
                            ? "the connection has no MessageHandler bean: none is named or qualified '" + name + "'"
                            : "more than one MessageHandler bean is named or qualified '" + name + "': " + candidates,
                    candidates.isEmpty()
                            ? "Declare one, for example " + example + "."
                            : "Keep one of them for '" + name + "'.");
        }
        return new LazyHandler(beanFactory, candidates.get(0));
    }

    private static String camel(String name) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : name.toCharArray()) {
            if (Character.isLetterOrDigit(c)) {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            } else {
                upper = out.length() > 0;
            }
        }
        return out.length() == 0 ? "connection" : out.toString();
    }

    /** Resolves the handler bean on first use, after the context has created every singleton. */
    private static final class LazyHandler implements MessageHandler {
        private final ListableBeanFactory beanFactory;
        private final String beanName;
        private volatile @Nullable MessageHandler handler;

        LazyHandler(ListableBeanFactory beanFactory, String beanName) {
            this.beanFactory = beanFactory;
            this.beanName = beanName;
        }

        private MessageHandler handler() {
            MessageHandler h = handler;
            if (h == null) {
                h = beanFactory.getBean(beanName, MessageHandler.class);
                handler = h;
            }
            return h;
        }

        @Override
        public void onOpen(MessageSession session) throws Exception {
            handler().onOpen(session);
        }

        @Override
        public void onMessage(MessageSession session, Message message) throws Exception {
            handler().onMessage(session, message);
        }
    }

    private SSLContext sslContext(PersistentConnectionSettings settings, String bundleName) {
        String property = settings.propertyPrefix() + ".ssl.bundle";
        if (sslBundles == null) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    bundleName,
                    "there is no SslBundles bean to look the bundle up in",
                    "Define the bundle under spring.ssl.bundle.*, or remove '" + property + "'.");
        }
        SslBundle bundle = sslBundles.getBundle(bundleName);
        try {
            return bundle.createSslContext();
        } catch (RuntimeException ex) {
            throw new InvalidPersistentConnectionPropertyException(
                    property,
                    bundleName,
                    "the SSL bundle cannot be used by a TLS client: " + ex.getMessage(),
                    "Check the key store and trust store of spring.ssl.bundle.*." + bundleName + ".");
        }
    }

    private static <T> @Nullable T first(@Nullable T own, @Nullable T fromDefaults) {
        return (own != null) ? own : fromDefaults;
    }

    private static int orElse(@Nullable Integer value, int builtIn) {
        return (value != null) ? value : builtIn;
    }
}
