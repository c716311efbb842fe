/**
 * Auto-configuration of the connection attempt observations.
 */
@NullMarked
package dev.persistentconnection.spring.autoconfigure.observation;

import org.jspecify.annotations.NullMarked;
