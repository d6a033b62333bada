//! Binds the chart layer to the template executor: one template set per render, Helm's
//! error clean-up, `<no value>` removal.

use std::collections::BTreeMap;

use super::render::{RenderOptions, Renderable};
use super::RenderError;
use crate::value::Value;

/// Parses every template (in the given order) into one set and executes the non-partials.
pub fn execute_all(
    _tpls: &[Renderable],
    _datas: &[Value],
    _opts: &RenderOptions,
    _host: &dyn crate::template::Host,
) -> Result<BTreeMap<String, String>, RenderError> {
    Err(RenderError::Values("executor not merged yet".into()))
}
