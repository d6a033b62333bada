//! Corpus conformance test (stub).
