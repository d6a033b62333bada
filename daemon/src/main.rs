//! The `syncd` binary: command-line edge of the pipeline.
fn main() {}
