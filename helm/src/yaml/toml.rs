//! TOML for `toToml`/`fromToml`, as BurntSushi/toml encodes and decodes it.

use crate::value::Value;

/// `toToml`.
pub fn to_toml(_v: &Value) -> String {
    String::new()
}

/// `fromToml`.
pub fn from_toml(_s: &str) -> Value {
    Value::empty_map()
}
