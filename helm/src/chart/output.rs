//! `helm template`-style output (stub).
