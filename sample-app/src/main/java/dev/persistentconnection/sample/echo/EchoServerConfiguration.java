package dev.persistentconnection.sample.echo;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;

/** Serves the WebSocket echo endpoint at {@value #PATH} on the application's own port. */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
public class EchoServerConfiguration implements WebSocketConfigurer {

    public static final String PATH = "/ws/echo";

    private final EchoWebSocketHandler handler;

    public EchoServerConfiguration(EchoWebSocketHandler handler) {
        this.handler = handler;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        registry.addHandler(handler, PATH);
    }
}
