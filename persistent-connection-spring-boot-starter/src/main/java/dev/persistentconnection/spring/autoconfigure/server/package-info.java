/**
 * Auto-configuration of the task server and its configuration properties.
 */
@NullMarked
package dev.persistentconnection.spring.autoconfigure.server;

import org.jspecify.annotations.NullMarked;
