//! Authentication for chart downloads: which `Authorization` header a credential becomes,
//! whether it may be sent to a URL (only the repository's own scheme+host+port, Helm's default
//! without `--pass-credentials`), `WWW-Authenticate` challenge parsing for the registry token
//! flow, and stripping credentials out of URLs before they reach a message.

use reqwest::Url;

use crate::source::credentials::Credentials;

/// The `Authorization` header value for credentials, if they make one (`None` for anonymous;
/// ssh keys mean nothing to an HTTP server and are reported by the caller).
pub fn authorization(creds: &Credentials) -> Option<String> {
    use base64::Engine as _;
    match creds {
        Credentials::Basic { username, password } => Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{username}:{}", password.expose()))
        )),
        Credentials::Token(token) => Some(format!("Bearer {}", token.expose())),
        Credentials::None | Credentials::SshKey { .. } => None,
    }
}

/// Whether credentials given for `origin` may be sent to `target`: same scheme, host and port.
pub fn same_origin(origin: &Url, target: &Url) -> bool {
    origin.scheme() == target.scheme()
        && origin.host_str() == target.host_str()
        && origin.port_or_known_default() == target.port_or_known_default()
}

/// A URL with any `user:password@` removed, for messages.
pub fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Ok(_) => url.to_string(),
        // Not a URL: drop anything that looks like userinfo rather than risk printing it.
        Err(_) => match (url.find("://"), url.rfind('@')) {
            (Some(s), Some(at)) if at > s => format!("{}{}", &url[..s + 3], &url[at + 1..]),
            _ => url.to_string(),
        },
    }
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Basic realm=…`: resend with basic credentials.
    Basic,
    /// `Bearer realm=…,service=…,scope=…`: get a token from the realm.
    Bearer {
        /// Token endpoint.
        realm: String,
        /// `service` parameter, if any.
        service: Option<String>,
        /// `scope` parameter, if any.
        scope: Option<String>,
    },
}

/// Parses a `WWW-Authenticate` header (one challenge; quoted or bare parameter values, commas
/// inside quotes kept).
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let params = parse_params(rest);
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    Some(Challenge::Bearer {
        realm: get("realm")?,
        service: get("service"),
        scope: get("scope"),
    })
}

fn parse_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=')).collect();
        if chars.next().is_none() {
            return out;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value = std::iter::from_fn(|| chars.next_if(|c| *c != ',')).collect();
        }
        out.push((key.trim().to_string(), value.trim().to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::credentials::Secret;

    #[test]
    fn challenges() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:bitnamicharts/deepspeed:pull,push""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:bitnamicharts/deepspeed:pull,push".into()),
            })
        );
        assert_eq!(
            parse_challenge("bearer realm=http://127.0.0.1:5000/token"),
            Some(Challenge::Bearer {
                realm: "http://127.0.0.1:5000/token".into(),
                service: None,
                scope: None
            })
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry Realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(parse_challenge("Bearer service=x"), None);
        assert_eq!(parse_challenge("Negotiate abc"), None);
    }

    #[test]
    fn origins_and_redaction() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(same_origin(
            &u("https://a.io/charts/"),
            &u("https://a.io:443/x.tgz")
        ));
        assert!(!same_origin(
            &u("https://a.io/"),
            &u("https://cdn.a.io/x.tgz")
        ));
        assert!(!same_origin(&u("https://a.io/"), &u("http://a.io/x.tgz")));
        assert!(!same_origin(
            &u("http://127.0.0.1:1/"),
            &u("http://127.0.0.1:2/")
        ));
        assert_eq!(redact("https://u:p@a.io/x"), "https://a.io/x");
        assert_eq!(redact("oci://u:p@a.io/x"), "oci://a.io/x");
        assert_eq!(redact("https://a.io/x"), "https://a.io/x");
    }

    #[test]
    fn headers() {
        let basic = Credentials::Basic {
            username: "u".into(),
            password: Secret::new("p"),
        };
        assert_eq!(authorization(&basic).as_deref(), Some("Basic dTpw"));
        assert_eq!(
            authorization(&Credentials::Token(Secret::new("t"))).as_deref(),
            Some("Bearer t")
        );
        assert_eq!(authorization(&Credentials::None), None);
    }
}
