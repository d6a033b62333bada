//! `WebhookSecrets`: the secret of each enabled provider and the body limit, read from the places
//! `WebhookSettings` names (environment variables, mounted files) once per config load.

use syncd_config::{SecretSource, WebhookSettings};

use super::{Provider, WebhookError};
use crate::source::credentials::{read_secret, Secret};

/// The secrets and limits the webhook endpoints use; `Debug` never shows a value.
#[derive(Clone, Debug)]
pub struct WebhookSecrets {
    github: Option<Secret>,
    gitlab: Option<Secret>,
    gitea: Option<Secret>,
    bitbucket: Option<Secret>,
    generic: Option<Secret>,
    max_body_bytes: usize,
}

impl WebhookSecrets {
    /// Reads every configured secret now.
    pub fn load(settings: &WebhookSettings) -> Result<WebhookSecrets, WebhookError> {
        Ok(WebhookSecrets {
            github: read(Provider::GitHub, settings.github.as_ref())?,
            gitlab: read(Provider::GitLab, settings.gitlab.as_ref())?,
            gitea: read(Provider::Gitea, settings.gitea.as_ref())?,
            bitbucket: read(Provider::Bitbucket, settings.bitbucket.as_ref())?,
            generic: read(Provider::Generic, settings.generic.as_ref())?,
            max_body_bytes: settings.max_body_bytes,
        })
    }

    /// The provider's secret; `None` means its endpoint is disabled.
    pub fn get(&self, provider: Provider) -> Option<&Secret> {
        match provider {
            Provider::GitHub => self.github.as_ref(),
            Provider::GitLab => self.gitlab.as_ref(),
            Provider::Gitea => self.gitea.as_ref(),
            Provider::Bitbucket => self.bitbucket.as_ref(),
            Provider::Generic => self.generic.as_ref(),
        }
    }

    /// The largest body accepted.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }
}

fn read(provider: Provider, source: Option<&SecretSource>) -> Result<Option<Secret>, WebhookError> {
    let Some(source) = source else {
        return Ok(None);
    };
    let secret = read_secret(source)
        .map_err(|source| WebhookError::SecretUnreadable { provider, source })?;
    if secret.expose().is_empty() {
        let place = match source {
            SecretSource::Env(name) => format!("environment variable {name}"),
            SecretSource::File(path) => format!("file {}", path.display()),
        };
        return Err(WebhookError::SecretEmpty { provider, place });
    }
    Ok(Some(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_and_empty_secrets_name_the_provider_and_place_not_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let settings = WebhookSettings {
            gitlab: Some(SecretSource::File(missing.clone())),
            ..WebhookSettings::default()
        };
        let err = WebhookSecrets::load(&settings).unwrap_err().to_string();
        assert!(err.starts_with("webhook secret for gitlab: "), "{err}");
        assert!(err.contains(&missing.display().to_string()), "{err}");

        let settings = WebhookSettings {
            bitbucket: Some(SecretSource::Env("SYNCD_TEST_WEBHOOK_SURELY_UNSET".into())),
            ..WebhookSettings::default()
        };
        let err = WebhookSecrets::load(&settings).unwrap_err().to_string();
        assert_eq!(
            err,
            "webhook secret for bitbucket: credential environment variable \
             SYNCD_TEST_WEBHOOK_SURELY_UNSET is not set"
        );

        let empty = dir.path().join("empty");
        std::fs::write(&empty, "\n").unwrap();
        let settings = WebhookSettings {
            github: Some(SecretSource::File(empty.clone())),
            ..WebhookSettings::default()
        };
        let err = WebhookSecrets::load(&settings).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "webhook secret for github from file {} is empty",
                empty.display()
            )
        );
    }

    #[test]
    fn only_configured_providers_have_a_secret() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hook");
        std::fs::write(&file, "s3cret\n").unwrap();
        let settings = WebhookSettings {
            gitea: Some(SecretSource::File(file)),
            max_body_bytes: 4096,
            ..WebhookSettings::default()
        };
        let secrets = WebhookSecrets::load(&settings).unwrap();
        assert_eq!(secrets.get(Provider::Gitea).unwrap().expose(), "s3cret");
        for p in [
            Provider::GitHub,
            Provider::GitLab,
            Provider::Bitbucket,
            Provider::Generic,
        ] {
            assert!(secrets.get(p).is_none(), "{p}");
        }
        assert_eq!(secrets.max_body_bytes(), 4096);
        assert!(!format!("{secrets:?}").contains("s3cret"));
    }
}
