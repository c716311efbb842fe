package dev.persistentconnection.sample.status;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Tells where the status page is, once the web server listens. */
@Component
class StartupMessage {

    private static final Logger log = LoggerFactory.getLogger(StartupMessage.class);

    private final String host;

    StartupMessage(@Value("${server.address:127.0.0.1}") String host) {
        this.host = host;
    }

    @EventListener
    void started(WebServerInitializedEvent event) {
        if (!"management".equals(event.getApplicationContext().getServerNamespace())) {
            String base = "http://" + host + ":" + event.getWebServer().getPort();
            log.info(
                    "Status page: {}/   health: {}/actuator/health   connections: {}/actuator/persistentconnections",
                    base,
                    base,
                    base);
        }
    }
}
