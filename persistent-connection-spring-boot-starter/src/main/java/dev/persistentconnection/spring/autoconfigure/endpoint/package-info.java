/**
 * Auto-configuration of the {@code persistentconnections} actuator endpoint.
 */
@NullMarked
package dev.persistentconnection.spring.autoconfigure.endpoint;

import org.jspecify.annotations.NullMarked;
