package dev.persistentconnection.faults;

import dev.persistentconnection.tasks.ConnectedClient;
import dev.persistentconnection.tasks.TaskClient;
import java.time.Instant;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What happened to each proxied connection, as its three parties saw it: the proxy's pair (the faults that hit it),
 * the server's session and the {@link TaskClient} (why each side closed). The parties know each other only by port
 * (the server sees the proxy's upstream port, the proxy sees the client's port), and ports are reused, so they are
 * joined by port and time ({@link PortHistory}): a session belongs to the pair that held its port when the session
 * was accepted, a client to the pair that held its port when the client was created.
 */
final class ConnectionFates {
    private final PortHistory<FaultProxy.Pair> byUpstreamPort = new PortHistory<>();
    private final PortHistory<FaultProxy.Pair> byClientPort = new PortHistory<>();
    private final Map<FaultProxy.Pair, TaskClient> clients = new IdentityHashMap<>();

    /**
     * @param pairs every connection the proxy accepted
     * @param created every client the connector created, with the instant it was created (after its handshake)
     */
    ConnectionFates(List<FaultProxy.Pair> pairs, Map<TaskClient, Instant> created) {
        for (FaultProxy.Pair p : pairs) {
            byClientPort.add(p.clientPort, p.acceptedAt, p);
            if (p.upstreamLocalPort >= 0) {
                byUpstreamPort.add(p.upstreamLocalPort, p.upstreamOpenedAt, p);
            }
        }
        created.forEach((client, at) -> {
            FaultProxy.Pair p = byClientPort.at(Instrumented.localPort(client), at);
            if (p != null) {
                clients.put(p, client);
            }
        });
    }

    /** The proxy connection that carried a server session whose client port is {@code remotePort}; null if none. */
    FaultProxy.Pair pair(ConnectedClient session, int remotePort) {
        return byUpstreamPort.at(remotePort, session.connectedAt());
    }

    /** The client at the other end of a proxy connection; null if none (the connect failed before a client). */
    TaskClient client(FaultProxy.Pair pair) {
        return pair == null ? null : clients.get(pair);
    }

    /**
     * Why a server session may legitimately have lost an answer (a fault hit its connection, its server crashed or
     * ended the grace period, a heartbeat timed out), or null if nothing disrupted it.
     */
    String disruption(ConnectedClient session, int remotePort) {
        FaultProxy.Pair pair = pair(session, remotePort);
        if (pair == null) {
            return "not proxied?";
        }
        if (!pair.tags().isEmpty()) {
            return "proxy " + pair.tags();
        }
        String serverReason = session.closeReason().orElse("open");
        if (serverReason.equals("server stopped")
                || serverReason.contains("grace period over")
                || serverReason.contains("heartbeat")) {
            return "server: " + serverReason.replaceAll("\\d+", "N");
        }
        TaskClient client = client(pair);
        String clientReason =
                client == null ? "no client" : client.closeReason().orElse("open");
        if (clientReason.contains("heartbeat")) {
            return "client: " + clientReason.replaceAll("\\d+", "N");
        }
        return null;
    }

    /** The three views of a session's connection, for a violation report. */
    String describe(ConnectedClient session, int remotePort) {
        FaultProxy.Pair pair = pair(session, remotePort);
        TaskClient client = client(pair);
        return "server side " + session + " closed: " + session.closeReason().orElse("open") + "; proxy " + pair
                + "; client " + client + " closed: "
                + (client == null ? "?" : client.closeReason().orElse("open"));
    }

    /** Client ports and upstream ports that more than one proxy connection used. */
    String reusedPorts() {
        return byClientPort.reusedPorts() + " / " + byUpstreamPort.reusedPorts();
    }
}
