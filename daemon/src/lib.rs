//! syncd's pipeline: `source → render → plan → diff → apply → prune → history` (then
//! [`health`] for the daemon), one module per stage with plain data between them, wired by
//! [`engine`]; [`run`] is the daemon's loop over it and [`cli`] the one-shot commands. [`object`]
//! is the shared vocabulary; [`cluster`] is the only module that talks to the API server.

pub mod apply;
pub mod cli;
pub mod cluster;
pub mod diff;
pub mod engine;
pub mod health;
pub mod history;
pub mod inventory;
pub mod normalize;
pub mod object;
pub mod plan;
pub mod prune;
pub mod render;
pub mod run;
pub mod source;
