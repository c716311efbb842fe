/**
 * Health indicator of a persistent connection.
 */
@NullMarked
package dev.persistentconnection.spring.health;

import org.jspecify.annotations.NullMarked;
