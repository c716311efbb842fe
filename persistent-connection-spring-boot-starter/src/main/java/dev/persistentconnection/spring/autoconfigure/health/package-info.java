/**
 * Auto-configuration of the persistent connections' health contributor.
 */
@NullMarked
package dev.persistentconnection.spring.autoconfigure.health;

import org.jspecify.annotations.NullMarked;
