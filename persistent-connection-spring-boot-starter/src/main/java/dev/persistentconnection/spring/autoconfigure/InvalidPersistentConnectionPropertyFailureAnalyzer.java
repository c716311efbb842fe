package dev.persistentconnection.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns an {@link InvalidPersistentConnectionPropertyException} into a startup report naming the property. */
class InvalidPersistentConnectionPropertyFailureAnalyzer
        extends AbstractFailureAnalyzer<InvalidPersistentConnectionPropertyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidPersistentConnectionPropertyException cause) {
        StringBuilder description = new StringBuilder();
        description.append(String.format("Invalid value for property '%s':%n%n", cause.getProperty()));
        description.append(String.format("    Property: %s%n", cause.getProperty()));
        description.append(String.format("    Value: \"%s\"%n", (cause.getValue() != null) ? cause.getValue() : ""));
        if (cause.getOrigin() != null) {
            description.append(String.format("    Origin: %s%n", cause.getOrigin()));
        }
        description.append(String.format("    Reason: %s%n", cause.getReason()));
        return new FailureAnalysis(description.toString(), cause.getAction(), cause);
    }
}
