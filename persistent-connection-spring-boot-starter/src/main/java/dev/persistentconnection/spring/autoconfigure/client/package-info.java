/**
 * Auto-configuration of the typed-call templates, one per connection.
 */
@NullMarked
package dev.persistentconnection.spring.autoconfigure.client;

import org.jspecify.annotations.NullMarked;
