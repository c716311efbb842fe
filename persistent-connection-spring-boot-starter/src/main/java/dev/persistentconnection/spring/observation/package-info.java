/**
 * Micrometer observations of typed calls, server tasks and connection attempts.
 */
@NullMarked
package dev.persistentconnection.spring.observation;

import org.jspecify.annotations.NullMarked;
