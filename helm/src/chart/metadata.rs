//! `Chart.yaml` as Helm's `chart.Metadata` (and `requirements.yaml` dependencies for apiVersion
//! v1 charts), read leniently like `sigs.k8s.io/yaml` into a Go struct, plus Helm's validation.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::value::format_float_g;

/// A chart maintainer (`chart.Maintainer`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Maintainer {
    /// `name`
    pub name: String,
    /// `email`
    pub email: String,
    /// `url`
    pub url: String,
}

/// One `dependencies:` entry (`chart.Dependency`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dependency {
    /// Chart name (replaced by the alias once dependencies are processed).
    pub name: String,
    /// Version constraint.
    pub version: String,
    /// Repository URL.
    pub repository: String,
    /// Comma-separated value paths enabling the dependency.
    pub condition: String,
    /// Tags enabling the dependency.
    pub tags: Vec<String>,
    /// Set while processing dependencies.
    pub enabled: bool,
    /// `import-values` entries, strings or `{child, parent}` maps.
    pub import_values: Vec<Json>,
    /// Alias name.
    pub alias: String,
}

/// `Chart.yaml` contents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    /// `name`
    pub name: String,
    /// `home`
    pub home: String,
    /// `sources`
    pub sources: Vec<String>,
    /// `version`
    pub version: String,
    /// `description`
    pub description: String,
    /// `keywords`
    pub keywords: Vec<String>,
    /// `maintainers`
    pub maintainers: Vec<Maintainer>,
    /// `icon`
    pub icon: String,
    /// `apiVersion` (`v1` when absent, as Helm 2 charts are accepted).
    pub api_version: String,
    /// `condition`
    pub condition: String,
    /// `tags`
    pub tags: String,
    /// `appVersion`
    pub app_version: String,
    /// `deprecated`
    pub deprecated: bool,
    /// `annotations`
    pub annotations: BTreeMap<String, String>,
    /// `kubeVersion`
    pub kube_version: String,
    /// `dependencies`
    pub dependencies: Vec<Dependency>,
    /// `type`: `application`, `library` or empty.
    pub chart_type: String,
}

/// A Go string field fed from YAML: scalars of other types become their text, as
/// `sigs.k8s.io/yaml` converts them when the target field is a string.
fn string_of(v: Option<&Json>) -> String {
    match v {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Number(n)) => n
            .as_f64()
            .map(format_float_g)
            .unwrap_or_else(|| n.to_string()),
        Some(Json::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn strings_of(v: Option<&Json>) -> Vec<String> {
    match v {
        Some(Json::Array(a)) => a.iter().map(|x| string_of(Some(x))).collect(),
        _ => Vec::new(),
    }
}

impl Dependency {
    fn from_json(v: &Json) -> Dependency {
        let import_values = match v.get("import-values") {
            Some(Json::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        Dependency {
            name: string_of(v.get("name")),
            version: string_of(v.get("version")),
            repository: string_of(v.get("repository")),
            condition: string_of(v.get("condition")),
            tags: strings_of(v.get("tags")),
            enabled: matches!(v.get("enabled"), Some(Json::Bool(true))),
            import_values,
            alias: string_of(v.get("alias")),
        }
    }

    /// The struct's JSON form (its Go `json` tags).
    pub fn to_json(&self) -> Json {
        let mut m = serde_json::Map::new();
        m.insert("name".into(), Json::String(self.name.clone()));
        put_str(&mut m, "version", &self.version);
        m.insert("repository".into(), Json::String(self.repository.clone()));
        put_str(&mut m, "condition", &self.condition);
        put_list(&mut m, "tags", &self.tags);
        if self.enabled {
            m.insert("enabled".into(), Json::Bool(true));
        }
        if !self.import_values.is_empty() {
            m.insert(
                "import-values".into(),
                Json::Array(self.import_values.clone()),
            );
        }
        put_str(&mut m, "alias", &self.alias);
        Json::Object(m)
    }
}

fn put_str(m: &mut serde_json::Map<String, Json>, k: &str, v: &str) {
    if !v.is_empty() {
        m.insert(k.into(), Json::String(v.into()));
    }
}

fn put_list(m: &mut serde_json::Map<String, Json>, k: &str, v: &[String]) {
    if !v.is_empty() {
        m.insert(
            k.into(),
            Json::Array(v.iter().map(|s| Json::String(s.clone())).collect()),
        );
    }
}

impl Metadata {
    /// Reads the metadata from parsed `Chart.yaml` data.
    pub fn from_json(v: &Json) -> Metadata {
        let maintainers = match v.get("maintainers") {
            Some(Json::Array(a)) => a
                .iter()
                .map(|m| Maintainer {
                    name: string_of(m.get("name")),
                    email: string_of(m.get("email")),
                    url: string_of(m.get("url")),
                })
                .collect(),
            _ => Vec::new(),
        };
        let annotations = match v.get("annotations") {
            Some(Json::Object(o)) => o
                .iter()
                .map(|(k, v)| (k.clone(), string_of(Some(v))))
                .collect(),
            _ => BTreeMap::new(),
        };
        let mut md = Metadata {
            name: string_of(v.get("name")),
            home: string_of(v.get("home")),
            sources: strings_of(v.get("sources")),
            version: string_of(v.get("version")),
            description: string_of(v.get("description")),
            keywords: strings_of(v.get("keywords")),
            maintainers,
            icon: string_of(v.get("icon")),
            api_version: string_of(v.get("apiVersion")),
            condition: string_of(v.get("condition")),
            tags: string_of(v.get("tags")),
            app_version: string_of(v.get("appVersion")),
            deprecated: matches!(v.get("deprecated"), Some(Json::Bool(true))),
            annotations,
            kube_version: string_of(v.get("kubeVersion")),
            dependencies: Vec::new(),
            chart_type: string_of(v.get("type")),
        };
        md.set_dependencies(v);
        if md.api_version.is_empty() {
            md.api_version = "v1".into();
        }
        md
    }

    /// Reads `dependencies:` (Chart.yaml, or requirements.yaml for v1 charts).
    pub fn set_dependencies(&mut self, v: &Json) {
        if let Some(Json::Array(a)) = v.get("dependencies") {
            self.dependencies = a.iter().map(Dependency::from_json).collect();
        }
    }

    /// Whether this is a library chart (templates usable, nothing rendered).
    pub fn is_library(&self) -> bool {
        self.chart_type == "library"
    }

    /// Helm's `Metadata.Validate`, the checks that matter for loading.
    pub fn validate(&self) -> Result<(), String> {
        if self.api_version.is_empty() {
            return Err("validation: chart.metadata.apiVersion is required".into());
        }
        if self.name.is_empty() {
            return Err("validation: chart.metadata.name is required".into());
        }
        if self.name.contains('/') || self.name.contains('\\') || self.name == ".." {
            return Err(format!(
                "validation: chart.metadata.name {:?} is invalid",
                self.name
            ));
        }
        if self.version.is_empty() {
            return Err("validation: chart.metadata.version is required".into());
        }
        if crate::funcs::semver::Version::parse(&self.version).is_err() {
            return Err(format!(
                "validation: chart.metadata.version {:?} is invalid",
                self.version
            ));
        }
        if !matches!(self.chart_type.as_str(), "" | "application" | "library") {
            return Err("validation: chart.metadata.type must be application or library".into());
        }
        for d in &self.dependencies {
            if d.name.is_empty() {
                return Err("validation: dependencies must have a name".into());
            }
        }
        Ok(())
    }

    /// The struct's JSON form (its Go `json` tags, `omitempty` honoured): what `toYaml .Chart`
    /// and `toJson .Chart` print.
    pub fn to_json(&self) -> serde_json::Map<String, Json> {
        let mut m = serde_json::Map::new();
        put_str(&mut m, "name", &self.name);
        put_str(&mut m, "home", &self.home);
        put_list(&mut m, "sources", &self.sources);
        put_str(&mut m, "version", &self.version);
        put_str(&mut m, "description", &self.description);
        put_list(&mut m, "keywords", &self.keywords);
        if !self.maintainers.is_empty() {
            let list = self
                .maintainers
                .iter()
                .map(|mt| {
                    let mut o = serde_json::Map::new();
                    put_str(&mut o, "name", &mt.name);
                    put_str(&mut o, "email", &mt.email);
                    put_str(&mut o, "url", &mt.url);
                    Json::Object(o)
                })
                .collect();
            m.insert("maintainers".into(), Json::Array(list));
        }
        put_str(&mut m, "icon", &self.icon);
        put_str(&mut m, "apiVersion", &self.api_version);
        put_str(&mut m, "condition", &self.condition);
        put_str(&mut m, "tags", &self.tags);
        put_str(&mut m, "appVersion", &self.app_version);
        if self.deprecated {
            m.insert("deprecated".into(), Json::Bool(true));
        }
        if !self.annotations.is_empty() {
            m.insert(
                "annotations".into(),
                Json::Object(
                    self.annotations
                        .iter()
                        .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                        .collect(),
                ),
            );
        }
        put_str(&mut m, "kubeVersion", &self.kube_version);
        if !self.dependencies.is_empty() {
            m.insert(
                "dependencies".into(),
                Json::Array(self.dependencies.iter().map(Dependency::to_json).collect()),
            );
        }
        put_str(&mut m, "type", &self.chart_type);
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_chart_yaml_fields() {
        let v = serde_json::json!({"apiVersion": "v2", "name": "a", "version": "1.2.3",
            "appVersion": 1.0, "dependencies": [{"name": "b", "version": "1.x.x", "alias": "c",
            "import-values": ["x"]}], "type": "library"});
        let md = Metadata::from_json(&v);
        assert_eq!(md.app_version, "1");
        assert_eq!(md.dependencies[0].alias, "c");
        assert!(md.is_library());
        assert!(md.validate().is_ok());
        assert_eq!(md.to_json()["dependencies"][0]["import-values"][0], "x");
    }

    #[test]
    fn missing_api_version_means_v1() {
        let md = Metadata::from_json(&serde_json::json!({"name": "a", "version": "1"}));
        assert_eq!(md.api_version, "v1");
        let bad = Metadata::from_json(&serde_json::json!({"name": "a", "version": "x.y"}));
        assert!(bad.validate().is_err());
    }
}
