/**
 * Auto-configuration of the task payload codec.
 */
@NullMarked
package dev.persistentconnection.spring.autoconfigure.codec;

import org.jspecify.annotations.NullMarked;
