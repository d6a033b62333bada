//! OpenSSH known_hosts checking for ssh remotes, without trust-on-first-use: plain patterns
//! (wildcards, negation, `[host]:port`), hashed `|1|salt|hash` entries and `@revoked` markers.
//! `@cert-authority` lines are ignored (libgit2 does not present host certificates).

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The parsed entries of a known_hosts file.
#[derive(Clone, Debug, Default)]
pub struct KnownHosts {
    entries: Vec<Entry>,
}

#[derive(Clone, Debug)]
struct Entry {
    revoked: bool,
    hosts: Hosts,
    /// The key blob in ssh wire format (what base64 in the file decodes to).
    key: Vec<u8>,
    key_type: String,
}

#[derive(Clone, Debug)]
enum Hosts {
    Hashed { salt: Vec<u8>, hash: Vec<u8> },
    Patterns(Vec<String>),
}

/// The outcome of checking a presented host key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostKeyStatus {
    /// A listed key for this host matches.
    Trusted,
    /// No key for this host (of the presented type) is listed.
    Unknown,
    /// The host is listed with a different key of the same type: possibly an attack.
    Changed,
    /// The presented key is marked `@revoked`.
    Revoked,
}

impl KnownHosts {
    /// Reads a known_hosts file.
    pub fn load(path: &Path) -> std::io::Result<Self> {
        Ok(Self::parse(&std::fs::read_to_string(path)?))
    }

    /// Parses known_hosts text; malformed lines are skipped the way OpenSSH skips them.
    pub fn parse(text: &str) -> Self {
        let entries = text.lines().filter_map(parse_line).collect();
        Self { entries }
    }

    /// Checks the key blob (ssh wire format) a server at `host`/`port` presented.
    pub fn check(&self, host: &str, port: Option<u16>, key: &[u8]) -> HostKeyStatus {
        let name = lookup_name(host, port);
        let presented_type = key_type_of(key);
        let mut same_type_listed = false;
        let mut trusted = false;
        for e in self.entries.iter().filter(|e| e.hosts.matches(&name)) {
            if e.key == key {
                if e.revoked {
                    return HostKeyStatus::Revoked;
                }
                trusted = true;
            } else if !e.revoked && Some(e.key_type.as_str()) == presented_type.as_deref() {
                same_type_listed = true;
            }
        }
        // Revoked keys apply to any host, as in OpenSSH.
        if self.entries.iter().any(|e| e.revoked && e.key == key) {
            return HostKeyStatus::Revoked;
        }
        if trusted {
            HostKeyStatus::Trusted
        } else if same_type_listed {
            HostKeyStatus::Changed
        } else {
            HostKeyStatus::Unknown
        }
    }
}

/// The name known_hosts lists a host under: `host`, or `[host]:port` for a non-default port.
fn lookup_name(host: &str, port: Option<u16>) -> String {
    let host = host.to_ascii_lowercase();
    match port {
        Some(p) if p != 22 => format!("[{host}]:{p}"),
        _ => host,
    }
}

/// The algorithm name at the start of an ssh key blob.
pub(crate) fn key_type_of(blob: &[u8]) -> Option<String> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    let name = blob.get(4..4 + len)?;
    String::from_utf8(name.to_vec()).ok()
}

fn parse_line(line: &str) -> Option<Entry> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.split_whitespace();
    let mut first = fields.next()?;
    let mut revoked = false;
    if first.starts_with('@') {
        match first {
            "@revoked" => revoked = true,
            _ => return None,
        }
        first = fields.next()?;
    }
    let key_type = fields.next()?.to_string();
    let key = STANDARD.decode(fields.next()?).ok()?;
    if key_type_of(&key).as_deref() != Some(key_type.as_str()) {
        return None;
    }
    let hosts = if let Some(rest) = first.strip_prefix("|1|") {
        let (salt, hash) = rest.split_once('|')?;
        Hosts::Hashed {
            salt: STANDARD.decode(salt).ok()?,
            hash: STANDARD.decode(hash).ok()?,
        }
    } else {
        Hosts::Patterns(first.split(',').map(|p| p.to_ascii_lowercase()).collect())
    };
    Some(Entry {
        revoked,
        hosts,
        key,
        key_type,
    })
}

impl Hosts {
    fn matches(&self, name: &str) -> bool {
        match self {
            Hosts::Hashed { salt, hash } => {
                let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(salt) else {
                    return false;
                };
                mac.update(name.as_bytes());
                mac.verify_slice(hash).is_ok()
            }
            Hosts::Patterns(patterns) => {
                let mut hit = false;
                for p in patterns {
                    if let Some(neg) = p.strip_prefix('!') {
                        if glob(neg.as_bytes(), name.as_bytes()) {
                            return false;
                        }
                    } else if glob(p.as_bytes(), name.as_bytes()) {
                        hit = true;
                    }
                }
                hit
            }
        }
    }
}

/// OpenSSH's `*` / `?` pattern match.
fn glob(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && glob(p, &s[1..])),
        (Some(b'?'), Some(_)) => glob(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(kind: &str, body: &[u8]) -> Vec<u8> {
        let mut b = (kind.len() as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind.as_bytes());
        b.extend_from_slice(&(body.len() as u32).to_be_bytes());
        b.extend_from_slice(body);
        b
    }

    fn line(hosts: &str, key: &[u8]) -> String {
        format!(
            "{hosts} {} {}",
            key_type_of(key).unwrap(),
            STANDARD.encode(key)
        )
    }

    fn hashed(name: &str, salt: &[u8]) -> String {
        let mut mac = Hmac::<Sha1>::new_from_slice(salt).unwrap();
        mac.update(name.as_bytes());
        let hash = mac.finalize().into_bytes();
        format!("|1|{}|{}", STANDARD.encode(salt), STANDARD.encode(hash))
    }

    #[test]
    fn plain_entries_match_by_pattern_and_port() {
        let k = blob("ssh-ed25519", b"key-one");
        let other = blob("ssh-ed25519", b"key-two");
        let kh = KnownHosts::parse(&format!(
            "# comment\n{}\n{}\n",
            line("github.com,*.corp.example,!bad.corp.example", &k),
            line("[git.local]:2222", &k)
        ));
        assert_eq!(kh.check("GitHub.com", None, &k), HostKeyStatus::Trusted);
        assert_eq!(kh.check("github.com", Some(22), &k), HostKeyStatus::Trusted);
        assert_eq!(kh.check("a.corp.example", None, &k), HostKeyStatus::Trusted);
        assert_eq!(
            kh.check("bad.corp.example", None, &k),
            HostKeyStatus::Unknown
        );
        assert_eq!(
            kh.check("git.local", Some(2222), &k),
            HostKeyStatus::Trusted
        );
        // The port is part of the name: the same host on 22 is not listed.
        assert_eq!(kh.check("git.local", None, &k), HostKeyStatus::Unknown);
        assert_eq!(kh.check("github.com", None, &other), HostKeyStatus::Changed);
        let rsa = blob("ssh-rsa", b"rsa");
        assert_eq!(kh.check("github.com", None, &rsa), HostKeyStatus::Unknown);
    }

    #[test]
    fn hashed_entries_match_only_their_host() {
        let k = blob("ecdsa-sha2-nistp256", b"k");
        let kh = KnownHosts::parse(&format!(
            "{}\n{}\n",
            line(&hashed("example.org", b"0123456789abcdefghij"), &k),
            line(&hashed("[example.org]:2200", b"jihgfedcba9876543210"), &k)
        ));
        assert_eq!(kh.check("example.org", None, &k), HostKeyStatus::Trusted);
        assert_eq!(
            kh.check("example.org", Some(2200), &k),
            HostKeyStatus::Trusted
        );
        assert_eq!(kh.check("example.net", None, &k), HostKeyStatus::Unknown);
        assert_eq!(
            kh.check("example.org", Some(2201), &k),
            HostKeyStatus::Unknown
        );
        let changed = blob("ecdsa-sha2-nistp256", b"evil");
        assert_eq!(
            kh.check("example.org", None, &changed),
            HostKeyStatus::Changed
        );
    }

    #[test]
    fn revoked_keys_are_refused_and_garbage_is_skipped() {
        let k = blob("ssh-ed25519", b"k");
        let kh = KnownHosts::parse(&format!(
            "not a valid line\nh ssh-ed25519 !!!notbase64\n{}\n@revoked * {} {}\n",
            line("h", &k),
            "ssh-ed25519",
            STANDARD.encode(&k)
        ));
        assert_eq!(kh.check("h", None, &k), HostKeyStatus::Revoked);
        assert_eq!(
            KnownHosts::parse("").check("h", None, &k),
            HostKeyStatus::Unknown
        );
    }
}
