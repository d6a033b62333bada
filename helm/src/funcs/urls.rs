//! Sprig's `urlParse` and `urlJoin`, following Go's `net/url` for the URL shapes charts use
//! (scheme, userinfo, host, path, query, fragment, opaque).

use super::args::{arity, map, string, FResult};
use super::{FuncError, FuncMap};
use crate::value::{Map, Value};

/// Registers the URL family.
pub(super) fn register(fm: &mut FuncMap) {
    fm.insert("urlParse", url_parse);
    fm.insert("urlJoin", url_join);
}

fn unescape(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3).filter(|h| h.len() == 2);
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(v) => {
                    out.push(v);
                    i += 3;
                    continue;
                }
                None => {
                    let bad: String = s[i..].chars().take(3).collect();
                    return Err(format!("invalid URL escape {:?}", bad));
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `shouldEscape` for paths (`/`, `;`, `,`, `:`, `=`, `@`, `&`, `+`, `$` stay) or
/// fragments (which additionally keep `!()*` and `?`).
fn escape(s: &str, fragment: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        let keep = b.is_ascii_alphanumeric()
            || b"-_.~$&+,/:;=@".contains(&b)
            || (fragment && b"!()*?".contains(&b));
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn url_parse(a: &[Value]) -> FResult {
    arity("urlParse", a, 1)?;
    let raw = string(a, 0)?;
    let parsed = parse(raw).map_err(|e| FuncError::new(format!("unable to parse url: {e}")))?;
    let mut m = Map::new();
    for (k, v) in parsed {
        m.insert(k.to_string(), Value::from(v));
    }
    Ok(Value::map(m))
}

/// The fields sprig's `urlParse` returns.
fn parse(raw: &str) -> Result<Vec<(&'static str, String)>, String> {
    let err = |e: String| format!("parse {raw:?}: {e}");
    let (rest, fragment) = match raw.split_once('#') {
        Some((r, f)) => (r, unescape(f).map_err(err)?),
        None => (raw, String::new()),
    };
    let mut scheme = String::new();
    let mut rest = rest;
    if let Some(i) = rest.find(':') {
        let cand = &rest[..i];
        let valid = !cand.is_empty()
            && cand.as_bytes()[0].is_ascii_alphabetic()
            && cand
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c));
        if valid {
            scheme = cand.to_ascii_lowercase();
            rest = &rest[i + 1..];
        } else if i == 0 {
            return Err(err("missing protocol scheme".into()));
        }
    }
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, q.to_string()),
        None => (rest, String::new()),
    };
    let (mut host, mut userinfo, mut opaque) = (String::new(), String::new(), String::new());
    let mut path = rest;
    if !scheme.is_empty() && !rest.starts_with('/') {
        opaque = rest.to_string();
        path = "";
    } else if let Some(auth_rest) = rest.strip_prefix("//") {
        let end = auth_rest.find('/').unwrap_or(auth_rest.len());
        let authority = &auth_rest[..end];
        path = &auth_rest[end..];
        let h = match authority.rfind('@') {
            Some(at) => {
                userinfo = authority[..at].to_string();
                &authority[at + 1..]
            }
            None => authority,
        };
        host = unescape(h).map_err(err)?;
    }
    let hostname = if let Some(h) = host.strip_prefix('[') {
        h.split(']').next().unwrap_or("").to_string()
    } else {
        host.split(':').next().unwrap_or("").to_string()
    };
    let path = unescape(path).map_err(err)?;
    Ok(vec![
        ("scheme", scheme),
        ("host", host),
        ("hostname", hostname),
        ("path", path),
        ("query", query),
        ("opaque", opaque),
        ("fragment", fragment),
        ("userinfo", userinfo),
    ])
}

fn url_join(a: &[Value]) -> FResult {
    arity("urlJoin", a, 1)?;
    let d = map(a, 0)?;
    let d = d.borrow();
    let get = |k: &str| -> Result<String, FuncError> {
        match d.get(k) {
            None => Ok(String::new()),
            Some(Value::Str(s)) => Ok(s.to_string()),
            Some(v) => Err(FuncError::new(format!(
                "unable to parse {k} key, must be of type string, but {} found",
                super::types::kind_of(v)
            ))),
        }
    };
    let (scheme, host, path) = (get("scheme")?, get("host")?, get("path")?);
    let (query, opaque, fragment) = (get("query")?, get("opaque")?, get("fragment")?);
    let userinfo = get("userinfo")?;
    let mut out = String::new();
    if !scheme.is_empty() {
        out.push_str(&scheme);
        out.push(':');
    }
    if !opaque.is_empty() {
        out.push_str(&opaque);
    } else {
        if !scheme.is_empty() || !host.is_empty() || !userinfo.is_empty() {
            if !host.is_empty() || !path.is_empty() || !userinfo.is_empty() {
                out.push_str("//");
            }
            if !userinfo.is_empty() {
                out.push_str(&userinfo);
                out.push('@');
            }
            out.push_str(&host);
        }
        let p = escape(&path, false);
        if !p.is_empty() && !p.starts_with('/') && !host.is_empty() {
            out.push('/');
        }
        out.push_str(&p);
    }
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query);
    }
    if !fragment.is_empty() {
        out.push('#');
        out.push_str(&escape(&fragment, true));
    }
    Ok(Value::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_join_like_net_url() {
        let fm = super::super::library();
        let m = (fm.get("urlParse").unwrap())(&[Value::str("https://u:p@host:8080/p/a?q=1#frag")])
            .unwrap();
        assert_eq!(
            m.to_string(),
            "map[fragment:frag host:host:8080 hostname:host opaque: path:/p/a query:q=1 scheme:https userinfo:u:p]"
        );
        let mut d = Map::new();
        for (k, v) in [
            ("scheme", "http"),
            ("host", "h"),
            ("path", "/a b"),
            ("query", "x=1"),
        ] {
            d.insert(k.into(), Value::str(v));
        }
        let j = (fm.get("urlJoin").unwrap())(&[Value::map(d)]).unwrap();
        assert_eq!(j.to_string(), "http://h/a%20b?x=1");
    }
}
