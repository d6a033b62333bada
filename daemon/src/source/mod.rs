//! Sources: where the files syncd renders come from — the GitOps repo itself (a local directory
//! or a cached git checkout), charts in git, Helm repositories and OCI registries, and extra
//! git sources such as training code. Every source resolves to something immutable (a commit or
//! a digest) before it is rendered.

pub mod credentials;
pub mod git;
mod local;

pub use local::{open_local, SourceError, SourceTree};
