//! Push webhooks: one endpoint per git provider (`POST /webhooks/<provider>`), each enabled only
//! when its secret is configured. A delivery is size-limited, authenticated against the raw body,
//! parsed into [`Trigger`]s, deduplicated by delivery id and handed to the daemon's loop.

mod bitbucket;
mod dedupe;
mod generic;
mod gitea;
mod github;
mod gitlab;
mod handle;
mod push;
mod secrets;
mod verify;

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use axum::routing::post;
use axum::Router;
use syncd_config::WebhookSettings;
use tokio::sync::mpsc;

use crate::run::metrics::Metrics;
use crate::run::trigger::Trigger;
use crate::source::credentials::CredentialError;

use dedupe::Dedupe;
pub use secrets::WebhookSecrets;

/// A git hosting provider syncd accepts push webhooks from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provider {
    /// GitHub and GitHub Enterprise Server.
    GitHub,
    /// GitLab.
    GitLab,
    /// Gitea (and Forgejo).
    Gitea,
    /// Bitbucket Server / Data Center.
    Bitbucket,
    /// Anything that can sign a small JSON body (CI jobs, scripts).
    Generic,
}

impl Provider {
    /// Every provider, in route order.
    pub const ALL: [Provider; 5] = [
        Provider::GitHub,
        Provider::GitLab,
        Provider::Gitea,
        Provider::Bitbucket,
        Provider::Generic,
    ];

    /// The name used in the route, the config, metrics labels and [`TriggerReason::Webhook`].
    ///
    /// [`TriggerReason::Webhook`]: crate::run::trigger::TriggerReason::Webhook
    pub fn name(self) -> &'static str {
        match self {
            Provider::GitHub => "github",
            Provider::GitLab => "gitlab",
            Provider::Gitea => "gitea",
            Provider::Bitbucket => "bitbucket",
            Provider::Generic => "generic",
        }
    }

    /// The route this provider is served on.
    pub fn path(self) -> String {
        format!("/webhooks/{}", self.name())
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A webhook secret could not be loaded. Names the provider and where it looked, never the value.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The environment variable is unset or the file unreadable.
    #[error("webhook secret for {provider}: {source}")]
    SecretUnreadable {
        /// The provider whose secret it is.
        provider: Provider,
        /// Why it could not be read (names the variable or file).
        #[source]
        source: CredentialError,
    },
    /// The secret was read but is empty; an empty key would authenticate anyone who knows that.
    #[error("webhook secret for {provider} from {place} is empty")]
    SecretEmpty {
        /// The provider whose secret it is.
        provider: Provider,
        /// `environment variable X` or `file /path`.
        place: String,
    },
}

/// What the webhook handlers share: the current secrets and limits (replaced on config reload),
/// the trigger channel, metrics and the recent delivery ids. Cheap to clone.
#[derive(Clone)]
pub struct WebhookState {
    shared: Arc<Shared>,
}

struct Shared {
    // A std lock is enough: it is held only to clone the Arc, never across an await.
    secrets: RwLock<Arc<WebhookSecrets>>,
    triggers: mpsc::Sender<Trigger>,
    metrics: Arc<Metrics>,
    dedupe: Mutex<Dedupe>,
}

impl fmt::Debug for WebhookState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookState")
            .field("secrets", &self.secrets())
            .finish_non_exhaustive()
    }
}

impl WebhookState {
    /// Reads every configured secret now; an unreadable or empty one is an error naming the
    /// provider and the variable or file.
    pub fn new(
        settings: &WebhookSettings,
        triggers: mpsc::Sender<Trigger>,
        metrics: Arc<Metrics>,
    ) -> Result<WebhookState, WebhookError> {
        Ok(WebhookState::with_secrets(
            WebhookSecrets::load(settings)?,
            triggers,
            metrics,
        ))
    }

    /// A state from secrets already loaded.
    pub fn with_secrets(
        secrets: WebhookSecrets,
        triggers: mpsc::Sender<Trigger>,
        metrics: Arc<Metrics>,
    ) -> WebhookState {
        WebhookState {
            shared: Arc::new(Shared {
                secrets: RwLock::new(Arc::new(secrets)),
                triggers,
                metrics,
                dedupe: Mutex::new(Dedupe::new(dedupe::CAPACITY)),
            }),
        }
    }

    /// Re-reads the secrets and limits from a reloaded config. All of them are read before any is
    /// swapped in, so a failed reload leaves the previous ones serving.
    pub fn reload(&self, settings: &WebhookSettings) -> Result<(), WebhookError> {
        let fresh = Arc::new(WebhookSecrets::load(settings)?);
        let mut guard = self
            .shared
            .secrets
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        *guard = fresh;
        Ok(())
    }

    /// The providers whose endpoint is enabled now.
    pub fn enabled(&self) -> Vec<Provider> {
        let secrets = self.secrets();
        Provider::ALL
            .into_iter()
            .filter(|p| secrets.get(*p).is_some())
            .collect()
    }

    fn secrets(&self) -> Arc<WebhookSecrets> {
        Arc::clone(
            &self
                .shared
                .secrets
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }
}

/// The webhook routes, `POST /webhooks/{github,gitlab,gitea,bitbucket,generic}`. Every route
/// exists; one whose secret is not configured answers 404, so a reload can enable it.
pub fn router(state: WebhookState) -> Router {
    Provider::ALL
        .into_iter()
        .fold(Router::new(), |router, provider| {
            router.route(
                &provider.path(),
                post(
                    move |axum::extract::State(state): axum::extract::State<WebhookState>,
                          request: axum::extract::Request| {
                        handle::deliver(state, provider, request)
                    },
                ),
            )
        })
        .with_state(state)
}
