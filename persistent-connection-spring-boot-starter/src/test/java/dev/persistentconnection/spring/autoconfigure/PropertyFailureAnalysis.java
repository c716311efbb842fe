package dev.persistentconnection.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import org.springframework.boot.diagnostics.FailureAnalysis;

/** The starter's failure analysis of a startup failure, for tests in other packages. */
public final class PropertyFailureAnalysis {

    private PropertyFailureAnalysis() {}

    /** The analysis; fails the test if the failure is not an invalid property. */
    public static FailureAnalysis of(Throwable failure) {
        assertThat(failure).isNotNull();
        FailureAnalysis analysis = new InvalidPersistentConnectionPropertyFailureAnalyzer().analyze(failure);
        assertThat(analysis).as("analysis of %s", failure).isNotNull();
        return analysis;
    }
}
