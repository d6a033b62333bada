//! Git URLs: which transport a URL uses, its host and port (for known_hosts), the form with the
//! userinfo stripped (for libgit2, messages and the cache key) and the cache directory name.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::source::credentials::{Credentials, Secret};

/// The transport a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transport {
    /// `http://` / `https://` (smart HTTP).
    Http,
    /// `ssh://` or scp-like `user@host:path`.
    Ssh,
    /// `git://`.
    Git,
    /// `file://` or a plain local path.
    Local,
}

/// A URL taken apart as far as syncd needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GitUrl {
    /// The URL handed to libgit2: no password, and for http no userinfo at all.
    pub clean: String,
    /// The transport.
    pub transport: Transport,
    /// The host, for ssh known_hosts.
    pub host: Option<String>,
    /// An explicit port.
    pub port: Option<u16>,
    /// A user name from the URL.
    pub user: Option<String>,
    /// A password from the URL (only ever used as a credential, never printed).
    pub password: Option<Secret>,
}

impl GitUrl {
    /// Takes a URL apart. Never fails: anything without a scheme or scp form is a local path.
    pub fn parse(raw: &str) -> GitUrl {
        let raw = raw.trim();
        if let Some((scheme, rest)) = raw.split_once("://") {
            let scheme_lc = scheme.to_ascii_lowercase();
            let transport = match scheme_lc.as_str() {
                "http" | "https" => Transport::Http,
                "ssh" | "git+ssh" | "ssh+git" => Transport::Ssh,
                "git" => Transport::Git,
                _ => Transport::Local,
            };
            if transport == Transport::Local {
                return GitUrl::local(raw);
            }
            let (authority, path) = match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, ""),
            };
            let (userinfo, hostport) = match authority.rfind('@') {
                Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
                None => (None, authority),
            };
            let (user, password) = match userinfo {
                Some(ui) => match ui.split_once(':') {
                    Some((u, p)) => (Some(u.to_string()), Some(Secret::new(p))),
                    None => (Some(ui.to_string()), None),
                },
                None => (None, None),
            };
            let (host, port) = split_host_port(hostport);
            let host_lc = host.to_ascii_lowercase();
            let shown_user = match (&user, transport) {
                (Some(u), Transport::Ssh) if !u.is_empty() => format!("{u}@"),
                _ => String::new(),
            };
            let port_text = port.map(|p| format!(":{p}")).unwrap_or_default();
            let host_text = if host_lc.contains(':') {
                format!("[{host_lc}]")
            } else {
                host_lc.clone()
            };
            let clean = format!("{scheme_lc}://{shown_user}{host_text}{port_text}{path}");
            return GitUrl {
                clean,
                transport,
                host: Some(host_lc),
                port,
                user: user.filter(|u| !u.is_empty()),
                password,
            };
        }
        // scp-like syntax: a colon before the first slash, and not a Windows drive letter.
        if let Some(colon) = raw.find(':') {
            let slash = raw.find('/').unwrap_or(usize::MAX);
            if colon < slash && colon > 1 {
                let (authority, path) = (&raw[..colon], &raw[colon + 1..]);
                let (user, host) = match authority.rsplit_once('@') {
                    Some((u, h)) => (Some(u.to_string()), h),
                    None => (None, authority),
                };
                let host = host.trim_start_matches('[').trim_end_matches(']');
                let host_lc = host.to_ascii_lowercase();
                let shown_user = user.as_ref().map(|u| format!("{u}@")).unwrap_or_default();
                return GitUrl {
                    clean: format!("{shown_user}{host_lc}:{path}"),
                    transport: Transport::Ssh,
                    host: Some(host_lc),
                    port: None,
                    user,
                    password: None,
                };
            }
        }
        GitUrl::local(raw)
    }

    fn local(raw: &str) -> GitUrl {
        let path = raw.strip_prefix("file://").unwrap_or(raw);
        // Canonical so `./repo` and `/abs/repo` share a mirror.
        let clean = Path::new(path)
            .canonicalize()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| path.to_string());
        GitUrl {
            clean,
            transport: Transport::Local,
            host: None,
            port: None,
            user: None,
            password: None,
        }
    }

    /// The credentials to use: the configured ones, or a user/password from the URL.
    pub fn effective_credentials(&self, configured: &Credentials) -> Credentials {
        match (configured, &self.password) {
            (Credentials::None, Some(password)) => Credentials::Basic {
                username: self.user.clone().unwrap_or_default(),
                password: password.clone(),
            },
            _ => configured.clone(),
        }
    }

    /// The cache directory name: a readable slug of host and path plus a hash of the clean URL
    /// (with a trailing slash dropped, so `…/repo` and `…/repo/` share a mirror).
    pub fn cache_key(&self) -> String {
        let normal = self.clean.trim_end_matches('/');
        let hash = hex::encode(&Sha256::digest(normal.as_bytes())[..8]);
        let mut slug: String = normal
            .rsplit('/')
            .find(|s| !s.is_empty())
            .unwrap_or("repo")
            .trim_end_matches(".git")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .take(40)
            .collect();
        if slug.is_empty() {
            slug.push_str("repo");
        }
        format!("{slug}-{hash}")
    }
}

fn split_host_port(hostport: &str) -> (String, Option<u16>) {
    if let Some(rest) = hostport.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
            return (host.to_string(), port);
        }
    }
    match hostport.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => match p.parse() {
            Ok(port) => (h.to_string(), Some(port)),
            Err(_) => (hostport.to_string(), None),
        },
        _ => (hostport.to_string(), None),
    }
}

/// A URL fit for messages: userinfo (user and password) removed from `scheme://` URLs; the user
/// of an ssh URL is kept because it is not a secret.
pub fn redact_url(raw: &str) -> String {
    GitUrl::parse(raw).clean
}

/// Removes the raw URL and any secret value from a message produced by libgit2.
pub(crate) fn redact_message(message: &str, raw_url: &str, credentials: &Credentials) -> String {
    let mut out = message.to_string();
    let clean = redact_url(raw_url);
    if raw_url != clean && !raw_url.is_empty() {
        out = out.replace(raw_url, &clean);
    }
    let parsed = GitUrl::parse(raw_url);
    let mut secrets: Vec<&str> = Vec::new();
    if let Some(p) = &parsed.password {
        secrets.push(p.expose());
    }
    match credentials {
        Credentials::Basic { password, .. } => secrets.push(password.expose()),
        Credentials::Token(t) => secrets.push(t.expose()),
        Credentials::SshKey {
            passphrase: Some(p),
            ..
        } => secrets.push(p.expose()),
        _ => {}
    }
    for s in secrets {
        if !s.is_empty() {
            out = out.replace(s, "<redacted>");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_userinfo_is_stripped_and_kept_as_credentials() {
        let u = GitUrl::parse("https://bob:s3cret@Git.Example.com:8443/org/repo.git");
        assert_eq!(u.clean, "https://git.example.com:8443/org/repo.git");
        assert_eq!(u.transport, Transport::Http);
        assert_eq!(u.port, Some(8443));
        let creds = u.effective_credentials(&Credentials::None);
        match creds {
            Credentials::Basic { username, password } => {
                assert_eq!(username, "bob");
                assert_eq!(password.expose(), "s3cret");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(!format!("{u:?}").contains("s3cret"));
    }

    #[test]
    fn redaction_removes_passwords_and_tokens_from_messages() {
        let raw = "https://x-access-token:ghp_abc@github.com/o/r";
        assert_eq!(redact_url(raw), "https://github.com/o/r");
        let creds = Credentials::Token(Secret::new("tok123"));
        let msg = format!("failed to fetch {raw}: server said tok123");
        let out = redact_message(&msg, raw, &creds);
        assert!(!out.contains("ghp_abc") && !out.contains("tok123"), "{out}");
        assert!(out.contains("https://github.com/o/r"), "{out}");
    }

    #[test]
    fn ssh_forms_keep_the_user_and_parse_host_and_port() {
        let u = GitUrl::parse("ssh://git@[::1]:2222/srv/repo.git");
        assert_eq!(u.transport, Transport::Ssh);
        assert_eq!(u.host.as_deref(), Some("::1"));
        assert_eq!(u.port, Some(2222));
        assert_eq!(u.clean, "ssh://git@[::1]:2222/srv/repo.git");
        let scp = GitUrl::parse("git@github.com:org/repo.git");
        assert_eq!(scp.transport, Transport::Ssh);
        assert_eq!(scp.host.as_deref(), Some("github.com"));
        assert_eq!(scp.user.as_deref(), Some("git"));
        assert_eq!(scp.port, None);
        assert_eq!(GitUrl::parse("/tmp/x").transport, Transport::Local);
        assert_eq!(GitUrl::parse("git://h:9418/r").port, Some(9418));
    }

    #[test]
    fn cache_key_ignores_credentials_and_trailing_slash() {
        let a = GitUrl::parse("https://u:p@h.io/org/My.Repo.git").cache_key();
        let b = GitUrl::parse("https://h.io/org/My.Repo.git/").cache_key();
        let c = GitUrl::parse("https://h.io/org/other.git").cache_key();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.starts_with("My-Repo-"), "{a}");
    }
}
