//! Test helpers shared by the function families' tests: call a library function by name.

use super::FuncError;
use crate::value::Value;

/// Calls library function `name` (panicking if there is none).
pub(crate) fn call(name: &str, args: &[Value]) -> Result<Value, FuncError> {
    (super::library().get(name).expect(name))(args)
}

/// Calls `name` and prints its result as Go's `%v` would.
pub(crate) fn text(name: &str, args: &[Value]) -> String {
    call(name, args).unwrap().to_string()
}
