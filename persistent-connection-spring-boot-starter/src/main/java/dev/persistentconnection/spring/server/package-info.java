/**
 * The task server as a Spring application's: annotated handler methods, its lifecycle, health, meters and endpoint.
 */
@NullMarked
package dev.persistentconnection.spring.server;

import org.jspecify.annotations.NullMarked;
