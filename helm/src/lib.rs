//! syncd's Helm renderer: a Go `text/template` engine, the Sprig and Helm function library, and
//! Helm's chart semantics (loading, dependencies, value coalescing, schema, `.Files`), producing the
//! same `{template path: text}` map Helm's SDK returns. No Kubernetes types live here.
//!
//! Start reading at [`chart::render`] (what the product calls), then [`template`] (the engine) and
//! [`funcs`] (the library). [`value::Value`] is the one data type all of them share.

pub mod chart;
pub mod funcs;
pub mod template;
pub mod value;
pub mod yaml;

pub use value::Value;
