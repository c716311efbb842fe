/**
 * Typed calls on a task connection, with deadlines that say why a call did not get through.
 */
@NullMarked
package dev.persistentconnection.spring.client;

import org.jspecify.annotations.NullMarked;
