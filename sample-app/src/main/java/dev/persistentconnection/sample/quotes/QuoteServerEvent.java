package dev.persistentconnection.sample.quotes;

import org.springframework.context.ApplicationEvent;

/** The embedded quote server is stopping, stopped, or started (shown on the status page's timeline). */
public class QuoteServerEvent extends ApplicationEvent {

    private final String kind;
    private final String address;

    public QuoteServerEvent(Object source, String kind, String address) {
        super(source);
        this.kind = kind;
        this.address = address;
    }

    /** {@code Server_stopping}, {@code Server_stopped}, {@code Server_started} or {@code Server_start_failed}. */
    public String getKind() {
        return kind;
    }

    /** {@code host:port} of the server. */
    public String getAddress() {
        return address;
    }
}
