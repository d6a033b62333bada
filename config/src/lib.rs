//! The declarative model of a syncd GitOps repo: raw file formats, validation, and resolution
//! into what the pipeline consumes.
//!
//! Start at [`Repo::load`] (reads and validates `apps/*/app.yaml` and `environments/*.yaml`)
//! and [`Repo::resolve`] (one environment's apps with every override applied). The file
//! format is documented in this crate's README.
//!
//! ```no_run
//! use syncd_config::{Repo, SourceSpec};
//!
//! let repo = Repo::load("examples/ml-platform".as_ref())?;
//! for app in repo.resolve("prod")?.apps {
//!     if let SourceSpec::Manifests { path, .. } = &app.source {
//!         println!("{} -> {:?}: {}", app.name, app.namespace, path.display());
//!     }
//! }
//! # Ok::<(), syncd_config::ConfigError>(())
//! ```

mod app;
mod daemon;
mod environment;
mod error;
mod load;
mod model;
mod policy;
mod position;
mod raw;
mod remote;
mod resolve;
mod rules;
mod validate;

#[cfg(test)]
mod testutil;

pub use daemon::{
    DaemonConfig, LeaderElection, RepoSpec, RetrySettings, WebhookSettings, DAEMON_KIND,
};
pub use error::ConfigError;
pub use model::{
    App, ChartSource, CredentialsSpec, EnvApp, Environment, ExtraSource, Repo, ResolvedApp,
    ResolvedEnv, SecretSource, SourceSpec,
};
pub use policy::{
    parse_duration, ImmutablePolicy, PolicyOverride, PruneBudget, SelfHeal, SyncPolicy,
};
