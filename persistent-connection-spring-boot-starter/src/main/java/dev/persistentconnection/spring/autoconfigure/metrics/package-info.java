/**
 * Auto-configuration of the persistent connections' Micrometer meters.
 */
@NullMarked
package dev.persistentconnection.spring.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
