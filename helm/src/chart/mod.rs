//! Helm chart semantics: loading charts and subcharts, dependencies, value coalescing, schema
//! validation, `.Files`, capabilities, and rendering every template like Helm's engine.
