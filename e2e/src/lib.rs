//! End-to-end tests of syncd against a real cluster; see `tests/`.
