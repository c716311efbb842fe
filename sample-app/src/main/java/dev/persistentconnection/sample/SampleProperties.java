package dev.persistentconnection.sample;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The sample's own settings ({@code sample.*} in {@code application.yml}).
 *
 * @param quoteServer where the quote server (the starter's task server) listens
 * @param ticker      the task sent every second over the {@code quotes} connection
 */
@ConfigurationProperties("sample")
public record SampleProperties(
        @DefaultValue QuoteServer quoteServer, @DefaultValue Ticker ticker) {

    /**
     * @param host the address the embedded server binds (loopback only)
     * @param port its port; the {@code quotes} connection's address points here
     */
    public record QuoteServer(
            @DefaultValue("127.0.0.1") String host,
            @DefaultValue("7070") int port) {}

    /**
     * @param streamEvery every how many ticks the streaming task is sent instead of a single quote
     */
    public record Ticker(@DefaultValue("5") int streamEvery) {}
}
