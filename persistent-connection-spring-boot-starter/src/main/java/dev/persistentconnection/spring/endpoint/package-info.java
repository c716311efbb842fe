/**
 * The {@code persistentconnections} actuator endpoint.
 */
@NullMarked
package dev.persistentconnection.spring.endpoint;

import org.jspecify.annotations.NullMarked;
