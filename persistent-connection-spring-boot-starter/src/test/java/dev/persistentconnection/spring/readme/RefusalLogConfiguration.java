package dev.persistentconnection.spring.readme;

import dev.persistentconnection.tasks.TaskServerListener;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

// README: "Task server: annotated handlers" (refusals), tested by TaskServerRejectionMetricsTest.
@Configuration(proxyBeanMethods = false)
public class RefusalLogConfiguration {

    private static final Log log = LogFactory.getLog(RefusalLogConfiguration.class);

    @Bean
    TaskServerListener refusalLog() {
        // Called on an I/O thread: return at once.
        return (reason, address, detail) ->
                log.warn("task server refused " + address.getHostAddress() + " (" + reason.tag() + "): " + detail);
    }
}
