//! Chart hooks as a plan: parses `helm.sh/hook`, `helm.sh/hook-weight` and
//! `helm.sh/hook-delete-policy`, picks the hooks of a sync (install or upgrade) and orders them as
//! Helm does. Pure: running them is `apply::hooks`' job.

use std::fmt;

use serde_json::Value;

use crate::object::{Manifest, ObjectId, Origin};

/// The annotation naming a hook's events.
pub const ANNOTATION_HOOK: &str = "helm.sh/hook";
/// The annotation ordering hooks of one event.
pub const ANNOTATION_WEIGHT: &str = "helm.sh/hook-weight";
/// The annotation saying when a hook object is deleted.
pub const ANNOTATION_DELETE_POLICY: &str = "helm.sh/hook-delete-policy";

/// A point of the release lifecycle a hook runs at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HookEvent {
    /// Before the first apply.
    PreInstall,
    /// After the first apply.
    PostInstall,
    /// Before a later apply.
    PreUpgrade,
    /// After a later apply.
    PostUpgrade,
    /// Before a rollback.
    PreRollback,
    /// After a rollback.
    PostRollback,
    /// Before uninstall.
    PreDelete,
    /// After uninstall.
    PostDelete,
    /// `helm test`.
    Test,
}

impl HookEvent {
    fn parse(s: &str) -> Option<HookEvent> {
        Some(match s {
            "pre-install" => HookEvent::PreInstall,
            "post-install" => HookEvent::PostInstall,
            "pre-upgrade" => HookEvent::PreUpgrade,
            "post-upgrade" => HookEvent::PostUpgrade,
            "pre-rollback" => HookEvent::PreRollback,
            "post-rollback" => HookEvent::PostRollback,
            "pre-delete" => HookEvent::PreDelete,
            "post-delete" => HookEvent::PostDelete,
            // Helm 2's name for `test`, still accepted by Helm.
            "test" | "test-success" => HookEvent::Test,
            _ => return None,
        })
    }

    /// The annotation spelling (`pre-install`).
    pub fn as_str(&self) -> &'static str {
        match self {
            HookEvent::PreInstall => "pre-install",
            HookEvent::PostInstall => "post-install",
            HookEvent::PreUpgrade => "pre-upgrade",
            HookEvent::PostUpgrade => "post-upgrade",
            HookEvent::PreRollback => "pre-rollback",
            HookEvent::PostRollback => "post-rollback",
            HookEvent::PreDelete => "pre-delete",
            HookEvent::PostDelete => "post-delete",
            HookEvent::Test => "test",
        }
    }
}

impl fmt::Display for HookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `helm.sh/hook-delete-policy` entries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeletePolicy {
    /// Delete the previous hook object before creating it again (Helm's default).
    pub before_creation: bool,
    /// Delete the hook object once it succeeded.
    pub on_success: bool,
    /// Delete the hook object once it failed.
    pub on_failure: bool,
}

impl DeletePolicy {
    /// Whether the hook object is deleted after it finished with `succeeded`.
    pub fn delete_after(&self, succeeded: bool) -> bool {
        if succeeded {
            self.on_success
        } else {
            self.on_failure
        }
    }
}

/// A hook object with its parsed annotations.
#[derive(Clone, Debug, PartialEq)]
pub struct Hook {
    /// The object to create.
    pub manifest: Manifest,
    /// Its events.
    pub events: Vec<HookEvent>,
    /// `helm.sh/hook-weight` (0 when absent).
    pub weight: i64,
    /// Delete policies.
    pub delete: DeletePolicy,
}

/// Why a hook's annotations cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// `helm.sh/hook-weight` is not an integer.
    #[error("{id} ({origin}): helm.sh/hook-weight {value:?} is not an integer")]
    BadWeight {
        /// The hook.
        id: Box<ObjectId>,
        /// Where it came from.
        origin: Origin,
        /// The annotation value.
        value: String,
    },
    /// `helm.sh/hook` names an event Helm does not know.
    #[error("{id} ({origin}): helm.sh/hook names unknown event {event:?}")]
    BadEvent {
        /// The hook.
        id: Box<ObjectId>,
        /// Where it came from.
        origin: Origin,
        /// The unknown event.
        event: String,
    },
    /// `helm.sh/hook-delete-policy` names a policy Helm does not know.
    #[error("{id} ({origin}): helm.sh/hook-delete-policy names unknown policy {policy:?}")]
    BadPolicy {
        /// The hook.
        id: Box<ObjectId>,
        /// Where it came from.
        origin: Origin,
        /// The unknown policy.
        policy: String,
    },
}

fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

fn list(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(',')
        .map(|p| p.trim().to_ascii_lowercase())
        .filter(|p| !p.is_empty())
}

/// Parses a hook object's annotations; `Ok(None)` when it has no `helm.sh/hook`.
pub fn parse_hook(manifest: Manifest) -> Result<Option<Hook>, HookError> {
    let Some(events_text) = annotation(&manifest.object, ANNOTATION_HOOK) else {
        return Ok(None);
    };
    let id = || Box::new(manifest.id.clone());
    let mut events = Vec::new();
    for e in list(events_text) {
        match HookEvent::parse(&e) {
            Some(ev) if !events.contains(&ev) => events.push(ev),
            Some(_) => {}
            None => {
                return Err(HookError::BadEvent {
                    id: id(),
                    origin: manifest.origin.clone(),
                    event: e,
                })
            }
        }
    }
    let weight = match annotation(&manifest.object, ANNOTATION_WEIGHT).map(str::trim) {
        None | Some("") => 0,
        Some(w) => w.parse().map_err(|_| HookError::BadWeight {
            id: id(),
            origin: manifest.origin.clone(),
            value: w.to_string(),
        })?,
    };
    let mut delete = DeletePolicy::default();
    for p in list(annotation(&manifest.object, ANNOTATION_DELETE_POLICY).unwrap_or("")) {
        match p.as_str() {
            "before-hook-creation" => delete.before_creation = true,
            "hook-succeeded" => delete.on_success = true,
            "hook-failed" => delete.on_failure = true,
            _ => {
                return Err(HookError::BadPolicy {
                    id: id(),
                    origin: manifest.origin.clone(),
                    policy: p,
                })
            }
        }
    }
    if delete == DeletePolicy::default() {
        // Helm's default when no policy is given, so a hook can run again on the next release.
        delete.before_creation = true;
    }
    Ok(Some(Hook {
        manifest,
        events,
        weight,
        delete,
    }))
}

/// Whether a sync installs the release or upgrades it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleaseKind {
    /// No inventory for the app yet.
    Install,
    /// syncd applied this app before.
    Upgrade,
    /// `syncd rollback` re-applies a stored revision.
    Rollback,
}

impl ReleaseKind {
    /// syncd's own inventory decides: none (never synced, or fully removed) means install.
    pub fn from_inventory(exists: bool) -> ReleaseKind {
        if exists {
            ReleaseKind::Upgrade
        } else {
            ReleaseKind::Install
        }
    }

    /// The events run before and after the main apply.
    pub fn events(&self) -> (HookEvent, HookEvent) {
        match self {
            ReleaseKind::Install => (HookEvent::PreInstall, HookEvent::PostInstall),
            ReleaseKind::Upgrade => (HookEvent::PreUpgrade, HookEvent::PostUpgrade),
            ReleaseKind::Rollback => (HookEvent::PreRollback, HookEvent::PostRollback),
        }
    }
}

/// The hooks of one sync, in run order.
#[derive(Clone, Debug, Default)]
pub struct HookPlan {
    /// The event before the main apply, and its hooks.
    pub pre: Vec<Hook>,
    /// The event after the main apply, and its hooks.
    pub post: Vec<Hook>,
    /// Hooks of other events, which a sync never runs (tests, delete, rollback), with events.
    pub not_run: Vec<(ObjectId, String)>,
    /// The pre and post events (`None` for apps without hooks).
    pub events: Option<(HookEvent, HookEvent)>,
}

impl HookPlan {
    /// Whether there is any hook to run.
    pub fn is_empty(&self) -> bool {
        self.pre.is_empty() && self.post.is_empty()
    }
}

/// Helm's `hookByWeight` under a stable sort: weight, then name; hooks arrive in kind install
/// order, which stays the tie-break for equal weight and name.
pub fn order_hooks(hooks: &mut [Hook]) {
    hooks.sort_by(|a, b| {
        a.weight
            .cmp(&b.weight)
            .then_with(|| a.manifest.id.name.cmp(&b.manifest.id.name))
    });
}

/// Picks and orders the hooks a sync of `kind` runs.
pub fn plan_hooks(hooks: &[Hook], kind: ReleaseKind) -> HookPlan {
    let (pre_ev, post_ev) = kind.events();
    let mut plan = HookPlan {
        events: (!hooks.is_empty()).then_some((pre_ev, post_ev)),
        ..HookPlan::default()
    };
    for h in hooks {
        if h.events.contains(&pre_ev) {
            plan.pre.push(h.clone());
        }
        if h.events.contains(&post_ev) {
            plan.post.push(h.clone());
        }
        if !h.events.contains(&pre_ev) && !h.events.contains(&post_ev) {
            let events: Vec<&str> = h.events.iter().map(HookEvent::as_str).collect();
            plan.not_run.push((h.manifest.id.clone(), events.join(",")));
        }
    }
    order_hooks(&mut plan.pre);
    order_hooks(&mut plan.post);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hook(kind: &str, name: &str, ann: Value) -> Manifest {
        let api = if kind == "Job" { "batch/v1" } else { "v1" };
        Manifest {
            id: ObjectId::new(api, kind, Some("ns"), name),
            api_version: api.into(),
            object: json!({"apiVersion": api, "kind": kind,
                "metadata": {"name": name, "namespace": "ns", "annotations": ann}}),
            origin: Origin {
                file: format!("c/templates/{name}.yaml"),
                doc: 0,
                line: 1,
            },
            namespace_defaulted: false,
        }
    }

    fn parsed(kind: &str, name: &str, ann: Value) -> Hook {
        parse_hook(hook(kind, name, ann)).unwrap().unwrap()
    }

    #[test]
    fn parses_events_weight_and_policies() {
        let h = parsed(
            "Job",
            "migrate",
            json!({"helm.sh/hook": "pre-install, Pre-Upgrade,test-success",
                   "helm.sh/hook-weight": " -5 ",
                   "helm.sh/hook-delete-policy": "hook-succeeded,hook-failed"}),
        );
        assert_eq!(
            h.events,
            [
                HookEvent::PreInstall,
                HookEvent::PreUpgrade,
                HookEvent::Test
            ]
        );
        assert_eq!(h.weight, -5);
        assert_eq!(
            h.delete,
            DeletePolicy {
                before_creation: false,
                on_success: true,
                on_failure: true
            }
        );
        assert!(h.delete.delete_after(true) && h.delete.delete_after(false));
    }

    #[test]
    fn default_policy_is_before_hook_creation_and_keeps_finished_hooks() {
        let h = parsed("Pod", "p", json!({"helm.sh/hook": "post-install"}));
        assert_eq!(h.weight, 0);
        assert!(h.delete.before_creation);
        assert!(!h.delete.delete_after(true) && !h.delete.delete_after(false));
        let only_failed = parsed(
            "Pod",
            "p",
            json!({"helm.sh/hook": "post-install", "helm.sh/hook-delete-policy": "hook-failed"}),
        );
        assert!(
            !only_failed.delete.before_creation,
            "an explicit policy replaces the default"
        );
        assert!(only_failed.delete.delete_after(false) && !only_failed.delete.delete_after(true));
    }

    #[test]
    fn not_a_hook_without_the_annotation() {
        assert!(parse_hook(hook("ConfigMap", "c", json!({})))
            .unwrap()
            .is_none());
    }

    #[test]
    fn bad_annotations_name_the_object() {
        let err = parse_hook(hook(
            "Job",
            "m",
            json!({"helm.sh/hook": "pre-install", "helm.sh/hook-weight": "high"}),
        ))
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "batch/Job ns/m (c/templates/m.yaml:1): helm.sh/hook-weight \"high\" is not an integer"
        );
        let err = parse_hook(hook("Job", "m", json!({"helm.sh/hook": "pre-instal"})))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown event \"pre-instal\""), "{err}");
        let err = parse_hook(hook(
            "Job",
            "m",
            json!({"helm.sh/hook": "pre-install", "helm.sh/hook-delete-policy": "never"}),
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown policy \"never\""), "{err}");
    }

    #[test]
    fn orders_by_weight_then_name_keeping_kind_order_for_ties() {
        // Arrival order is Helm's kind install order (ConfigMap before Job).
        let hooks = vec![
            parsed("ConfigMap", "b", json!({"helm.sh/hook": "pre-install"})),
            parsed("ConfigMap", "same", json!({"helm.sh/hook": "pre-install"})),
            parsed(
                "Job",
                "z",
                json!({"helm.sh/hook": "pre-install", "helm.sh/hook-weight": "-5"}),
            ),
            parsed("Job", "a", json!({"helm.sh/hook": "pre-install"})),
            parsed("Job", "same", json!({"helm.sh/hook": "pre-install"})),
        ];
        let plan = plan_hooks(&hooks, ReleaseKind::Install);
        let order: Vec<String> = plan.pre.iter().map(|h| h.manifest.id.to_string()).collect();
        assert_eq!(
            order,
            [
                "batch/Job ns/z",
                "batch/Job ns/a",
                "ConfigMap ns/b",
                "ConfigMap ns/same",
                "batch/Job ns/same"
            ]
        );
    }

    #[test]
    fn install_and_upgrade_pick_their_events_and_list_the_rest() {
        let hooks = vec![
            parsed(
                "Job",
                "both",
                json!({"helm.sh/hook": "pre-install,pre-upgrade"}),
            ),
            parsed("Job", "post", json!({"helm.sh/hook": "post-install"})),
            parsed("Pod", "t", json!({"helm.sh/hook": "test"})),
            parsed(
                "Job",
                "del",
                json!({"helm.sh/hook": "pre-delete,post-rollback"}),
            ),
        ];
        let install = plan_hooks(&hooks, ReleaseKind::Install);
        assert_eq!(
            install.events,
            Some((HookEvent::PreInstall, HookEvent::PostInstall))
        );
        assert_eq!(install.pre.len(), 1);
        assert_eq!(install.post[0].manifest.id.name, "post");
        assert_eq!(
            install.not_run,
            [
                (
                    ObjectId::new("v1", "Pod", Some("ns"), "t"),
                    "test".to_string()
                ),
                (
                    ObjectId::new("batch/v1", "Job", Some("ns"), "del"),
                    "pre-delete,post-rollback".to_string()
                )
            ]
        );
        let upgrade = plan_hooks(&hooks, ReleaseKind::Upgrade);
        assert_eq!(upgrade.pre[0].manifest.id.name, "both");
        assert!(upgrade.post.is_empty());
        assert_eq!(
            upgrade.not_run.len(),
            3,
            "post-install is not run on upgrade"
        );
    }

    #[test]
    fn release_kind_follows_the_inventory() {
        assert_eq!(ReleaseKind::from_inventory(false), ReleaseKind::Install);
        assert_eq!(ReleaseKind::from_inventory(true), ReleaseKind::Upgrade);
    }
}
