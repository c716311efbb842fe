package dev.persistentconnection.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns an {@link InvalidPersistentConnectionPropertyException} into a startup report naming the property. */
class InvalidPersistentConnectionPropertyFailureAnalyzer
        extends AbstractFailureAnalyzer<InvalidPersistentConnectionPropertyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidPersistentConnectionPropertyException cause) {
        String description = String.format("Invalid value for property '%s':%n%n    Property: %s%n    Value: %s%n"
                + "    Reason: %s%n", cause.getProperty(), cause.getProperty(),
                cause.getValue() == null ? "(none)" : cause.getValue(), cause.getReason());
        return new FailureAnalysis(description, cause.getAction(), cause);
    }
}
