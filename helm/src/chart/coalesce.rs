//! Value coalescing exactly as Helm's `pkg/chart/common/util/coalesce.go`: user values over
//! chart defaults, subchart sections, `global` propagation parent → children, `null` deleting a
//! default, and the "destination for X is a table" cases. Works on owned copies, so the loaded
//! chart is never touched.

use serde_json::Value as Json;

use super::deps::Proc;

/// A values table.
pub type Map = serde_json::Map<String, Json>;

/// Warnings Helm would log while coalescing (`log.Printf`), collected instead.
#[derive(Debug, Default)]
pub struct Warnings(pub Vec<String>);

impl Warnings {
    fn push(&mut self, s: String) {
        if !self.0.contains(&s) {
            self.0.push(s);
        }
    }
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

/// Go's `%v` of a value, for warning texts.
fn sprint(v: &Json) -> String {
    crate::value::Value::from_json(v).to_string()
}

/// `CoalesceValues` (merge = false) / `MergeValues` (merge = true): `vals` over the chart tree.
pub fn coalesce_values(
    ch: &Proc,
    vals: &Map,
    merge: bool,
    w: &mut Warnings,
) -> Result<Map, String> {
    let mut dest = vals.clone();
    coalesce(ch, &mut dest, "", merge, w)?;
    Ok(dest)
}

fn coalesce(
    ch: &Proc,
    dest: &mut Map,
    prefix: &str,
    merge: bool,
    w: &mut Warnings,
) -> Result<(), String> {
    coalesce_chart_values(ch, dest, prefix, merge, w);
    coalesce_deps(ch, dest, prefix, merge, w)
}

fn coalesce_deps(
    ch: &Proc,
    dest: &mut Map,
    prefix: &str,
    merge: bool,
    w: &mut Warnings,
) -> Result<(), String> {
    for sub in &ch.children {
        let name = sub.name();
        let mut dv = match dest.remove(name) {
            None => Map::new(),
            Some(Json::Object(m)) => m,
            Some(other) => {
                return Err(format!("type mismatch on {name}: %!t({})", sprint(&other)));
            }
        };
        let sub_prefix = concat_prefix(prefix, ch.name());
        coalesce_globals(&mut dv, dest, &sub_prefix, w);
        coalesce(sub, &mut dv, &sub_prefix, merge, w)?;
        dest.insert(name.to_string(), Json::Object(dv));
    }
    Ok(())
}

/// Copies the parent's `global` table into a child's section, parent values winning.
fn coalesce_globals(dest: &mut Map, src: &Map, prefix: &str, w: &mut Warnings) {
    let mut dg = match dest.get("global") {
        None => Map::new(),
        Some(Json::Object(m)) => m.clone(),
        Some(_) => {
            w.push("warning: skipping globals because destination global is not a table.".into());
            return;
        }
    };
    let sg = match src.get("global") {
        None => Map::new(),
        Some(Json::Object(m)) => m.clone(),
        Some(_) => {
            w.push("warning: skipping globals because source global is not a table.".into());
            return;
        }
    };
    for (key, val) in sg {
        match val {
            Json::Object(vv) => {
                let mut vv = vv;
                match dg.remove(&key) {
                    None => {
                        dg.insert(key, Json::Object(vv));
                    }
                    Some(Json::Object(destv)) => {
                        let sub_prefix = concat_prefix(prefix, &key);
                        coalesce_tables(&mut vv, destv, &sub_prefix, true, w);
                        dg.insert(key, Json::Object(vv));
                    }
                    Some(other) => {
                        w.push(format!(
                            "Conflict: cannot merge map onto non-map for {key:?}. Skipping."
                        ));
                        dg.insert(key, other);
                    }
                }
            }
            val => {
                if matches!(dg.get(&key), Some(Json::Object(_))) {
                    w.push(format!("key {key} is table. Skipping"));
                } else {
                    dg.insert(key, val);
                }
            }
        }
    }
    dest.insert("global".into(), Json::Object(dg));
}

/// `coalesceValues`: one chart's defaults under the values `v` destined for it. In Helm v4.2.3
/// chart-default nulls are dropped at every level when coalescing (checked against real Helm:
/// a top-level `a: null` default does not appear in `.Values`).
fn coalesce_chart_values(ch: &Proc, v: &mut Map, prefix: &str, merge: bool, w: &mut Warnings) {
    let sub_prefix = concat_prefix(prefix, ch.name());
    for (key, val) in ch.values.iter().map(|(k, v)| (k.clone(), v.clone())) {
        match v.get_mut(&key) {
            Some(Json::Null) if !merge => {
                v.remove(&key);
            }
            Some(Json::Object(dest)) => match val {
                Json::Object(mut src) => {
                    let merge = merge || ch.children.iter().any(|c| c.name() == key);
                    if !merge {
                        clean_nil_values(&mut src);
                    }
                    coalesce_tables(dest, src, &concat_prefix(&sub_prefix, &key), merge, w);
                }
                Json::Null => {}
                _ => w.push(format!(
                    "warning: skipped value for {sub_prefix}.{key}: Not a table."
                )),
            },
            Some(_) => {}
            None => {
                let mut val = val;
                if !merge {
                    if val.is_null() {
                        continue;
                    }
                    if let Json::Object(m) = &mut val {
                        clean_nil_values(m);
                    }
                }
                v.insert(key, val);
            }
        }
    }
}

/// `CoalesceTables` (merge = false) / `MergeTables` (merge = true): `src` under `dst`.
pub fn coalesce_tables(dst: &mut Map, mut src: Map, prefix: &str, merge: bool, w: &mut Warnings) {
    let src_non_nil: std::collections::HashSet<String> = src
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, _)| k.clone())
        .collect();
    for (k, v) in dst.iter() {
        if v.is_null() {
            src.insert(k.clone(), Json::Null);
        }
    }
    for (key, val) in src {
        let fullkey = concat_prefix(prefix, &key);
        match dst.get_mut(&key) {
            Some(Json::Null) if !merge && src_non_nil.contains(&key) => {
                dst.remove(&key);
            }
            None => {
                dst.insert(key, val);
            }
            Some(dv) => match (dv, val) {
                (Json::Object(dm), Json::Object(sm)) => coalesce_tables(dm, sm, &fullkey, merge, w),
                (_, val @ Json::Object(_)) => w.push(format!(
                    "warning: cannot overwrite table with non table for {fullkey} ({})",
                    sprint(&val)
                )),
                (Json::Object(_), val) if !val.is_null() => w.push(format!(
                    "warning: destination for {fullkey} is a table. Ignoring non-table value ({})",
                    sprint(&val)
                )),
                _ => {}
            },
        }
    }
}

/// Removes nulls recursively (chart-default nulls must not leak into subchart values).
pub fn clean_nil_values(m: &mut Map) {
    m.retain(|_, v| !v.is_null());
    for v in m.values_mut() {
        if let Json::Object(sub) = v {
            clean_nil_values(sub);
        }
    }
}

/// Helm's `Values.Table`: walks a dotted path of tables.
pub fn table<'a>(vals: &'a Map, path: &str) -> Option<&'a Map> {
    let mut cur = vals;
    for part in path.split('.') {
        match cur.get(part) {
            Some(Json::Object(m)) => cur = m,
            _ => return None,
        }
    }
    Some(cur)
}

/// Helm's `Values.PathValue`: a non-table value at a dotted path.
pub fn path_value<'a>(vals: &'a Map, path: &str) -> Option<&'a Json> {
    if path.is_empty() {
        return None;
    }
    let (parent, key) = match path.rsplit_once('.') {
        Some((p, k)) => (table(vals, p)?, k),
        None => (vals, path),
    };
    match parent.get(key) {
        Some(Json::Object(_)) | None => None,
        Some(v) => Some(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: Json) -> Map {
        match v {
            Json::Object(m) => m,
            _ => panic!(),
        }
    }

    #[test]
    fn coalesce_tables_user_wins_and_null_deletes() {
        let mut w = Warnings::default();
        let mut dst = m(json!({"a": 1, "b": null, "c": {"x": 1}, "d": {"t": 1}}));
        let src = m(json!({"a": 2, "b": 3, "c": {"y": 2}, "d": 5, "e": 6}));
        coalesce_tables(&mut dst, src, "", false, &mut w);
        assert_eq!(
            Json::Object(dst),
            json!({"a": 1, "c": {"x": 1, "y": 2}, "d": {"t": 1}, "e": 6})
        );
        assert_eq!(
            w.0,
            ["warning: destination for d is a table. Ignoring non-table value (5)"]
        );
    }

    #[test]
    fn merge_keeps_nulls() {
        let mut w = Warnings::default();
        let mut dst = m(json!({"b": null}));
        coalesce_tables(&mut dst, m(json!({"b": 3})), "", true, &mut w);
        assert_eq!(Json::Object(dst), json!({"b": null}));
    }

    #[test]
    fn path_lookups() {
        let v = m(json!({"a": {"b": {"enabled": true}, "t": {}}}));
        assert_eq!(path_value(&v, "a.b.enabled"), Some(&json!(true)));
        assert_eq!(path_value(&v, "a.t"), None);
        assert_eq!(path_value(&v, "a.x.enabled"), None);
        assert!(table(&v, "a.b").is_some());
    }
}
