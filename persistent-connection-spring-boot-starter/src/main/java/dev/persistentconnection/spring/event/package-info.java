/**
 * The connection events, republished as Spring application events.
 */
@NullMarked
package dev.persistentconnection.spring.event;

import org.jspecify.annotations.NullMarked;
