package dev.persistentconnection.test.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Import;

/**
 * Runs the application's persistent connections on virtual time in a Spring Boot test: the context gets one
 * {@link dev.persistentconnection.VirtualTimeSource} bean, which the starter hands to every connection it builds.
 * Retry delays and back-off then pass only when the test says so, and every step they trigger has run when the
 * call returns:
 *
 * <pre>{@code
 * @SpringBootTest
 * @VirtualTimeConnections
 * class OrderClientTest {
 *     @Autowired VirtualTimeSource time;
 *
 *     @Test
 *     void retriesOnlyWhenTheDelayHasPassed() {
 *         ...
 *         time.advanceBy(Duration.ofSeconds(10));
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Import(VirtualTimeConnectionsConfiguration.class)
public @interface VirtualTimeConnections {}
