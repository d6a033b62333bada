//! `ConfigError`: every way loading or resolving a repo can fail, each naming the file and line.

use std::fmt;
use std::path::PathBuf;

/// An error found while loading or resolving a syncd repo.
///
/// File paths are relative to the repo root, so messages read like `apps/web/app.yaml:7:5: ...`.
/// Lines and columns are 1-based.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file or directory could not be read.
    #[error("{}: cannot read: {source}", file.display())]
    ReadFailed {
        /// The path that could not be read.
        file: PathBuf,
        /// The underlying IO error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid YAML, or does not match the schema (wrong type, unknown or missing field).
    #[error("{}:{line}:{col}: {message}", file.display())]
    ParseFailed {
        /// The file that failed to parse.
        file: PathBuf,
        /// Line of the offending node.
        line: usize,
        /// Column of the offending node.
        col: usize,
        /// What the parser said, without its own position suffix.
        message: String,
    },
    /// A file parsed but breaks a rule (bad name, path escaping the repo, out-of-range number, ...).
    #[error("{}:{line}:{col}: {message}", file.display())]
    Invalid {
        /// The file holding the offending node.
        file: PathBuf,
        /// Line of the offending node.
        line: usize,
        /// Column of the offending node.
        col: usize,
        /// What is wrong.
        message: String,
    },
    /// An environment lists an app that has no `apps/<name>/app.yaml`.
    #[error("{}:{line}:{col}: environment {env:?} lists app {app:?}, but there is no apps/{app}/app.yaml", file.display())]
    UnknownApp {
        /// The environment file.
        file: PathBuf,
        /// Line of the app entry.
        line: usize,
        /// Column of the app entry.
        col: usize,
        /// The environment's name.
        env: String,
        /// The app name that does not exist.
        app: String,
    },
    /// An environment lists the same app twice.
    #[error("{}:{line}:{col}: app {app:?} is listed twice (first at line {first_line})", file.display())]
    DuplicateApp {
        /// The environment file.
        file: PathBuf,
        /// Line of the second entry.
        line: usize,
        /// Column of the second entry.
        col: usize,
        /// Line of the first entry.
        first_line: usize,
        /// The app name listed twice.
        app: String,
    },
    /// `resolve` was asked for an environment that has no `environments/<name>.yaml`.
    #[error("unknown environment {name:?} (known: {})", known.join(", "))]
    UnknownEnvironment {
        /// The requested name.
        name: String,
        /// The environments the repo does define.
        known: Vec<String>,
    },
    /// Several of the errors above, in file order.
    #[error("{}", Many(errors))]
    Multiple {
        /// The individual errors (never nested, never fewer than two).
        errors: Vec<ConfigError>,
    },
}

impl ConfigError {
    /// The individual errors: the list of a `Multiple`, or this error alone.
    pub fn errors(&self) -> &[ConfigError] {
        match self {
            ConfigError::Multiple { errors } => errors,
            other => std::slice::from_ref(other),
        }
    }

    /// One error from many: `None` when empty, the error itself when alone, `Multiple` otherwise.
    pub(crate) fn collect(mut errors: Vec<ConfigError>) -> Option<ConfigError> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(ConfigError::Multiple { errors }),
        }
    }
}

/// Displays a list of errors one per line under a count.
struct Many<'a>(&'a [ConfigError]);

impl fmt::Display for Many<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} errors:", self.0.len())?;
        for e in self.0 {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}
