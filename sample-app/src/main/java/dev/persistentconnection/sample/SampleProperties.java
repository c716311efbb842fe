package dev.persistentconnection.sample;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The sample's own settings ({@code sample.*} in {@code application.yml}).
 *
 * @param quoteServer the embedded quote server
 * @param ticker      the task sent every second over the {@code quotes} connection
 */
@ConfigurationProperties("sample")
public record SampleProperties(@DefaultValue QuoteServer quoteServer, @DefaultValue Ticker ticker) {

    /**
     * @param host the address the embedded server binds (loopback only)
     * @param port its port; the {@code quotes} connection's address points here
     */
    public record QuoteServer(@DefaultValue("127.0.0.1") String host, @DefaultValue("7070") int port) {
    }

    /**
     * @param taskTimeout how long one task may take before it fails
     * @param streamEvery every how many ticks the streaming task is sent instead of a single quote
     */
    public record Ticker(@DefaultValue("2s") Duration taskTimeout, @DefaultValue("5") int streamEvery) {
    }
}
