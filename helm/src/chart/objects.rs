//! The built-in objects templates see: `.Capabilities` (with Helm v4.2.3's offline defaults),
//! `.Chart` (Helm's `*chart.Metadata` plus `IsRoot`), `.Release`, and the conversion of plain
//! values data into template values.

use std::any::Any;
use std::rc::Rc;

use serde_json::Value as Json;

use super::metadata::Metadata;
use crate::value::{Map, Object, Value};

/// Converts plain values data to a template value: floats stay float64 (YAML numbers), integer
/// JSON numbers become int64 (only `--set` produces them, as Helm's strvals does).
pub fn to_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => {
            if n.is_f64() {
                Value::Float(n.as_f64().unwrap_or(0.0))
            } else if let Some(i) = n.as_i64() {
                Value::Int64(i)
            } else {
                Value::Float(n.as_f64().unwrap_or(0.0))
            }
        }
        Json::String(s) => Value::str(s),
        Json::Array(a) => Value::list(a.iter().map(to_value).collect()),
        Json::Object(o) => map_value(o),
    }
}

/// A values table as a fresh template map.
pub fn map_value(o: &serde_json::Map<String, Json>) -> Value {
    Value::map(o.iter().map(|(k, v)| (k.clone(), to_value(v))).collect())
}

/// `.Capabilities.KubeVersion`.
#[derive(Debug, Clone, PartialEq)]
pub struct KubeVersion {
    /// `v1.36.0`
    pub version: String,
    /// `1`
    pub major: String,
    /// `36`
    pub minor: String,
}

/// `.Capabilities.HelmVersion` (Helm's `version.BuildInfo`).
#[derive(Debug, Clone, PartialEq)]
pub struct HelmVersion {
    /// `version`
    pub version: String,
    /// `git_commit` (omitted when empty)
    pub git_commit: String,
    /// `git_tree_state` (omitted when empty)
    pub git_tree_state: String,
    /// `go_version` (omitted when empty)
    pub go_version: String,
    /// `kube_client_version`
    pub kube_client_version: String,
}

/// What the cluster (or Helm's offline defaults) supports.
#[derive(Debug, Clone, PartialEq)]
pub struct Capabilities {
    /// Kubernetes version.
    pub kube_version: KubeVersion,
    /// Group/versions (and optionally `group/version/Kind`) the cluster serves.
    pub api_versions: Vec<String>,
    /// Helm build information.
    pub helm_version: HelmVersion,
}

/// Helm's `DefaultVersionSet` as built into v4.2.3 (`helm template` without a cluster).
const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha2",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

impl Default for Capabilities {
    /// Helm v4.2.3's offline capabilities (what `helm template` uses without `--kube-version`).
    fn default() -> Capabilities {
        Capabilities {
            kube_version: KubeVersion {
                version: "v1.36.0".into(),
                major: "1".into(),
                minor: "36".into(),
            },
            api_versions: DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect(),
            helm_version: HelmVersion {
                version: "v4.2".into(),
                git_commit: String::new(),
                git_tree_state: String::new(),
                go_version: "go1.26.6".into(),
                kube_client_version: "v1.36".into(),
            },
        }
    }
}

impl Capabilities {
    /// The `.Capabilities` template object.
    pub fn to_object(&self) -> Value {
        Value::Object(Rc::new(CapsObj(Rc::new(self.clone()))))
    }
}

#[derive(Debug)]
struct CapsObj(Rc<Capabilities>);
#[derive(Debug)]
struct KubeVersionObj(Rc<Capabilities>);
#[derive(Debug)]
struct VersionSetObj(Rc<Capabilities>);
#[derive(Debug)]
struct HelmVersionObj(Rc<Capabilities>);

impl Object for CapsObj {
    fn type_name(&self) -> &str {
        "*common.Capabilities"
    }
    fn field(&self, name: &str) -> Option<Value> {
        let c = self.0.clone();
        Some(match name {
            "KubeVersion" => Value::Object(Rc::new(KubeVersionObj(c))),
            "APIVersions" => Value::Object(Rc::new(VersionSetObj(c))),
            "HelmVersion" => Value::Object(Rc::new(HelmVersionObj(c))),
            _ => return None,
        })
    }
    fn display(&self) -> String {
        format!(
            "&{{{} {} {}}}",
            KubeVersionObj(self.0.clone()).struct_display(),
            VersionSetObj(self.0.clone()).display(),
            HelmVersionObj(self.0.clone()).display()
        )
    }
    fn to_data(&self) -> Value {
        let mut m = Map::new();
        m.insert(
            "KubeVersion".into(),
            KubeVersionObj(self.0.clone()).to_data(),
        );
        m.insert(
            "APIVersions".into(),
            VersionSetObj(self.0.clone()).to_data(),
        );
        m.insert(
            "HelmVersion".into(),
            HelmVersionObj(self.0.clone()).to_data(),
        );
        Value::map(m)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl KubeVersionObj {
    fn struct_display(&self) -> String {
        let k = &self.0.kube_version;
        format!("{{{} {} {}}}", k.version, k.major, k.minor)
    }
}

impl Object for KubeVersionObj {
    fn type_name(&self) -> &str {
        "common.KubeVersion"
    }
    fn field(&self, name: &str) -> Option<Value> {
        let k = &self.0.kube_version;
        Some(Value::str(match name {
            "Version" | "GitVersion" | "String" => &k.version,
            "Major" => &k.major,
            "Minor" => &k.minor,
            _ => return None,
        }))
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        match name {
            "String" | "GitVersion" if args.is_empty() => self.field(name).map(Ok),
            _ => None,
        }
    }
    /// Go prints it through its `String()` method: the version.
    fn display(&self) -> String {
        self.0.kube_version.version.clone()
    }
    fn to_data(&self) -> Value {
        let k = &self.0.kube_version;
        let mut m = Map::new();
        m.insert("Version".into(), Value::str(&k.version));
        m.insert("Major".into(), Value::str(&k.major));
        m.insert("Minor".into(), Value::str(&k.minor));
        Value::map(m)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Object for VersionSetObj {
    fn type_name(&self) -> &str {
        "common.VersionSet"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if name != "Has" {
            return None;
        }
        Some(match args {
            [Value::Str(s)] => Ok(Value::Bool(
                self.0.api_versions.iter().any(|v| v.as_str() == &**s),
            )),
            [other] => Err(format!(
                "wrong type for value; expected string; got {}",
                other.type_name()
            )),
            _ => Err(format!(
                "wrong number of args for Has: want 1 got {}",
                args.len()
            )),
        })
    }
    fn display(&self) -> String {
        format!("[{}]", self.0.api_versions.join(" "))
    }
    fn to_data(&self) -> Value {
        Value::list(self.0.api_versions.iter().map(Value::str).collect())
    }
    fn entries(&self) -> Option<Vec<(String, Value)>> {
        Some(
            self.0
                .api_versions
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), Value::str(v)))
                .collect(),
        )
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Object for HelmVersionObj {
    fn type_name(&self) -> &str {
        "version.BuildInfo"
    }
    fn field(&self, name: &str) -> Option<Value> {
        let h = &self.0.helm_version;
        Some(Value::str(match name {
            "Version" => &h.version,
            "GitCommit" => &h.git_commit,
            "GitTreeState" => &h.git_tree_state,
            "GoVersion" => &h.go_version,
            "KubeClientVersion" => &h.kube_client_version,
            _ => return None,
        }))
    }
    fn display(&self) -> String {
        let h = &self.0.helm_version;
        format!(
            "{{{} {} {} {} {}}}",
            h.version, h.git_commit, h.git_tree_state, h.go_version, h.kube_client_version
        )
    }
    fn to_data(&self) -> Value {
        let h = &self.0.helm_version;
        let mut m = Map::new();
        m.insert("version".into(), Value::str(&h.version));
        if !h.git_commit.is_empty() {
            m.insert("git_commit".into(), Value::str(&h.git_commit));
        }
        if !h.git_tree_state.is_empty() {
            m.insert("git_tree_state".into(), Value::str(&h.git_tree_state));
        }
        if !h.go_version.is_empty() {
            m.insert("go_version".into(), Value::str(&h.go_version));
        }
        m.insert(
            "kube_client_version".into(),
            Value::str(&h.kube_client_version),
        );
        Value::map(m)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `.Chart`: Helm v4 hands templates a `map[string]interface{}` built from `chart.Metadata`
/// with Go field names (plus `IsRoot`), so `toYaml .Chart` prints `APIVersion:`, `Name:`, ...
/// and empty lists as `[]` (checked against Helm v4.2.3).
pub fn chart_value(m: &Metadata, is_root: bool) -> Value {
    let strs = |v: &[String]| Value::list(v.iter().map(Value::str).collect());
    let mut o = Map::new();
    o.insert("APIVersion".into(), Value::str(&m.api_version));
    o.insert(
        "Annotations".into(),
        Value::map(
            m.annotations
                .iter()
                .map(|(k, v)| (k.clone(), Value::str(v)))
                .collect(),
        ),
    );
    o.insert("AppVersion".into(), Value::str(&m.app_version));
    o.insert("Condition".into(), Value::str(&m.condition));
    o.insert(
        "Dependencies".into(),
        Value::list(
            m.dependencies
                .iter()
                .map(|d| {
                    let mut o = Map::new();
                    o.insert("Alias".into(), Value::str(&d.alias));
                    o.insert("Condition".into(), Value::str(&d.condition));
                    o.insert("Enabled".into(), Value::Bool(d.enabled));
                    o.insert(
                        "ImportValues".into(),
                        Value::list(d.import_values.iter().map(to_value).collect()),
                    );
                    o.insert("Name".into(), Value::str(&d.name));
                    o.insert("Repository".into(), Value::str(&d.repository));
                    o.insert("Tags".into(), strs(&d.tags));
                    o.insert("Version".into(), Value::str(&d.version));
                    Value::map(o)
                })
                .collect(),
        ),
    );
    o.insert("Deprecated".into(), Value::Bool(m.deprecated));
    o.insert("Description".into(), Value::str(&m.description));
    o.insert("Home".into(), Value::str(&m.home));
    o.insert("Icon".into(), Value::str(&m.icon));
    o.insert("IsRoot".into(), Value::Bool(is_root));
    o.insert("Keywords".into(), strs(&m.keywords));
    o.insert("KubeVersion".into(), Value::str(&m.kube_version));
    o.insert(
        "Maintainers".into(),
        Value::list(
            m.maintainers
                .iter()
                .map(|mt| {
                    let mut o = Map::new();
                    o.insert("Email".into(), Value::str(&mt.email));
                    o.insert("Name".into(), Value::str(&mt.name));
                    o.insert("URL".into(), Value::str(&mt.url));
                    Value::map(o)
                })
                .collect(),
        ),
    );
    o.insert("Name".into(), Value::str(&m.name));
    o.insert("Sources".into(), strs(&m.sources));
    o.insert("Tags".into(), Value::str(&m.tags));
    o.insert("Type".into(), Value::str(&m.chart_type));
    o.insert("Version".into(), Value::str(&m.version));
    Value::map(o)
}

/// `.Release` (a plain map in Helm, so missing keys print as empty).
pub fn release_value(name: &str, namespace: &str, revision: u64, is_install: bool) -> Value {
    let mut m = Map::new();
    m.insert("Name".into(), Value::str(name));
    m.insert("Namespace".into(), Value::str(namespace));
    m.insert("IsUpgrade".into(), Value::Bool(!is_install));
    m.insert("IsInstall".into(), Value::Bool(is_install));
    m.insert("Revision".into(), Value::Int(revision as i64));
    m.insert("Service".into(), Value::str("Helm"));
    Value::map(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_capabilities_match_helm_4_2_3() {
        let c = Capabilities::default();
        assert_eq!(c.api_versions.len(), 55);
        let o = c.to_object();
        let Value::Object(o) = o else { panic!() };
        let kv = o.field("KubeVersion").unwrap();
        assert_eq!(kv.to_string(), "v1.36.0");
        let Value::Object(apis) = o.field("APIVersions").unwrap() else {
            panic!()
        };
        let has = |s: &str| apis.call("Has", &[Value::str(s)]).unwrap().unwrap();
        assert!(has("apps/v1").truthy());
        assert!(!has("apps/v1/Deployment").truthy());
        let Value::Object(hv) = o.field("HelmVersion").unwrap() else {
            panic!()
        };
        assert_eq!(
            hv.to_data().to_json().to_string(),
            r#"{"go_version":"go1.26.6","kube_client_version":"v1.36","version":"v4.2"}"#
        );
    }

    #[test]
    fn chart_is_a_map_with_go_field_names() {
        let md = Metadata {
            name: "c".into(),
            version: "1.0.0".into(),
            api_version: "v2".into(),
            ..Metadata::default()
        };
        let v = chart_value(&md, true);
        assert_eq!(v.type_name(), "map[string]interface {}");
        assert_eq!(
            v.to_json().to_string(),
            r#"{"APIVersion":"v2","Annotations":{},"AppVersion":"","Condition":"","Dependencies":[],"Deprecated":false,"Description":"","Home":"","Icon":"","IsRoot":true,"Keywords":[],"KubeVersion":"","Maintainers":[],"Name":"c","Sources":[],"Tags":"","Type":"","Version":"1.0.0"}"#
        );
    }

    #[test]
    fn numbers_keep_helm_types() {
        assert_eq!(to_value(&serde_json::json!(1.0)).type_name(), "float64");
        assert_eq!(to_value(&serde_json::json!(1)).type_name(), "int64");
    }
}
