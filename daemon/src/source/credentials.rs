//! Credentials for remote sources: where they are read from (environment variables, files) and a
//! value type that never prints, so secrets cannot reach logs, errors or history.

use std::fmt;
use std::path::PathBuf;

use syncd_config::SecretSource;

/// A secret value. `Debug` and `Display` print `<redacted>`; only [`Secret::expose`] reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that sends it (an auth header, a git callback).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A secret could not be read. Names the place, never the value.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The environment variable is not set (or not UTF-8).
    #[error("credential environment variable {0} is not set")]
    MissingEnv(String),
    /// The file could not be read.
    #[error("cannot read credential file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Reads the secret from the place the config names, now (so a rotated file is picked up on
/// the next read). A file loses one trailing newline.
pub fn read_secret(place: &SecretSource) -> Result<Secret, CredentialError> {
    match place {
        SecretSource::Env(name) => std::env::var(name)
            .map(Secret)
            .map_err(|_| CredentialError::MissingEnv(name.clone())),
        SecretSource::File(path) => {
            let mut text =
                std::fs::read_to_string(path).map_err(|source| CredentialError::File {
                    path: path.clone(),
                    source,
                })?;
            if text.ends_with('\n') {
                text.pop();
                if text.ends_with('\r') {
                    text.pop();
                }
            }
            Ok(Secret(text))
        }
    }
}

/// How to authenticate to one remote (git server, chart repository, registry), resolved from the
/// config's references just before use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Credentials {
    /// Anonymous.
    #[default]
    None,
    /// HTTP basic auth (git smart HTTP, chart repositories, registry token exchange).
    Basic {
        /// The user name (not secret).
        username: String,
        /// The password or personal access token.
        password: Secret,
    },
    /// A bearer token (`Authorization: Bearer`); for git over https it is sent as the basic-auth
    /// password, the way GitHub and GitLab accept tokens.
    Token(Secret),
    /// An ssh private key, with the known_hosts file the server's host key must be listed in.
    /// There is no trust-on-first-use: an unknown or changed host key is an error.
    SshKey {
        /// The user (usually `git`).
        username: String,
        /// The private key file.
        private_key: PathBuf,
        /// The key's passphrase, if it has one.
        passphrase: Option<Secret>,
        /// An OpenSSH known_hosts file (plain or hashed entries).
        known_hosts: PathBuf,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let creds = Credentials::Basic {
            username: "ci".into(),
            password: Secret::new("hunter2"),
        };
        let shown = format!("{creds:?} {}", Secret::new("hunter2"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn file_secret_drops_one_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "abc\n").unwrap();
        assert_eq!(
            read_secret(&SecretSource::File(path)).unwrap().expose(),
            "abc"
        );
        let err = read_secret(&SecretSource::Env("SYNCD_TEST_SURELY_UNSET".into())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "credential environment variable SYNCD_TEST_SURELY_UNSET is not set"
        );
    }
}
