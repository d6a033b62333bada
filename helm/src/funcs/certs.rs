//! Sprig's key and certificate generators.

use super::FuncMap;

/// Registers the certificate family.
pub(super) fn register(_fm: &mut FuncMap) {}
