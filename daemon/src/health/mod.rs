//! Health of applied objects: the [`Health`] scale, a pure per-object assessment ([`assess`],
//! rules after `kubectl rollout status` and Argo CD's health checks) and waiting for a set of
//! objects to become healthy ([`wait_healthy`]).
//!
//! Start reading at [`assess`]: it dispatches on group and kind to one small file per family of
//! kinds (workloads, pods, batch, services, scaling, storage, API extensions); everything else
//! falls back to the common `status.conditions` conventions in `conditions`.

mod api;
mod assess;
mod batch;
mod conditions;
mod pod;
mod scaling;
mod service;
mod storage;
mod wait;
mod workloads;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use assess::{assess, assess_with, AssessOptions};
pub use wait::{wait_healthy, wait_with, HealthReport, WaitOptions, Watched};

/// How healthy an object (or a set of objects) is. Ordered from best to worst, so the health of
/// a set is the `max` of its members (see [`worst`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Health {
    /// Every object is ready.
    Healthy,
    /// Not known yet (never synced, not waited for, or the object could not be read).
    Unknown,
    /// Rolling out, or waiting for a controller to catch up.
    Progressing,
    /// An object is missing from the cluster.
    Missing,
    /// An object failed (crash loop, failed Job, rollout past its progress deadline...).
    Degraded,
}

impl Health {
    /// The name as the API spells it (`healthy`, `progressing`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Unknown => "unknown",
            Health::Progressing => "progressing",
            Health::Missing => "missing",
            Health::Degraded => "degraded",
        }
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Health::Healthy => "Healthy",
            Health::Unknown => "Unknown",
            Health::Progressing => "Progressing",
            Health::Missing => "Missing",
            Health::Degraded => "Degraded",
        })
    }
}

/// The health of one object and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectHealth {
    /// The verdict.
    pub health: Health,
    /// What the verdict rests on (`0 of 3 updated replicas are available`); empty when there is
    /// nothing to add.
    pub message: String,
}

impl ObjectHealth {
    /// A verdict with a message.
    pub fn new(health: Health, message: impl Into<String>) -> ObjectHealth {
        ObjectHealth {
            health,
            message: message.into(),
        }
    }

    /// Healthy, nothing to add.
    pub fn healthy() -> ObjectHealth {
        ObjectHealth::new(Health::Healthy, "")
    }

    /// Healthy, with a note (`suspended`).
    pub fn healthy_because(message: impl Into<String>) -> ObjectHealth {
        ObjectHealth::new(Health::Healthy, message)
    }

    /// Progressing, because of `message`.
    pub fn progressing(message: impl Into<String>) -> ObjectHealth {
        ObjectHealth::new(Health::Progressing, message)
    }

    /// Degraded, because of `message`.
    pub fn degraded(message: impl Into<String>) -> ObjectHealth {
        ObjectHealth::new(Health::Degraded, message)
    }

    /// Whether the object is healthy.
    pub fn is_healthy(&self) -> bool {
        self.health == Health::Healthy
    }
}

/// `Progressing: 0 of 1 updated replicas are available`.
impl fmt::Display for ObjectHealth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.health)
        } else {
            write!(f, "{}: {}", self.health, self.message)
        }
    }
}

/// The worst of several healths; [`Health::Healthy`] for none.
pub fn worst(healths: impl IntoIterator<Item = Health>) -> Health {
    healths.into_iter().max().unwrap_or(Health::Healthy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_takes_the_least_healthy() {
        assert_eq!(worst([]), Health::Healthy);
        assert_eq!(worst([Health::Healthy, Health::Healthy]), Health::Healthy);
        assert_eq!(
            worst([Health::Healthy, Health::Progressing, Health::Unknown]),
            Health::Progressing
        );
        assert_eq!(
            worst([Health::Degraded, Health::Missing, Health::Progressing]),
            Health::Degraded
        );
        assert_eq!(
            worst([Health::Progressing, Health::Missing]),
            Health::Missing
        );
    }

    #[test]
    fn serializes_camel_case_like_the_status_api() {
        assert_eq!(
            serde_json::to_string(&Health::Progressing).unwrap(),
            "\"progressing\""
        );
        let back: Health = serde_json::from_str("\"degraded\"").unwrap();
        assert_eq!(back, Health::Degraded);
        for h in [
            Health::Healthy,
            Health::Unknown,
            Health::Progressing,
            Health::Missing,
            Health::Degraded,
        ] {
            assert_eq!(serde_json::to_value(h).unwrap(), h.as_str());
        }
    }

    #[test]
    fn display_names_health_then_message() {
        assert_eq!(
            ObjectHealth::progressing("0 of 1 updated replicas are available").to_string(),
            "Progressing: 0 of 1 updated replicas are available"
        );
        assert_eq!(ObjectHealth::healthy().to_string(), "Healthy");
    }
}
