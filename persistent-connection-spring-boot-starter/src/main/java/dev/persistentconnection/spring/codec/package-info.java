/**
 * Task payloads as values: byte[], String and JSON through Boot's JSON mapper, and the framing of streamed elements.
 */
@NullMarked
package dev.persistentconnection.spring.codec;

import org.jspecify.annotations.NullMarked;
