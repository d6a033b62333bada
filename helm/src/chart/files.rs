//! `.Files` as Helm's `pkg/engine/files.go` offers it: `Get`, `GetBytes`, `Glob` (gobwas/glob
//! with `/` as separator), `Lines`, `AsConfig`, `AsSecrets`, and `range` over a glob result.

use std::any::Any;
use std::rc::Rc;
use std::sync::Arc;

use base64::Engine as _;

use super::load::ChartNode;
use crate::value::{Map, Object, Value};

/// A chart's non-template files (or a `Glob` subset of them), sorted by name.
#[derive(Debug, Clone)]
pub struct FilesObj {
    node: Arc<ChartNode>,
    /// Indexes into `node.files`, sorted by name; `None` means all files.
    sel: Option<Rc<Vec<usize>>>,
}

impl FilesObj {
    /// `.Files` for one chart.
    pub fn value(node: &Arc<ChartNode>) -> Value {
        Value::Object(Rc::new(FilesObj {
            node: node.clone(),
            sel: None,
        }))
    }

    fn each(&self) -> Vec<(&str, &Arc<[u8]>)> {
        let files = &self.node.files;
        let mut out: Vec<(&str, &Arc<[u8]>)> = match &self.sel {
            None => files.iter().map(|f| (f.name.as_str(), &f.data)).collect(),
            Some(sel) => sel
                .iter()
                .map(|&i| (files[i].name.as_str(), &files[i].data))
                .collect(),
        };
        out.sort_by(|a, b| a.0.cmp(b.0));
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }

    fn get(&self, name: &str) -> Option<&Arc<[u8]>> {
        self.each()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| d)
    }

    fn glob(&self, pattern: &str) -> FilesObj {
        let re = glob_regex(pattern).unwrap_or_else(|| regex::Regex::new("^.*$").expect("re"));
        let base: Vec<usize> = match &self.sel {
            None => (0..self.node.files.len()).collect(),
            Some(s) => s.to_vec(),
        };
        let sel = base
            .into_iter()
            .filter(|&i| re.is_match(&self.node.files[i].name))
            .collect();
        FilesObj {
            node: self.node.clone(),
            sel: Some(Rc::new(sel)),
        }
    }

    /// `AsConfig`/`AsSecrets`: a map of base names to contents, as YAML.
    fn as_map(&self, secret: bool) -> String {
        let mut m = Map::new();
        for (name, data) in self.each() {
            let base = name.rsplit('/').next().unwrap_or(name).to_string();
            let v = if secret {
                base64::engine::general_purpose::STANDARD.encode(&data[..])
            } else {
                String::from_utf8_lossy(data).into_owned()
            };
            m.insert(base, Value::str(v));
        }
        if m.is_empty() {
            return "{}".into();
        }
        let y = crate::yaml::to_yaml(&Value::map(m));
        y.strip_suffix('\n').map(str::to_string).unwrap_or(y)
    }
}

fn str_arg(name: &str, args: &[Value]) -> Result<String, String> {
    match args {
        [Value::Str(s)] => Ok(s.to_string()),
        [other] => Err(format!(
            "wrong type for value; expected string; got {}",
            other.type_name()
        )),
        _ => Err(format!(
            "wrong number of args for {name}: want 1 got {}",
            args.len()
        )),
    }
}

impl Object for FilesObj {
    fn type_name(&self) -> &str {
        "engine.files"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "AsConfig" => Some(Value::str(self.as_map(false))),
            "AsSecrets" => Some(Value::str(self.as_map(true))),
            _ => None,
        }
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let r = match name {
            "Get" => str_arg(name, args).map(|n| match self.get(&n) {
                Some(d) => Value::str(String::from_utf8_lossy(d)),
                None => Value::str(""),
            }),
            "GetBytes" => str_arg(name, args).map(|n| match self.get(&n) {
                Some(d) => Value::Bytes(Rc::from(&d[..])),
                None => Value::Bytes(Rc::from(&[][..])),
            }),
            "Glob" => str_arg(name, args).map(|p| Value::Object(Rc::new(self.glob(&p)))),
            "Lines" => str_arg(name, args).map(|n| match self.get(&n) {
                Some(d) if !d.is_empty() => {
                    let s = String::from_utf8_lossy(d);
                    let s = s.strip_suffix('\n').unwrap_or(&s);
                    Value::list(s.split('\n').map(Value::str).collect())
                }
                _ => Value::list(Vec::new()),
            }),
            "AsConfig" | "AsSecrets" if args.is_empty() => Ok(self.field(name)?),
            _ => return None,
        };
        Some(r)
    }
    fn display(&self) -> String {
        let parts: Vec<String> = self
            .each()
            .into_iter()
            .map(|(n, d)| format!("{n}:{}", Value::Bytes(Rc::from(&d[..]))))
            .collect();
        format!("map[{}]", parts.join(" "))
    }
    fn to_data(&self) -> Value {
        let m: Map = self
            .each()
            .into_iter()
            .map(|(n, d)| {
                (
                    n.to_string(),
                    Value::str(base64::engine::general_purpose::STANDARD.encode(&d[..])),
                )
            })
            .collect();
        Value::map(m)
    }
    /// `files` is a Go map: empty is false (`if .Files.Glob "x/*"`).
    fn truthy(&self) -> bool {
        match &self.sel {
            None => !self.node.files.is_empty(),
            Some(s) => !s.is_empty(),
        }
    }
    fn entries(&self) -> Option<Vec<(String, Value)>> {
        Some(
            self.each()
                .into_iter()
                .map(|(n, d)| (n.to_string(), Value::Bytes(Rc::from(&d[..]))))
                .collect(),
        )
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// gobwas/glob syntax with `/` as separator, compiled to an anchored regex: `**` crosses
/// separators, `*`/`?` do not, `[...]`/`[!...]` classes, `{a,b}` alternatives, `\` escapes.
/// `None` when the pattern does not compile (Helm then falls back to `**`).
pub fn glob_regex(pattern: &str) -> Option<regex::Regex> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::from("^");
    let mut i = 0;
    let mut depth = 0usize;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' => {
                if chars.get(i + 1) == Some(&'*') {
                    out.push_str(".*");
                    i += 1;
                } else {
                    out.push_str("[^/]*");
                }
            }
            '?' => out.push_str("[^/]"),
            '[' => {
                let mut j = i + 1;
                let mut class = String::from("[");
                if matches!(chars.get(j), Some('!') | Some('^')) {
                    class.push('^');
                    j += 1;
                }
                let start = j;
                while j < chars.len() && (chars[j] != ']' || j == start) {
                    if chars[j] == '\\' || chars[j] == '[' || chars[j] == '&' || chars[j] == '~' {
                        class.push('\\');
                    }
                    class.push(chars[j]);
                    j += 1;
                }
                if j >= chars.len() {
                    return None;
                }
                class.push(']');
                out.push_str(&class);
                i = j;
            }
            '{' => {
                depth += 1;
                out.push_str("(?:");
            }
            '}' if depth > 0 => {
                depth -= 1;
                out.push(')');
            }
            ',' if depth > 0 => out.push('|'),
            '\\' => {
                i += 1;
                let n = *chars.get(i)?;
                out.push_str(&regex::escape(&n.to_string()));
            }
            c => out.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    if depth != 0 {
        return None;
    }
    out.push('$');
    regex::Regex::new(&out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::load::load_files;

    fn node() -> Arc<ChartNode> {
        Arc::new(
            load_files(vec![
                (
                    "Chart.yaml".into(),
                    b"apiVersion: v2\nname: a\nversion: 1.0.0\n".to_vec(),
                ),
                ("files/a.txt".into(), b"A1\nA2\n".to_vec()),
                ("files/sub/b.txt".into(), b"B".to_vec()),
                ("conf/c.ini".into(), b"C".to_vec()),
            ])
            .unwrap(),
        )
    }

    fn obj(v: &Value) -> &dyn Object {
        match v {
            Value::Object(o) => o.as_ref(),
            _ => panic!(),
        }
    }

    #[test]
    fn get_lines_glob() {
        let f = FilesObj::value(&node());
        let o = obj(&f);
        let get = o
            .call("Get", &[Value::str("files/a.txt")])
            .unwrap()
            .unwrap();
        assert_eq!(get.to_string(), "A1\nA2\n");
        let missing = o.call("Get", &[Value::str("nope")]).unwrap().unwrap();
        assert_eq!(missing.to_string(), "");
        let lines = o
            .call("Lines", &[Value::str("files/a.txt")])
            .unwrap()
            .unwrap();
        assert_eq!(lines.to_string(), "[A1 A2]");
        let g = o.call("Glob", &[Value::str("files/*")]).unwrap().unwrap();
        let names: Vec<String> = obj(&g)
            .entries()
            .unwrap()
            .into_iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(names, ["files/a.txt"]);
        let none = o.call("Glob", &[Value::str("nope/*")]).unwrap().unwrap();
        assert!(!none.truthy() && g.truthy());
        let g = o.call("Glob", &[Value::str("files/**")]).unwrap().unwrap();
        assert_eq!(obj(&g).entries().unwrap().len(), 2);
        let g = o
            .call("Glob", &[Value::str("{conf,files}/*.{ini,txt}")])
            .unwrap()
            .unwrap();
        assert_eq!(obj(&g).entries().unwrap().len(), 2);
    }

    #[test]
    fn gobwas_glob_rules() {
        let re = glob_regex("a/[!x]?.y*").unwrap();
        assert!(re.is_match("a/bc.yaml"));
        assert!(!re.is_match("a/xc.yaml"));
        assert!(glob_regex("a[").is_none());
    }
}
