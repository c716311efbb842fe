package dev.persistentconnection.sample.echo;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.persistentconnection.spring.ManagedPersistentConnection;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.PersistentConnections;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;

/**
 * The {@code echo} connection: the starter's custom-connector path, keeping a JDK {@code java.net.http.WebSocket}
 * open to the application's own echo endpoint (the way async_js keeps a browser's RPC connection alive). The
 * addresses are {@link URI}s; the starter still gives the connection its retry delay, jitter, back-off, events,
 * health, metrics and endpoint, from {@code persistent-connection.connections.echo.*}.
 */
@Configuration(proxyBeanMethods = false)
public class EchoConnectionConfiguration {

    /** Completes with the web server's port once it listens: the endpoint is on the app's own port. */
    private final CompletableFuture<Integer> serverPort = new CompletableFuture<>();

    @Bean
    PersistentConnectionRegistration<URI, EchoSession> echoConnection(
            @Value("${server.address:127.0.0.1}") String host) {
        HttpClient http = HttpClient.newBuilder().build();
        return PersistentConnectionRegistration.<URI, EchoSession>forConnection("echo")
                // Asked again before every attempt. The connections start before the web server does, so the
                // first attempt waits here for the port instead of failing.
                .addressSupplier(() -> endpoint(host))
                .connectorFactory(settings -> (uri, context) -> EchoSession.open(http, uri, settings.connectTimeout()))
                .lifecycle(EchoSession.LIFECYCLE)
                .build();
    }

    private CompletionStage<URI> endpoint(String host) {
        return serverPort.thenApply(port -> URI.create("ws://" + host + ":" + port + EchoServerConfiguration.PATH));
    }

    @EventListener
    void webServerStarted(WebServerInitializedEvent event) {
        if (!"management".equals(event.getApplicationContext().getServerNamespace())) {
            serverPort.complete(event.getWebServer().getPort());
        }
    }

    /**
     * This connection runs over the application's own web server, which stops before the starter closes the
     * connections: close it first, so that shutting down is not reported as a lost connection and a failed
     * reconnect. (The starter's own close later is a no-op.)
     */
    @EventListener
    void closing(ContextClosedEvent event) {
        serverPort.completeExceptionally(new IllegalStateException("the application is shutting down"));
        event.getApplicationContext().getBeanProvider(PersistentConnections.class)
                .ifAvailable(connections -> connections.findManaged("echo")
                        .ifPresent(ManagedPersistentConnection::closeAsync));
    }
}
