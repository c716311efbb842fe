package dev.persistentconnection.spring.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.jspecify.annotations.Nullable;
import org.springframework.cloud.client.serviceregistry.Registration;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;
import org.springframework.context.SmartLifecycle;

/**
 * Publishes the task server's bound address in a Spring Cloud {@link ServiceRegistry} once it listens, and takes it
 * back before the server stops (its graceful stop included), so that clients with {@code discovery.service-id}
 * find the redundant copies of a service with no other code and stop choosing one that is going away. A restart of
 * the {@link ManagedTaskServer} while the application runs (its {@code stop()} then {@code start()}) withdraws and
 * publishes it again as well.
 */
public class TaskServerServiceRegistration implements SmartLifecycle, ManagedTaskServer.Listener {

    /** Just after the server's own phase: started after it listens, stopped before it stops. */
    public static final int PHASE = ManagedTaskServer.PHASE + 1;

    private final ManagedTaskServer server;
    private final ServiceRegistry<Registration> registry;
    private final TaskServerRegistrationFactory factory;
    private final String serviceId;
    private final @Nullable String host;
    private volatile @Nullable Registration registration;
    /** Started by the context once: from then on every start of the server publishes it again. */
    private boolean wanted;

    /**
     * @param host the address to publish; {@code null} for the bound address (this host's address when the server
     *        listens on every interface)
     */
    public TaskServerServiceRegistration(
            ManagedTaskServer server,
            ServiceRegistry<Registration> registry,
            TaskServerRegistrationFactory factory,
            String serviceId,
            @Nullable String host) {
        this.server = server;
        this.registry = registry;
        this.factory = factory;
        this.serviceId = serviceId;
        this.host = host;
        server.addListener(this);
    }

    /** Publishes the server's address, unless it is published already. */
    @Override
    public synchronized void start() {
        if (registration == null) {
            register(server.localAddress()
                    .orElseThrow(() -> new IllegalStateException("the task server is not listening")));
        }
    }

    /** Withdraws the server's address, if it is published. */
    @Override
    public synchronized void stop() {
        Registration r = registration;
        registration = null;
        if (r != null) {
            registry.deregister(r);
        }
    }

    /** The server (re)started: published again, once the context has started this registration. */
    @Override
    public synchronized void started(InetSocketAddress address) {
        if (registration == null && wanted) {
            register(address);
        }
    }

    /** The server is stopping: withdrawn first, so that clients stop choosing it. */
    @Override
    public void stopping() {
        stop();
    }

    private void register(InetSocketAddress bound) {
        Registration r = factory.registration(serviceId, host != null ? host : advertised(bound), bound.getPort());
        registry.register(r);
        registration = r;
        wanted = true;
    }

    /** The registration published now, or {@code null}. */
    public @Nullable Registration getRegistration() {
        return registration;
    }

    @Override
    public boolean isRunning() {
        return registration != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    private static String advertised(InetSocketAddress bound) {
        InetAddress address = bound.getAddress();
        if (!address.isAnyLocalAddress()) {
            return address.getHostAddress();
        }
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException ex) {
            return InetAddress.getLoopbackAddress().getHostAddress();
        }
    }
}
