//! The YAML/TOML template functions Helm adds (`pkg/engine/funcs.go`).

use crate::funcs::FuncMap;

/// Registers `toYaml`, `mustToYaml`, `toYamlPretty`, `fromYaml`, `fromYamlArray`, `toToml`,
/// `mustToToml` and `fromToml`.
pub fn register(_fm: &mut FuncMap) {}
