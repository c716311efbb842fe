/**
 * Micrometer meters of the persistent connections.
 */
@NullMarked
package dev.persistentconnection.spring.metrics;

import org.jspecify.annotations.NullMarked;
