package dev.persistentconnection.transports;

import dev.persistentconnection.Connector;

/**
 * A connector of message sessions ({@link WebSocketConnector}, {@link TcpConnector}): it owns I/O threads, which
 * {@link #close()} stops, and counts what its sessions sent and received.
 *
 * @param <A> the address type
 * @param <S> the session type
 */
public interface MessageConnector<A, S extends MessageSession> extends Connector<A, S>, AutoCloseable {

    /** Totals over every session this connector opened. */
    TransportCounters counters();

    /** Closes the sessions still open and stops the connector's threads; later connects fail. */
    @Override
    void close();
}
