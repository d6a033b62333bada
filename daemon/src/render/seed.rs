//! `lookup` of a chart's own objects before they exist. A chart that generates a value once and
//! reuses it through `lookup` (DeepSpeed's ssh key, Bitnami's managed passwords) finds nothing on
//! its first sync, so every `include` of the generating template makes a new value: the Secret
//! holds one key while the `checksum/...` annotations of the pods using it hash others. From the
//! next sync on, `lookup` finds the live Secret and the checksums change, so the app is out of
//! sync right after its first sync and the next one restarts its pods (recreates its Jobs).
//!
//! [`Recording`] notes the lookups that found nothing; when the render produced some of those
//! objects itself, the chart is rendered again with [`Seeded`] answering them from the first
//! render's output, as they will be live. That second render is what every later render sees.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use serde_json::Value as Json;
use syncd_helm::template::Host;
use syncd_helm::Value;

use crate::object::Manifest;

/// `(apiVersion, kind, namespace, name)` as `lookup` names an object.
type Key = (String, String, String, String);

/// Passes lookups through and remembers the named ones that found nothing.
pub struct Recording<'a> {
    inner: &'a dyn Host,
    misses: RefCell<BTreeSet<Key>>,
}

impl<'a> Recording<'a> {
    /// Records lookups answered by `inner`.
    pub fn new(inner: &'a dyn Host) -> Recording<'a> {
        Recording {
            inner,
            misses: RefCell::new(BTreeSet::new()),
        }
    }

    /// The rendered objects a lookup asked for and did not find, keyed as looked up and turned
    /// into what the API server will hold (`stringData` folded into `data`). A manifest without a
    /// namespace answers lookups in the release namespace (where syncd puts it) and cluster-wide.
    pub fn seeds(&self, manifests: &[Manifest], release_ns: &str) -> HashMap<Key, Json> {
        let misses = self.misses.borrow();
        let mut out = HashMap::new();
        for (api_version, kind, ns, name) in misses.iter() {
            let found = manifests.iter().find(|m| {
                let meta = &m.object["metadata"];
                let own_ns = meta["namespace"].as_str();
                m.object["apiVersion"].as_str() == Some(api_version)
                    && m.object["kind"].as_str() == Some(kind)
                    && meta["name"].as_str() == Some(name)
                    && match own_ns {
                        Some(own) => own == ns,
                        None => ns == release_ns || ns.is_empty(),
                    }
            });
            if let Some(m) = found {
                out.insert(
                    (api_version.clone(), kind.clone(), ns.clone(), name.clone()),
                    as_stored(&m.object),
                );
            }
        }
        out
    }
}

impl Host for Recording<'_> {
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Value, String> {
        let found = self.inner.lookup(api_version, kind, namespace, name)?;
        let empty = matches!(&found, Value::Map(m) if m.borrow().is_empty());
        // A list lookup (no name) is not seeded: its answer would depend on the whole render.
        if empty && !name.is_empty() {
            self.misses.borrow_mut().insert((
                api_version.into(),
                kind.into(),
                namespace.into(),
                name.into(),
            ));
        }
        Ok(found)
    }
}

/// Answers lookups of the seeded objects from them, everything else from `inner`.
pub struct Seeded<'a> {
    inner: &'a dyn Host,
    objects: HashMap<Key, Json>,
}

impl<'a> Seeded<'a> {
    /// `objects` (from [`Recording::seeds`]) over `inner`.
    pub fn new(inner: &'a dyn Host, objects: HashMap<Key, Json>) -> Seeded<'a> {
        Seeded { inner, objects }
    }
}

impl Host for Seeded<'_> {
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Value, String> {
        let key = (
            api_version.to_string(),
            kind.to_string(),
            namespace.to_string(),
            name.to_string(),
        );
        match self.objects.get(&key) {
            Some(obj) => Ok(Value::from_json(obj)),
            None => self.inner.lookup(api_version, kind, namespace, name),
        }
    }
}

/// A rendered object as the server will return it where charts look: a Secret's `stringData`
/// is stored base64-encoded under `data`.
fn as_stored(obj: &Json) -> Json {
    use base64::Engine;
    let mut out = obj.clone();
    if obj["kind"] == "Secret" && obj["apiVersion"] == "v1" {
        if let Some(Json::Object(string_data)) =
            out.as_object_mut().and_then(|o| o.remove("stringData"))
        {
            let data = out
                .as_object_mut()
                .expect("a Secret is an object")
                .entry("data")
                .or_insert_with(|| Json::Object(Default::default()));
            if let Json::Object(data) = data {
                for (k, v) in string_data {
                    let text = v.as_str().unwrap_or_default();
                    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
                    data.insert(k, Json::String(encoded));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::{ObjectId, Origin};
    use serde_json::json;

    /// Answers one live object, nothing else.
    struct OneLive(Json);

    impl Host for OneLive {
        fn lookup(&self, _: &str, kind: &str, _: &str, name: &str) -> Result<Value, String> {
            if self.0["kind"] == kind && self.0["metadata"]["name"] == name {
                return Ok(Value::from_json(&self.0));
            }
            Ok(Value::empty_map())
        }
    }

    fn manifest(obj: Json) -> Manifest {
        Manifest {
            id: ObjectId {
                group: String::new(),
                kind: obj["kind"].as_str().unwrap().into(),
                namespace: obj["metadata"]["namespace"].as_str().map(Into::into),
                name: obj["metadata"]["name"].as_str().unwrap().into(),
            },
            api_version: "v1".into(),
            object: obj,
            origin: Origin {
                file: "t.yaml".into(),
                doc: 0,
                line: 1,
            },
            namespace_defaulted: false,
        }
    }

    #[test]
    fn lookup_of_an_object_the_render_creates_is_answered_from_the_render() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "live"}});
        let host = OneLive(live);
        let rec = Recording::new(&host);
        assert!(
            !matches!(rec.lookup("v1", "ConfigMap", "ns", "live").unwrap(), Value::Map(m) if m.borrow().is_empty())
        );
        rec.lookup("v1", "Secret", "ns", "ssh-key").unwrap();
        rec.lookup("v1", "Secret", "ns", "elsewhere").unwrap();
        rec.lookup("v1", "Secret", "ns", "").unwrap();
        let rendered = [
            manifest(json!({"apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "ssh-key"}, "stringData": {"id_rsa": "KEY"}})),
            manifest(json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "unrelated"}})),
        ];
        let seeds = rec.seeds(&rendered, "ns");
        // Only the missed object the render produced; not live ones, not unrendered ones.
        assert_eq!(seeds.len(), 1);
        let seeded = Seeded::new(&host, seeds);
        let secret = seeded
            .lookup("v1", "Secret", "ns", "ssh-key")
            .unwrap()
            .to_json();
        assert_eq!(
            secret["data"]["id_rsa"], "S0VZ",
            "stored as the server stores it"
        );
        assert!(secret.get("stringData").is_none());
        let other = seeded
            .lookup("v1", "ConfigMap", "ns", "live")
            .unwrap()
            .to_json();
        assert_eq!(
            other["metadata"]["name"], "live",
            "the rest still comes from the cluster"
        );
        let missing = seeded
            .lookup("v1", "Secret", "ns", "elsewhere")
            .unwrap()
            .to_json();
        assert_eq!(missing, json!({}));
    }

    #[test]
    fn namespace_must_match_unless_the_manifest_names_none() {
        let rec = Recording::new(&syncd_helm::template::NoCluster);
        rec.lookup("v1", "Secret", "other", "a").unwrap();
        rec.lookup("v1", "Secret", "other", "b").unwrap();
        let rendered = [
            manifest(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a"}})),
            manifest(json!({"apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "b", "namespace": "other"}})),
        ];
        let seeds = rec.seeds(&rendered, "ns");
        let names: BTreeSet<&str> = seeds.keys().map(|k| k.3.as_str()).collect();
        assert_eq!(names, BTreeSet::from(["b"]));
    }
}
