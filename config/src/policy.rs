//! Sync policy: what syncd may do to the cluster for one app, its defaults, and field-wise overrides.

use serde::Deserialize;

/// How one app is synced. Defaults are the ones documented in the README.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncPolicy {
    /// Delete objects that left Git (only ones syncd applied and still owns).
    pub prune: bool,
    /// Server-side apply with force: take over fields owned by other field managers.
    pub force_conflicts: bool,
    /// How many revisions of history to keep (at least 1).
    pub history_limit: u32,
    /// The largest prune syncd performs without refusing.
    pub prune_budget: PruneBudget,
    /// What to do when a change touches an immutable field.
    pub immutable: ImmutablePolicy,
    /// What the daemon does when a live object drifts from what it applied.
    pub self_heal: SelfHeal,
    /// Roll back to the last healthy revision when a sync ends unhealthy (daemon only).
    pub auto_rollback: bool,
    /// How long the daemon waits for an app to become healthy after a sync.
    pub health_timeout: std::time::Duration,
}

impl Default for SyncPolicy {
    fn default() -> SyncPolicy {
        SyncPolicy {
            prune: true,
            force_conflicts: true,
            history_limit: 10,
            prune_budget: PruneBudget::default(),
            immutable: ImmutablePolicy::Recreate,
            self_heal: SelfHeal::Heal,
            auto_rollback: false,
            health_timeout: std::time::Duration::from_secs(300),
        }
    }
}

impl SyncPolicy {
    /// This policy with every field `over` sets replaced, the others kept.
    pub fn with(&self, over: &PolicyOverride) -> SyncPolicy {
        SyncPolicy {
            prune: over.prune.unwrap_or(self.prune),
            force_conflicts: over.force_conflicts.unwrap_or(self.force_conflicts),
            history_limit: over.history_limit.unwrap_or(self.history_limit),
            prune_budget: PruneBudget {
                max_percent: over.max_percent.unwrap_or(self.prune_budget.max_percent),
                max_objects: over.max_objects.unwrap_or(self.prune_budget.max_objects),
            },
            immutable: over.immutable.unwrap_or(self.immutable),
            self_heal: over.self_heal.unwrap_or(self.self_heal),
            auto_rollback: over.auto_rollback.unwrap_or(self.auto_rollback),
            health_timeout: over.health_timeout.unwrap_or(self.health_timeout),
        }
    }
}

/// A limit on how much one prune may delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PruneBudget {
    /// Percent (0-100) of the previous inventory.
    pub max_percent: u32,
    /// Number of objects.
    pub max_objects: u32,
}

impl Default for PruneBudget {
    fn default() -> PruneBudget {
        PruneBudget {
            max_percent: 50,
            max_objects: 5,
        }
    }
}

impl PruneBudget {
    /// True when deleting `deletes` of `previous` objects exceeds the budget: more than
    /// `max_percent`% of `previous` AND more than `max_objects`. A small app may therefore
    /// lose all its objects, and a big one a few, but a big app never loses most of them.
    pub fn exceeded(&self, deletes: usize, previous: usize) -> bool {
        let over_count = deletes as u128 > u128::from(self.max_objects);
        let over_percent = deletes as u128 * 100 > u128::from(self.max_percent) * previous as u128;
        over_count && over_percent
    }
}

/// What to do when an apply changes an immutable field (a Job's pod template, a Service's
/// clusterIP, a Deployment's selector, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImmutablePolicy {
    /// Delete the object and create it again.
    Recreate,
    /// Report the object as failed and leave it alone.
    Fail,
}

/// What the daemon does about drift in fields syncd owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SelfHeal {
    /// Apply again what Git says.
    Heal,
    /// Report the drift (status, metrics, events) and leave the object alone.
    Report,
}

/// Parses a duration written `200ms`, `90s`, `5m`, `1h` or plain seconds.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 90s, 5m or 1h"))?;
    let secs = match unit {
        "ms" => return Ok(std::time::Duration::from_millis(n)),
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use ms, s, m or h)")),
    };
    Ok(std::time::Duration::from_secs(secs))
}

/// A field-wise override of a [`SyncPolicy`]: `None` keeps the value underneath.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyOverride {
    /// Overrides [`SyncPolicy::prune`].
    pub prune: Option<bool>,
    /// Overrides [`SyncPolicy::force_conflicts`].
    pub force_conflicts: Option<bool>,
    /// Overrides [`SyncPolicy::history_limit`].
    pub history_limit: Option<u32>,
    /// Overrides [`PruneBudget::max_percent`].
    pub max_percent: Option<u32>,
    /// Overrides [`PruneBudget::max_objects`].
    pub max_objects: Option<u32>,
    /// Overrides [`SyncPolicy::immutable`].
    pub immutable: Option<ImmutablePolicy>,
    /// Overrides [`SyncPolicy::self_heal`].
    pub self_heal: Option<SelfHeal>,
    /// Overrides [`SyncPolicy::auto_rollback`].
    pub auto_rollback: Option<bool>,
    /// Overrides [`SyncPolicy::health_timeout`].
    pub health_timeout: Option<std::time::Duration>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        use std::time::Duration;
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("m").is_err());
    }

    #[test]
    fn budget_needs_both_limits_exceeded() {
        let b = PruneBudget::default(); // 50%, 5 objects
        assert!(b.exceeded(6, 10), "60% and 6 > 5");
        assert!(!b.exceeded(5, 6), "83% but not more than 5 objects");
        assert!(!b.exceeded(3, 4), "75% but only 3 objects");
        assert!(!b.exceeded(6, 12), "6 objects but exactly 50%");
        assert!(b.exceeded(7, 12), "58% and 7 objects");
        assert!(!b.exceeded(0, 0));
        assert!(b.exceeded(6, 0), "nothing to delete from, yet deleting");
    }

    #[test]
    fn zero_budget_refuses_any_delete() {
        let b = PruneBudget {
            max_percent: 0,
            max_objects: 0,
        };
        assert!(b.exceeded(1, 100));
        assert!(!b.exceeded(0, 100));
    }

    #[test]
    fn full_percent_never_refuses() {
        let b = PruneBudget {
            max_percent: 100,
            max_objects: 0,
        };
        assert!(!b.exceeded(10, 10));
    }

    #[test]
    fn override_replaces_only_set_fields() {
        let base = SyncPolicy::default();
        let over = PolicyOverride {
            prune: Some(false),
            max_objects: Some(20),
            ..PolicyOverride::default()
        };
        let got = base.with(&over);
        assert!(!got.prune);
        assert!(got.force_conflicts);
        assert_eq!(got.history_limit, 10);
        assert_eq!(
            got.prune_budget,
            PruneBudget {
                max_percent: 50,
                max_objects: 20
            }
        );
        assert_eq!(got.immutable, ImmutablePolicy::Recreate);
        assert_eq!(base.with(&PolicyOverride::default()), base);
    }
}
