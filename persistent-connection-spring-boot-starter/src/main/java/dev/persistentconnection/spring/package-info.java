/**
 * The starter's runtime types: the managed connections, their registry, settings, registrations and customizers.
 */
@NullMarked
package dev.persistentconnection.spring;

import org.jspecify.annotations.NullMarked;
