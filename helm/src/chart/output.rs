//! From the render map to what gets applied: Helm's `releaseutil.SortManifests` (documents split
//! per file, hooks separated by their `helm.sh/hook` annotations, manifests in `InstallOrder`)
//! and the `helm template` text stream (`---\n# Source: path\n...`). NOTES.txt never appears.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value as Json;

/// Helm's `InstallOrder`: kinds earlier in the list are installed first; unknown kinds go
/// last, alphabetically among themselves.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Hook events Helm knows (`helm.sh/hook` values); `test-success` is the old name of `test`.
const HOOK_EVENTS: &[(&str, &str)] = &[
    ("pre-install", "pre-install"),
    ("post-install", "post-install"),
    ("pre-delete", "pre-delete"),
    ("post-delete", "post-delete"),
    ("pre-upgrade", "pre-upgrade"),
    ("post-upgrade", "post-upgrade"),
    ("pre-rollback", "pre-rollback"),
    ("post-rollback", "post-rollback"),
    ("test", "test"),
    ("test-success", "test"),
];

/// One non-hook document.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// Template path it came from.
    pub path: String,
    /// The document text (trimmed, without `---`).
    pub content: String,
    /// `kind` (empty when absent).
    pub kind: String,
    /// `metadata.name` (empty when absent).
    pub name: String,
}

/// One hook document with what the apply stage needs to run it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    /// `metadata.name`
    pub name: String,
    /// `kind`
    pub kind: String,
    /// Template path.
    pub path: String,
    /// The document text.
    pub manifest: String,
    /// Events (`pre-install`, `post-upgrade`, `test`, ...).
    pub events: Vec<String>,
    /// `helm.sh/hook-weight` (0 when absent or not an integer).
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` entries.
    pub delete_policies: Vec<String>,
}

/// A sorted release: manifests in install order, hooks, and the root chart's NOTES.txt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sorted {
    /// Non-hook documents, in install order.
    pub manifests: Vec<Manifest>,
    /// Hook documents, sorted by kind (weights are applied when hooks run).
    pub hooks: Vec<Hook>,
    /// The root chart's `NOTES.txt` text, if any.
    pub notes: Option<String>,
}

/// A document that is not valid YAML.
#[derive(Debug, Clone, thiserror::Error)]
#[error("YAML parse error on {path}: {message}")]
pub struct OutputError {
    /// Template path.
    pub path: String,
    /// Parser message.
    pub message: String,
}

fn separator() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"(?:^|\s*\n)---\s*").expect("separator regex"))
}

/// Helm's `SplitManifests`: non-empty, trimmed documents of one file, in order.
pub fn split_manifests(text: &str) -> Vec<String> {
    separator()
        .split(text)
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect()
}

fn kind_rank(kind: &str) -> (usize, &str) {
    match INSTALL_ORDER.iter().position(|k| *k == kind) {
        Some(i) => (i, ""),
        None => (INSTALL_ORDER.len(), kind),
    }
}

fn str_at<'a>(v: &'a Json, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(x) => cur = x,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

/// `SortManifests` over a render map (`{template path: text}`), with `root_chart` naming the
/// chart whose `NOTES.txt` is kept.
pub fn sort_manifests(
    rendered: &BTreeMap<String, String>,
    root_chart: &str,
) -> Result<Sorted, OutputError> {
    let mut out = Sorted::default();
    let notes_path = format!("{root_chart}/templates/NOTES.txt");
    for (path, text) in rendered {
        if path.ends_with("NOTES.txt") {
            if *path == notes_path {
                out.notes = Some(text.clone());
            }
            continue;
        }
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || text.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(text) {
            let head = crate::yaml::parse_documents(&doc)
                .map_err(|e| OutputError {
                    path: path.clone(),
                    message: e.to_string(),
                })?
                .into_iter()
                .next()
                .unwrap_or(Json::Null);
            let kind = str_at(&head, &["kind"]).to_string();
            let name = str_at(&head, &["metadata", "name"]).to_string();
            let annotations = head
                .get("metadata")
                .and_then(|m| m.get("annotations"))
                .and_then(Json::as_object);
            let hook = annotations
                .and_then(|a| a.get("helm.sh/hook"))
                .and_then(Json::as_str);
            let Some(hook) = hook else {
                out.manifests.push(Manifest {
                    path: path.clone(),
                    content: doc,
                    kind,
                    name,
                });
                continue;
            };
            let mut events = Vec::new();
            let mut unknown = false;
            for h in hook.split(',') {
                let h = h.trim().to_ascii_lowercase();
                match HOOK_EVENTS.iter().find(|(k, _)| *k == h) {
                    Some((_, e)) => events.push(e.to_string()),
                    None => {
                        unknown = true;
                        break;
                    }
                }
            }
            if unknown {
                continue;
            }
            let ann = |k: &str| {
                annotations
                    .and_then(|a| a.get(k))
                    .and_then(Json::as_str)
                    .unwrap_or("")
            };
            let weight = ann("helm.sh/hook-weight").trim().parse().unwrap_or(0);
            let delete_policies = ann("helm.sh/hook-delete-policy")
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            out.hooks.push(Hook {
                name,
                kind,
                path: path.clone(),
                manifest: doc,
                events,
                weight,
                delete_policies,
            });
        }
    }
    out.manifests
        .sort_by(|a, b| kind_rank(&a.kind).cmp(&kind_rank(&b.kind)));
    out.hooks
        .sort_by(|a, b| kind_rank(&a.kind).cmp(&kind_rank(&b.kind)));
    Ok(out)
}

/// The `helm template` stream: manifests in install order, then hooks, each as
/// `---\n# Source: PATH\nDOC\n`.
pub fn template_stream(sorted: &Sorted) -> String {
    let mut s = String::new();
    for m in &sorted.manifests {
        s.push_str(&format!("---\n# Source: {}\n{}\n", m.path, m.content));
    }
    for h in &sorted.hooks {
        s.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_sorts_and_separates_hooks() {
        let mut r = BTreeMap::new();
        r.insert(
            "c/templates/a.yaml".to_string(),
            "---\nkind: Service\nmetadata:\n  name: s\n---\nkind: Deployment\nmetadata:\n  name: d\n"
                .to_string(),
        );
        r.insert(
            "c/templates/b.yaml".to_string(),
            "kind: Widget\nmetadata:\n  name: w\n---\nkind: ConfigMap\nmetadata:\n  name: cm\n"
                .to_string(),
        );
        r.insert(
            "c/templates/job.yaml".to_string(),
            "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-install,post-upgrade\n    helm.sh/hook-weight: \"-5\"\n    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n".to_string(),
        );
        r.insert("c/templates/NOTES.txt".to_string(), "hi".to_string());
        r.insert("c/templates/empty.yaml".to_string(), "\n".to_string());
        let s = sort_manifests(&r, "c").unwrap();
        let kinds: Vec<_> = s.manifests.iter().map(|m| m.kind.as_str()).collect();
        assert_eq!(kinds, ["ConfigMap", "Service", "Deployment", "Widget"]);
        assert_eq!(s.hooks.len(), 1);
        assert_eq!(s.hooks[0].events, ["pre-install", "post-upgrade"]);
        assert_eq!(s.hooks[0].weight, -5);
        assert_eq!(
            s.hooks[0].delete_policies,
            ["before-hook-creation", "hook-succeeded"]
        );
        assert_eq!(s.notes.as_deref(), Some("hi"));
        let stream = template_stream(&s);
        assert!(stream.starts_with("---\n# Source: c/templates/b.yaml\nkind: ConfigMap\n"));
        assert!(stream.ends_with("hook-succeeded\n"));
    }

    #[test]
    fn split_matches_helm_separator_rules() {
        assert_eq!(
            split_manifests("a: 1\n---\nb: 2\n--- \n\n"),
            ["a: 1", "b: 2"]
        );
        // The separator's trailing `\s*` eats the newline a following `---` would need, so
        // Helm keeps a bare `---` there; we do the same.
        assert_eq!(split_manifests("---\n---\n"), ["---"]);
        assert_eq!(split_manifests("\n\n"), Vec::<String>::new());
    }
}
