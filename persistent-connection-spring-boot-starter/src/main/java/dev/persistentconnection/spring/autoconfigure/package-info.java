/**
 * Auto-configuration of the named persistent connections and the configuration properties they are bound from.
 */
@NullMarked
package dev.persistentconnection.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
