//! Access check before a sync writes: every (verb, resource, namespace) the plan's writes need —
//! applies, creates, recreates, prunes, hooks, and syncd's own inventory and history — asked of
//! the API server with SelfSubjectAccessReviews, so a missing permission refuses the whole sync
//! up front instead of failing it halfway with some objects written.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use futures::stream::{self, StreamExt};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};

use crate::cluster::{Cluster, ClusterError, ResourceInfo};
use crate::diff::Action;
use crate::inventory::Inventory;
use crate::object::{group_of, ObjectId};

use super::error::{at, EngineError};
use super::AppPlan;

/// Reviews in flight at once.
const CONCURRENCY: usize = 8;

/// One permission a sync needs: a verb on a resource in a namespace (`None`: cluster-scoped),
/// for the named objects (empty: names not known in advance, e.g. the next history Secret).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AccessCheck {
    /// `get`, `list`, `create`, `patch`, `delete`.
    pub verb: &'static str,
    /// API group (empty for core).
    pub group: String,
    /// Plural resource.
    pub resource: String,
    /// Namespace, or `None` for cluster-scoped resources.
    pub namespace: Option<String>,
    /// The objects concerned, when known.
    pub names: BTreeSet<String>,
}

/// A permission the server refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denied {
    /// The permission.
    pub check: AccessCheck,
    /// Why, as the server said (often empty: RBAC does not explain a missing rule).
    pub reason: String,
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.check;
        write!(f, "{} {}", c.verb, c.resource)?;
        if !c.group.is_empty() {
            write!(f, ".{}", c.group)?;
        }
        match &c.namespace {
            Some(ns) => write!(f, " in namespace {ns}")?,
            None => write!(f, " (cluster-scoped)")?,
        }
        if !c.names.is_empty() {
            let names: Vec<&str> = c.names.iter().map(String::as_str).collect();
            write!(f, " [{}]", names.join(", "))?;
        }
        if self.reason.is_empty() {
            write!(f, ": denied")
        } else {
            write!(f, ": {}", self.reason)
        }
    }
}

/// The permissions gathered so far, one entry per (verb, group, resource, namespace).
#[derive(Default)]
struct Needs(BTreeMap<(&'static str, String, String, Option<String>), BTreeSet<String>>);

impl Needs {
    fn add(&mut self, verb: &'static str, ri: &ResourceInfo, ns: Option<&str>, name: Option<&str>) {
        let ns = if ri.namespaced {
            ns.map(str::to_owned)
        } else {
            None
        };
        let names = self
            .0
            .entry((verb, ri.group.clone(), ri.plural.clone(), ns))
            .or_default();
        if let Some(n) = name {
            names.insert(n.to_owned());
        }
    }

    fn checks(self) -> Vec<AccessCheck> {
        self.0
            .into_iter()
            .map(|((verb, group, resource, namespace), names)| AccessCheck {
                verb,
                group,
                resource,
                namespace,
                names,
            })
            .collect()
    }
}

/// What the plan does not say and the check needs to know.
pub struct AccessContext<'a> {
    /// How to address each prune target (resolved through discovery).
    pub prune_resources: &'a HashMap<ObjectId, ResourceInfo>,
    /// Whether the state namespace exists already (else syncd creates it).
    pub state_namespace_exists: bool,
}

/// Every permission executing `plan` needs, deduplicated by (verb, group, resource, namespace).
/// Reads the sync does while writing (waiting for objects, listing history) are included: a
/// sync that could write but not watch its writes would fail halfway too.
pub fn required_access(plan: &AppPlan, ctx: &AccessContext<'_>) -> Vec<AccessCheck> {
    let mut needs = Needs::default();
    let changes = plan.has_changes();
    for p in &plan.planned {
        let id = &p.pair.desired.id;
        let ns = id.namespace.as_deref();
        let name = Some(id.name.as_str());
        let Some(ri) = p
            .resource
            .clone()
            .or_else(|| crd_resource_of(plan, &p.pair.desired.api_version, &id.kind))
        else {
            continue;
        };
        match p.action {
            Action::Unchanged | Action::JobGone | Action::Conflict => continue,
            // Server-side apply of an object that does not exist is authorised as a create too.
            Action::Create => {
                needs.add("patch", &ri, ns, name);
                needs.add("create", &ri, ns, name);
            }
            Action::Update => needs.add("patch", &ri, ns, name),
            Action::Recreate => {
                needs.add("delete", &ri, ns, name);
                needs.add("get", &ri, ns, name);
                needs.add("patch", &ri, ns, name);
                needs.add("create", &ri, ns, name);
            }
        }
        if id.kind == "CustomResourceDefinition" {
            // The apply waits for it to be Established.
            needs.add("get", &ri, None, name);
        }
    }
    for t in &plan.prune.delete {
        if let Some(ri) = ctx.prune_resources.get(&t.id) {
            needs.add("delete", ri, t.id.namespace.as_deref(), Some(&t.id.name));
        }
    }
    if changes && plan.hooks.events.is_some() {
        for h in plan.hooks.pre.iter().chain(&plan.hooks.post) {
            let id = &h.hook.manifest.id;
            let (ri, ns, name) = (&h.resource, id.namespace.as_deref(), Some(id.name.as_str()));
            let delete = &h.hook.delete;
            if delete.before_creation || delete.on_success || delete.on_failure {
                needs.add("delete", ri, ns, name);
            }
            needs.add("get", ri, ns, name);
            needs.add("patch", ri, ns, name);
            needs.add("create", ri, ns, name);
        }
    }
    // A sync that changes nothing still rewrites the inventory when it differs (new hashes).
    if changes || super::next_inventory(plan, &[], &[]) != plan.previous {
        let t = &plan.target;
        let state_ns = Some(t.state_namespace.as_str());
        let namespaces = ResourceInfo::core("Namespace", "namespaces", false);
        needs.add("get", &namespaces, None, state_ns);
        if !ctx.state_namespace_exists {
            needs.add("create", &namespaces, None, state_ns);
            needs.add("patch", &namespaces, None, state_ns);
        }
        let configmaps = ResourceInfo::core("ConfigMap", "configmaps", true);
        let inventory = Inventory::object_name(&t.env, &t.app);
        needs.add("patch", &configmaps, state_ns, Some(&inventory));
        if plan.previous.entries.is_empty() {
            // No inventory read (or an empty one): the write may create it.
            needs.add("create", &configmaps, state_ns, Some(&inventory));
        }
    }
    if changes {
        // A revision: list the history, write the next Secret, trim the oldest.
        let secrets = ResourceInfo::core("Secret", "secrets", true);
        let state_ns = Some(plan.target.state_namespace.as_str());
        for verb in ["list", "create", "patch", "delete"] {
            needs.add(verb, &secrets, state_ns, None);
        }
    }
    needs.checks()
}

/// How to address a kind whose CRD is applied in the same sync (discovery does not know it yet):
/// from that CRD's `spec.group` and `spec.names`.
fn crd_resource_of(plan: &AppPlan, api_version: &str, kind: &str) -> Option<ResourceInfo> {
    let group = group_of(api_version);
    plan.planned
        .iter()
        .filter(|p| p.pair.desired.id.kind == "CustomResourceDefinition")
        .map(|p| &p.pair.desired.object["spec"])
        .find(|spec| spec["group"] == group && spec["names"]["kind"] == kind)
        .map(|spec| ResourceInfo {
            group: group.to_owned(),
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            plural: spec["names"]["plural"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            namespaced: spec["scope"] != "Cluster",
        })
}

/// The review request for a check (`name` narrows it to one object).
fn review(check: &AccessCheck, name: Option<&str>) -> SelfSubjectAccessReview {
    SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(check.verb.to_owned()),
                group: Some(check.group.clone()),
                resource: Some(check.resource.clone()),
                namespace: check.namespace.clone(),
                name: name.map(str::to_owned),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    }
}

/// Asks the server; `Ok(None)` when allowed, `Ok(Some(reason))` when not.
async fn ask(
    api: &Api<SelfSubjectAccessReview>,
    check: &AccessCheck,
    name: Option<&str>,
) -> Result<Option<String>, ClusterError> {
    let answer = api
        .create(&PostParams::default(), &review(check, name))
        .await?;
    let status = answer.status.unwrap_or_default();
    if status.allowed {
        return Ok(None);
    }
    let reason = [status.reason, status.evaluation_error]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    Ok(Some(reason))
}

/// Checks one permission. With a single known name the review names it (a Role may grant
/// access to named objects only); with several, the namespace-wide review comes first and, when
/// denied, each name is asked alone so only the names really denied are reported.
async fn check_one(
    api: &Api<SelfSubjectAccessReview>,
    check: AccessCheck,
) -> Result<Option<Denied>, ClusterError> {
    let single = (check.names.len() == 1)
        .then(|| check.names.iter().next())
        .flatten();
    let Some(reason) = ask(api, &check, single.map(String::as_str)).await? else {
        return Ok(None);
    };
    if check.names.len() <= 1 {
        return Ok(Some(Denied { check, reason }));
    }
    let mut denied_names = BTreeSet::new();
    let mut reasons = BTreeSet::new();
    for name in &check.names {
        if let Some(r) = ask(api, &check, Some(name)).await? {
            denied_names.insert(name.clone());
            reasons.insert(r);
        }
    }
    if denied_names.is_empty() {
        return Ok(None);
    }
    let reason = reasons
        .into_iter()
        .filter(|r| !r.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    Ok(Some(Denied {
        check: AccessCheck {
            names: denied_names,
            ..check
        },
        reason,
    }))
}

/// Asks the server about every permission `plan` needs; any denial is an
/// [`EngineError::Forbidden`] listing all of them, returned before anything is written. `Ok(true)`
/// when the state namespace was seen to exist already (so the sync need not look again).
pub async fn check_access(cluster: &Cluster, plan: &AppPlan) -> Result<bool, EngineError> {
    let mut prune_resources = HashMap::new();
    for t in &plan.prune.delete {
        let served = cluster
            .resource(&t.api_version, &t.id.kind)
            .await
            .map_err(at(format!(
                "discovering {} for the access check",
                t.api_version
            )))?;
        if let Some(ri) = served {
            prune_resources.insert(t.id.clone(), ri);
        }
    }
    let state_ns = &plan.target.state_namespace;
    let state_namespace_seen = match cluster
        .get(
            &ResourceInfo::core("Namespace", "namespaces", false),
            None,
            state_ns,
        )
        .await
    {
        Ok(found) => Some(found.is_some()),
        // Not allowed to look: the review of `get namespaces` reports that.
        Err(e) if e.code() == Some(403) => None,
        Err(e) => return Err(at(format!("reading namespace {state_ns}"))(e)),
    };
    let seen_existing = state_namespace_seen == Some(true);
    let checks = required_access(
        plan,
        &AccessContext {
            prune_resources: &prune_resources,
            state_namespace_exists: state_namespace_seen.unwrap_or(true),
        },
    );
    if checks.is_empty() {
        return Ok(seen_existing);
    }
    let api: Api<SelfSubjectAccessReview> = Api::all(cluster.client().clone());
    let answers: Vec<Result<Option<Denied>, ClusterError>> = stream::iter(checks)
        .map(|c| check_one(&api, c))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut denied = Vec::new();
    for a in answers {
        match a {
            Ok(Some(d)) => denied.push(d),
            Ok(None) => {}
            Err(e) if e.is_not_found() => {
                // A server without the authorization API cannot be asked; the writes will tell.
                tracing::warn!("the server has no SelfSubjectAccessReview API; access not checked");
                return Ok(seen_existing);
            }
            Err(e) => return Err(at("checking access")(e)),
        }
    }
    if denied.is_empty() {
        return Ok(seen_existing);
    }
    denied.sort_by(|a, b| a.check.cmp(&b.check));
    Err(EngineError::Forbidden {
        env: plan.target.env.clone(),
        app: plan.target.app.clone(),
        denied,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use syncd_config::SyncPolicy;

    use super::*;
    use crate::apply::ResolvedHook;
    use crate::diff::Planned;
    use crate::inventory::Entry;
    use crate::object::{Manifest, Origin};
    use crate::plan::hooks::DeletePolicy;
    use crate::plan::{Hook, HookEvent, Pair, PruneTarget, Step};

    use super::super::{PlannedHooks, Target};

    fn ri(api_version: &str, kind: &str, plural: &str, namespaced: bool) -> ResourceInfo {
        ResourceInfo {
            group: group_of(api_version).into(),
            api_version: api_version.into(),
            kind: kind.into(),
            plural: plural.into(),
            namespaced,
        }
    }

    fn manifest(api_version: &str, kind: &str, ns: Option<&str>, name: &str) -> Manifest {
        Manifest {
            id: ObjectId::new(api_version, kind, ns, name),
            api_version: api_version.into(),
            object: json!({"apiVersion": api_version, "kind": kind,
                "metadata": {"name": name, "namespace": ns}}),
            origin: Origin {
                file: "m.yaml".into(),
                doc: 0,
                line: 1,
            },
            namespace_defaulted: false,
        }
    }

    fn planned(m: Manifest, resource: Option<ResourceInfo>, action: Action) -> Planned {
        Planned {
            pair: Pair {
                desired: m,
                live: None,
                hash: "h".into(),
                step: Step::Check,
            },
            resource,
            action,
            diff: None,
            note: None,
        }
    }

    fn plan(planned: Vec<Planned>) -> AppPlan {
        AppPlan {
            target: Target {
                env: "dev".into(),
                app: "web".into(),
                state_namespace: "syncd-system".into(),
                policy: SyncPolicy::default(),
            },
            planned,
            prune: Default::default(),
            previous: Inventory::default(),
            hooks: PlannedHooks::default(),
            churn: Vec::new(),
        }
    }

    fn ctx(prune: &HashMap<ObjectId, ResourceInfo>) -> AccessContext<'_> {
        AccessContext {
            prune_resources: prune,
            state_namespace_exists: true,
        }
    }

    /// `verb resource[.group] ns` of every check, for compact assertions.
    fn words(checks: &[AccessCheck]) -> Vec<String> {
        checks
            .iter()
            .map(|c| {
                let res = if c.group.is_empty() {
                    c.resource.clone()
                } else {
                    format!("{}.{}", c.resource, c.group)
                };
                format!("{} {res} {}", c.verb, c.namespace.as_deref().unwrap_or("-"))
            })
            .collect()
    }

    #[test]
    fn creates_updates_and_state_writes_are_checked_once_per_resource_and_namespace() {
        let cm = ri("v1", "ConfigMap", "configmaps", true);
        let deploy = ri("apps/v1", "Deployment", "deployments", true);
        let p = plan(vec![
            planned(
                manifest("v1", "ConfigMap", Some("a"), "one"),
                Some(cm.clone()),
                Action::Create,
            ),
            planned(
                manifest("v1", "ConfigMap", Some("a"), "two"),
                Some(cm.clone()),
                Action::Create,
            ),
            planned(
                manifest("v1", "ConfigMap", Some("b"), "three"),
                Some(cm),
                Action::Update,
            ),
            planned(
                manifest("apps/v1", "Deployment", Some("a"), "web"),
                Some(deploy),
                Action::Unchanged,
            ),
        ]);
        let checks = required_access(&p, &ctx(&HashMap::new()));
        assert_eq!(
            words(&checks),
            [
                "create configmaps a",
                "create configmaps syncd-system",
                "create secrets syncd-system",
                "delete secrets syncd-system",
                "get namespaces -",
                "list secrets syncd-system",
                "patch configmaps a",
                "patch configmaps b",
                "patch configmaps syncd-system",
                "patch secrets syncd-system",
            ]
        );
        let create_a = &checks[0];
        assert_eq!(create_a.names.iter().collect::<Vec<_>>(), ["one", "two"]);
        // The unchanged Deployment needs nothing.
        assert!(checks.iter().all(|c| c.resource != "deployments"));
    }

    #[test]
    fn a_plan_that_writes_nothing_needs_nothing() {
        let cm = ri("v1", "ConfigMap", "configmaps", true);
        let mut p = plan(vec![planned(
            manifest("v1", "ConfigMap", Some("a"), "one"),
            Some(cm),
            Action::Unchanged,
        )]);
        // The inventory already says exactly this.
        p.previous.entries.insert(
            ObjectId::new("v1", "ConfigMap", Some("a"), "one"),
            Entry {
                api_version: "v1".into(),
                hash: "h".into(),
            },
        );
        assert!(required_access(&p, &ctx(&HashMap::new())).is_empty());
        // Unless the inventory changes (a new hash): then only the inventory write.
        p.previous
            .entries
            .values_mut()
            .for_each(|e| e.hash = "old".into());
        assert_eq!(
            words(&required_access(&p, &ctx(&HashMap::new()))),
            ["get namespaces -", "patch configmaps syncd-system"]
        );
    }

    #[test]
    fn recreate_prune_and_new_namespaces() {
        let job = ri("batch/v1", "Job", "jobs", true);
        let ns = ri("v1", "Namespace", "namespaces", false);
        let mut p = plan(vec![
            planned(
                manifest("v1", "Namespace", None, "ml"),
                Some(ns),
                Action::Create,
            ),
            planned(
                manifest("batch/v1", "Job", Some("ml"), "train"),
                Some(job),
                Action::Recreate,
            ),
        ]);
        let gone = ObjectId::new("apps/v1", "Deployment", Some("ml"), "old");
        p.prune.delete.push(PruneTarget {
            id: gone.clone(),
            api_version: "apps/v1".into(),
            uid: Some("u".into()),
            live: json!({}),
        });
        let prune = HashMap::from([(gone, ri("apps/v1", "Deployment", "deployments", true))]);
        let checks = required_access(
            &p,
            &AccessContext {
                prune_resources: &prune,
                state_namespace_exists: false,
            },
        );
        let w = words(&checks);
        for expected in [
            "delete jobs.batch ml",
            "get jobs.batch ml",
            "patch jobs.batch ml",
            "create jobs.batch ml",
            "delete deployments.apps ml",
            "create namespaces -",
            "patch namespaces -",
        ] {
            assert!(
                w.contains(&expected.to_string()),
                "{expected} missing from {w:?}"
            );
        }
        let create_ns = checks
            .iter()
            .find(|c| c.verb == "create" && c.resource == "namespaces")
            .unwrap();
        // The app's namespace and the missing state namespace, in one check.
        assert_eq!(
            create_ns.names.iter().collect::<Vec<_>>(),
            ["ml", "syncd-system"]
        );
    }

    #[test]
    fn kinds_of_a_crd_in_the_same_sync_are_addressed_through_it() {
        let crd_ri = ri(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            "customresourcedefinitions",
            false,
        );
        let mut crd = manifest(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            None,
            "trainings.ml.example.com",
        );
        crd.object["spec"] = json!({"group": "ml.example.com", "scope": "Namespaced",
            "names": {"kind": "Training", "plural": "trainings"}});
        let p = plan(vec![
            planned(crd, Some(crd_ri), Action::Create),
            planned(
                manifest("ml.example.com/v1", "Training", Some("ml"), "t1"),
                None,
                Action::Create,
            ),
        ]);
        let w = words(&required_access(&p, &ctx(&HashMap::new())));
        assert!(
            w.contains(&"create trainings.ml.example.com ml".to_string()),
            "{w:?}"
        );
        assert!(w.contains(&"get customresourcedefinitions.apiextensions.k8s.io -".to_string()));
    }

    #[test]
    fn hooks_need_delete_create_and_get() {
        let job = ri("batch/v1", "Job", "jobs", true);
        let cm = ri("v1", "ConfigMap", "configmaps", true);
        let mut p = plan(vec![planned(
            manifest("v1", "ConfigMap", Some("a"), "one"),
            Some(cm),
            Action::Update,
        )]);
        p.hooks = PlannedHooks {
            events: Some((HookEvent::PreUpgrade, HookEvent::PostUpgrade)),
            pre: vec![ResolvedHook {
                hook: Hook {
                    manifest: manifest("batch/v1", "Job", Some("hooks"), "migrate"),
                    events: vec![HookEvent::PreUpgrade],
                    weight: 0,
                    delete: DeletePolicy {
                        before_creation: true,
                        on_success: false,
                        on_failure: false,
                    },
                },
                resource: job,
            }],
            ..PlannedHooks::default()
        };
        let w = words(&required_access(&p, &ctx(&HashMap::new())));
        for verb in ["delete", "get", "patch", "create"] {
            assert!(
                w.contains(&format!("{verb} jobs.batch hooks")),
                "{verb}: {w:?}"
            );
        }
    }

    #[test]
    fn denial_names_verb_resource_namespace_and_reason() {
        let check =
            |verb, group: &str, resource: &str, ns: Option<&str>, names: &[&str]| AccessCheck {
                verb,
                group: group.into(),
                resource: resource.into(),
                namespace: ns.map(str::to_owned),
                names: names.iter().map(|s| s.to_string()).collect(),
            };
        let d = Denied {
            check: check("create", "", "secrets", Some("ac-a"), &[]),
            reason: String::new(),
        };
        assert_eq!(d.to_string(), "create secrets in namespace ac-a: denied");
        let d = Denied {
            check: check("patch", "apps", "deployments", Some("ml"), &["web"]),
            reason: "no RBAC policy matched".into(),
        };
        assert_eq!(
            d.to_string(),
            "patch deployments.apps in namespace ml [web]: no RBAC policy matched"
        );
        let d = Denied {
            check: check("create", "", "namespaces", None, &["ml"]),
            reason: String::new(),
        };
        assert_eq!(
            d.to_string(),
            "create namespaces (cluster-scoped) [ml]: denied"
        );
    }

    #[test]
    fn review_names_the_single_object() {
        let c = AccessCheck {
            verb: "patch",
            group: "apps".into(),
            resource: "deployments".into(),
            namespace: Some("ml".into()),
            names: BTreeSet::from(["web".to_string()]),
        };
        let body = serde_json::to_value(review(&c, Some("web"))).unwrap();
        assert_eq!(
            body["spec"]["resourceAttributes"],
            json!({"verb": "patch", "group": "apps", "resource": "deployments",
                   "namespace": "ml", "name": "web"})
        );
    }
}
