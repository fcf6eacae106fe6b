package org.moe4j.conformance;

/** Runs one kind of conformance case through moe4j's own layers and returns every tensor it reproduces. */
public interface CaseKind {
    CaseTensors run(ConformanceCase c);
}
