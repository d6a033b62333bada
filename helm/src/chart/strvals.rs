//! `--set` / `--set-string` parsing like Helm's `pkg/strvals` (dotted keys, `a[0]` indexes,
//! backslash escapes, `{a,b}` lists, typed scalars: `true`/`false`/`null`/int64), and layering
//! `-f a -f b --set ...` the way `helm template` merges them.

use serde_json::Value as Json;

use super::coalesce::Map;
use super::yamlio::merge_maps;

/// Helm's `MaxIndex`: the largest list index `--set` accepts.
const MAX_INDEX: usize = 65536;

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    string_only: bool,
    _src: &'a str,
}

/// The parser's end-of-input signal (Go's `io.EOF`), distinct from real errors.
enum Stop {
    Eof,
    Err(String),
}

type R<T> = Result<T, Stop>;

fn err<T>(s: impl Into<String>) -> R<T> {
    Err(Stop::Err(s.into()))
}

/// Parses one `--set` (`string_only = false`) or `--set-string` argument into `dest`.
pub fn parse_into(s: &str, dest: &mut Map, string_only: bool) -> Result<(), String> {
    let mut p = Parser {
        chars: s.chars().collect(),
        pos: 0,
        string_only,
        _src: s,
    };
    loop {
        match p.key(dest) {
            Ok(()) => continue,
            Err(Stop::Eof) => return Ok(()),
            Err(Stop::Err(e)) => return Err(e),
        }
    }
}

impl Parser<'_> {
    fn next(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    /// Reads until one of `stop` (consumed, returned) or the end (`None`); `\x` means `x`.
    fn until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let mut out = String::new();
        loop {
            match self.next() {
                None => return (out, None),
                Some(c) if stop.contains(&c) => return (out, Some(c)),
                Some('\\') => match self.next() {
                    None => return (out, None),
                    Some(n) => out.push(n),
                },
                Some(c) => out.push(c),
            }
        }
    }

    fn typed(&self, v: String) -> Json {
        if self.string_only {
            return Json::String(v);
        }
        if v.eq_ignore_ascii_case("true") {
            return Json::Bool(true);
        }
        if v.eq_ignore_ascii_case("false") {
            return Json::Bool(false);
        }
        if v.eq_ignore_ascii_case("null") {
            return Json::Null;
        }
        if v == "0" {
            return Json::from(0i64);
        }
        if !v.is_empty() && !v.starts_with('0') {
            if let Ok(i) = v.parse::<i64>() {
                // Go's ParseInt accepts a leading '+', Rust's too; both reject spaces.
                return Json::from(i);
            }
        }
        Json::String(v)
    }

    fn key(&mut self, data: &mut Map) -> R<()> {
        let (k, last) = self.until(&['=', '[', ',', '.']);
        match last {
            None => {
                if k.is_empty() {
                    return Err(Stop::Eof);
                }
                err(format!("key {k:?} has no value"))
            }
            Some('[') => {
                let i = self.key_index()?;
                let list = match data.get(&k) {
                    Some(Json::Array(a)) => a.clone(),
                    _ => Vec::new(),
                };
                let res = self.list_item(list, i);
                match res {
                    Ok(list) => {
                        set(data, &k, Json::Array(list));
                        Ok(())
                    }
                    Err((list, e)) => {
                        set(data, &k, Json::Array(list));
                        Err(e)
                    }
                }
            }
            Some('=') => match self.val_list() {
                Ok(vl) => {
                    set(data, &k, Json::Array(vl));
                    Ok(())
                }
                Err(ListErr::Eof) => {
                    set(data, &k, Json::String(String::new()));
                    Err(Stop::Eof)
                }
                Err(ListErr::Err(e)) => err(e),
                Err(ListErr::NotList) => {
                    let (rs, last) = self.until(&[',']);
                    let v = self.typed(rs);
                    set(data, &k, v);
                    if last.is_none() {
                        Err(Stop::Eof)
                    } else {
                        Ok(())
                    }
                }
            },
            Some(',') => {
                set(data, &k, Json::String(String::new()));
                err(format!("key {k:?} has no value (cannot end with ,)"))
            }
            Some(_) => {
                if k.is_empty() {
                    return err("key map with no name");
                }
                let mut inner = match data.get(&k) {
                    Some(Json::Object(m)) => m.clone(),
                    _ => Map::new(),
                };
                let e = self.key(&mut inner);
                if e.is_ok() && inner.is_empty() {
                    return err(format!("key map {k:?} has no value"));
                }
                if !inner.is_empty() {
                    set(data, &k, Json::Object(inner));
                }
                e
            }
        }
    }

    fn key_index(&mut self) -> R<usize> {
        let (v, last) = self.until(&[']']);
        if last.is_none() {
            return err("unexpected end of input while reading an index");
        }
        let i: i64 = v
            .parse()
            .map_err(|_| Stop::Err(format!("strconv.Atoi: parsing {v:?}: invalid syntax")))?;
        if i < 0 {
            return err(format!("negative {i} index not allowed"));
        }
        if i as usize > MAX_INDEX {
            return err(format!(
                "index of {i} is greater than maximum supported index of {MAX_INDEX}"
            ));
        }
        Ok(i as usize)
    }

    fn list_item(&mut self, mut list: Vec<Json>, i: usize) -> Result<Vec<Json>, (Vec<Json>, Stop)> {
        match self.next() {
            None => Err((
                list,
                Stop::Err("unexpected end of input while reading a list item".into()),
            )),
            Some('=') => match self.val_list() {
                Ok(vl) => {
                    set_index(&mut list, i, Json::Array(vl));
                    Ok(list)
                }
                Err(ListErr::Eof) => {
                    set_index(&mut list, i, Json::String(String::new()));
                    Err((list, Stop::Eof))
                }
                Err(ListErr::Err(e)) => Err((list, Stop::Err(e))),
                Err(ListErr::NotList) => {
                    let (rs, last) = self.until(&[',']);
                    let v = self.typed(rs);
                    set_index(&mut list, i, v);
                    if last.is_none() {
                        Err((list, Stop::Eof))
                    } else {
                        Ok(list)
                    }
                }
            },
            Some('[') => {
                let j = match self.key_index() {
                    Ok(j) => j,
                    Err(e) => return Err((list, e)),
                };
                let inner = match list.get(i) {
                    Some(Json::Array(a)) => a.clone(),
                    _ => Vec::new(),
                };
                match self.list_item(inner, j) {
                    Ok(inner) => {
                        set_index(&mut list, i, Json::Array(inner));
                        Ok(list)
                    }
                    Err((inner, e)) => {
                        set_index(&mut list, i, Json::Array(inner));
                        Err((list, e))
                    }
                }
            }
            Some('.') => {
                let mut inner = match list.get(i) {
                    Some(Json::Object(m)) => m.clone(),
                    _ => Map::new(),
                };
                let e = self.key(&mut inner);
                set_index(&mut list, i, Json::Object(inner));
                match e {
                    Ok(()) => Ok(list),
                    Err(e) => Err((list, e)),
                }
            }
            Some(c) => Err((
                list,
                Stop::Err(format!("parse error: unexpected token {c:?}")),
            )),
        }
    }

    fn val_list(&mut self) -> Result<Vec<Json>, ListErr> {
        match self.chars.get(self.pos) {
            None => return Err(ListErr::Eof),
            Some('{') => self.pos += 1,
            Some(_) => return Err(ListErr::NotList),
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.until(&[',', '}']);
            match last {
                None => return Err(ListErr::Err("list must terminate with '}'".into())),
                Some('}') => {
                    if self.chars.get(self.pos) == Some(&',') {
                        self.pos += 1;
                    }
                    list.push(self.typed(rs));
                    return Ok(list);
                }
                Some(_) => list.push(self.typed(rs)),
            }
        }
    }
}

enum ListErr {
    Eof,
    NotList,
    Err(String),
}

fn set(data: &mut Map, k: &str, v: Json) {
    if !k.is_empty() {
        data.insert(k.to_string(), v);
    }
}

fn set_index(list: &mut Vec<Json>, i: usize, v: Json) {
    if list.len() <= i {
        list.resize(i + 1, Json::Null);
    }
    list[i] = v;
}

/// `helm -f f1 -f f2 --set ... --set-string ...`: later files override earlier ones (maps
/// merged recursively), then `--set`, then `--set-string` are applied on top.
pub fn layer(files: &[Json], set: &[String], set_string: &[String]) -> Result<Json, String> {
    let mut out = Map::new();
    for f in files {
        match f {
            Json::Object(m) => merge_maps(&mut out, m.clone()),
            Json::Null => {}
            _ => return Err("values file is not a map".into()),
        }
    }
    for s in set {
        parse_into(s, &mut out, false).map_err(|e| format!("failed parsing --set data: {e}"))?;
    }
    for s in set_string {
        parse_into(s, &mut out, true)
            .map_err(|e| format!("failed parsing --set-string data: {e}"))?;
    }
    Ok(Json::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> Result<Json, String> {
        let mut m = Map::new();
        parse_into(s, &mut m, false)?;
        Ok(Json::Object(m))
    }

    #[test]
    fn scalars_are_typed() {
        assert_eq!(
            p("a=1,b=true,c=null,d=007,e=x,f=,g=-3").unwrap(),
            json!({"a": 1, "b": true, "c": null, "d": "007", "e": "x", "f": "", "g": -3})
        );
        assert!(p("a=1").unwrap()["a"].is_i64());
    }

    #[test]
    fn nested_keys_lists_and_escapes() {
        assert_eq!(p("a.b.c=1").unwrap(), json!({"a": {"b": {"c": 1}}}));
        assert_eq!(p("a[1]=x").unwrap(), json!({"a": [null, "x"]}));
        assert_eq!(
            p("a[0].b=x,a[0].c=y").unwrap(),
            json!({"a": [{"b": "x", "c": "y"}]})
        );
        assert_eq!(p("a={x,2}").unwrap(), json!({"a": ["x", 2]}));
        assert_eq!(p(r"a\.b=c\,d").unwrap(), json!({"a.b": "c,d"}));
        assert_eq!(p("name=a=b").unwrap(), json!({"name": "a=b"}));
    }

    #[test]
    fn errors_like_helm() {
        assert_eq!(p("a").unwrap_err(), "key \"a\" has no value");
        assert_eq!(
            p("a,b=1").unwrap_err(),
            "key \"a\" has no value (cannot end with ,)"
        );
        assert!(p("a[-1]=x").is_err());
        assert!(p("a={x").is_err());
    }

    #[test]
    fn set_string_keeps_strings() {
        let mut m = Map::new();
        parse_into("a=1,b=true", &mut m, true).unwrap();
        assert_eq!(Json::Object(m), json!({"a": "1", "b": "true"}));
    }

    #[test]
    fn layering_precedence() {
        let f1 = json!({"a": {"x": 1, "y": 1}, "b": 1});
        let f2 = json!({"a": {"y": 2}});
        let v = layer(&[f1, f2], &["b=3".into()], &["c=4".into()]).unwrap();
        assert_eq!(v, json!({"a": {"x": 1, "y": 2}, "b": 3, "c": "4"}));
    }
}
