package dev.persistentconnection.spring.server;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.core.annotation.AliasFor;
import org.springframework.stereotype.Component;

/**
 * A bean whose {@link TaskMapping @TaskMapping} methods serve task codes on the auto-configured task server
 * ({@code persistent-connection.server.enabled=true}). A component: component scanning picks it up.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Component
public @interface TaskController {

    /** The bean name, as for {@link Component#value()}. */
    @AliasFor(annotation = Component.class)
    String value() default "";
}
