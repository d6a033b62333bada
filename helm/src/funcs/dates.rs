//! Sprig's date functions.

use super::FuncMap;

/// Registers the date family.
pub(super) fn register(_fm: &mut FuncMap) {}
