//! One incremental fetch into a bare mirror: refspecs that mirror branches and tags (pruning
//! deleted ones), credentials handed over in libgit2's callback (tried once, so a wrong password
//! fails fast instead of looping), and the ssh host key checked against known_hosts.

use std::cell::RefCell;

use git2::{
    AutotagOption, CertificateCheckStatus, Cred, CredentialType, FetchOptions, FetchPrune,
    RemoteCallbacks, Repository,
};

use super::cache::FetchStats;
use super::known_hosts::{key_type_of, HostKeyStatus, KnownHosts};
use super::url::{redact_message, GitUrl, Transport};
use super::GitError;
use crate::source::credentials::Credentials;

/// The refspecs a mirror fetches: every branch and tag, forced, so rewritten history and moved
/// tags are taken as the remote has them.
pub(crate) const REFSPECS: [&str; 2] = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];

/// What the fetch learned besides the objects.
pub(crate) struct Fetched {
    pub stats: FetchStats,
    /// The remote HEAD's target (`refs/heads/main`), when the server advertises it.
    pub default_branch: Option<String>,
}

/// Fetches `url` into `repo`.
pub(crate) fn fetch_into(
    repo: &Repository,
    raw_url: &str,
    credentials: &Credentials,
) -> Result<Fetched, GitError> {
    let url = GitUrl::parse(raw_url);
    let credentials = url.effective_credentials(credentials);
    let auth_problem: RefCell<Option<String>> = RefCell::new(None);
    let host_problem: RefCell<Option<String>> = RefCell::new(None);

    let mut callbacks = RemoteCallbacks::new();
    let mut attempts = 0u32;
    callbacks.credentials(|_url, user_from_url, allowed| {
        attempts += 1;
        // The user from the URL: libgit2 never sees it for http (userinfo is stripped).
        let user = user_from_url.or(url.user.as_deref());
        let result = credential(&credentials, user, allowed, attempts);
        if let Err(why) = &result {
            *auth_problem.borrow_mut() = Some(why.clone());
        }
        result.map_err(|why| git2::Error::from_str(&why))
    });
    callbacks.certificate_check(|cert, _host| {
        let Some(hostkey) = cert.as_hostkey() else {
            // TLS: libgit2 has already verified the chain against the system roots.
            return Ok(CertificateCheckStatus::CertificatePassthrough);
        };
        match check_host_key(&url, &credentials, hostkey.hostkey()) {
            Ok(()) => Ok(CertificateCheckStatus::CertificateOk),
            Err(why) => {
                *host_problem.borrow_mut() = Some(why.clone());
                Err(git2::Error::from_str(&why))
            }
        }
    });

    let mut options = FetchOptions::new();
    options
        .remote_callbacks(callbacks)
        .prune(FetchPrune::On)
        .download_tags(AutotagOption::None);

    let shown = url.clean.clone();
    // Anonymous: nothing about the remote (let alone credentials) is written to the mirror's
    // config.
    let mut remote = repo
        .remote_anonymous(&url.clean)
        .map_err(|e| GitError::Fetch {
            url: shown.clone(),
            message: redact_message(e.message(), raw_url, &credentials),
        })?;
    let result = remote.fetch(&REFSPECS, Some(&mut options), None);
    drop(options);
    if let Err(e) = result {
        let message = redact_message(e.message(), raw_url, &credentials);
        if let Some(why) = host_problem.borrow_mut().take() {
            return Err(GitError::HostKey {
                url: shown,
                message: why,
            });
        }
        if let Some(why) = auth_problem.borrow_mut().take() {
            return Err(GitError::Auth {
                url: shown,
                message: why,
            });
        }
        if e.code() == git2::ErrorCode::Auth
            || (e.class() == git2::ErrorClass::Http && message.contains("401"))
        {
            return Err(GitError::Auth {
                url: shown,
                message,
            });
        }
        return Err(GitError::Fetch {
            url: shown,
            message,
        });
    }
    let stats = remote.stats();
    let stats = FetchStats {
        received_objects: stats.received_objects(),
        received_bytes: stats.received_bytes(),
        indexed_deltas: stats.indexed_deltas(),
    };
    let default_branch = remote
        .default_branch()
        .ok()
        .and_then(|b| b.as_str().ok().map(str::to_string));
    Ok(Fetched {
        stats,
        default_branch,
    })
}

fn credential(
    credentials: &Credentials,
    user_from_url: Option<&str>,
    allowed: CredentialType,
    attempts: u32,
) -> Result<Cred, String> {
    // libgit2 asks once for the user name alone before an ssh key; that is not an attempt.
    if allowed.contains(CredentialType::USERNAME) && !allowed.contains(CredentialType::SSH_KEY) {
        let user = match credentials {
            Credentials::SshKey { username, .. } => username.as_str(),
            _ => user_from_url.unwrap_or("git"),
        };
        return Cred::username(user).map_err(|e| e.message().to_string());
    }
    let sent_before =
        attempts > 1 && !matches!(credentials, Credentials::SshKey { .. }) || attempts > 2;
    if sent_before {
        return Err("the server rejected the configured credentials".into());
    }
    match credentials {
        Credentials::None => Err("the server requires credentials and none are configured".into()),
        Credentials::Basic { username, password }
            if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) =>
        {
            Cred::userpass_plaintext(username, password.expose())
                .map_err(|e| e.message().to_string())
        }
        Credentials::Token(token) if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) => {
            let user = user_from_url
                .filter(|u| !u.is_empty())
                .unwrap_or("x-access-token");
            Cred::userpass_plaintext(user, token.expose()).map_err(|e| e.message().to_string())
        }
        Credentials::SshKey {
            username,
            private_key,
            passphrase,
            ..
        } if allowed.contains(CredentialType::SSH_KEY) => Cred::ssh_key(
            username,
            None,
            private_key,
            passphrase.as_ref().map(|p| p.expose()),
        )
        .map_err(|e| format!("ssh key {}: {}", private_key.display(), e.message())),
        _ => Err(format!(
            "the server asks for credentials of type {allowed:?}, which the configured ones are not"
        )),
    }
}

fn check_host_key(
    url: &GitUrl,
    credentials: &Credentials,
    key: Option<&[u8]>,
) -> Result<(), String> {
    if url.transport != Transport::Ssh {
        return Ok(());
    }
    let host = url.host.as_deref().unwrap_or_default();
    let Credentials::SshKey { known_hosts, .. } = credentials else {
        return Err(format!(
            "no known_hosts file is configured for {host}; ssh remotes need one (no trust on first use)"
        ));
    };
    let Some(key) = key else {
        return Err("the ssh library did not provide the server's host key".into());
    };
    let list = KnownHosts::load(known_hosts)
        .map_err(|e| format!("cannot read known_hosts {}: {e}", known_hosts.display()))?;
    let kind = key_type_of(key).unwrap_or_else(|| "unknown".into());
    let name = match url.port {
        Some(p) if p != 22 => format!("[{host}]:{p}"),
        _ => host.to_string(),
    };
    match list.check(host, url.port, key) {
        HostKeyStatus::Trusted => Ok(()),
        HostKeyStatus::Unknown => Err(format!(
            "{name} ({kind} key) is not listed in {}",
            known_hosts.display()
        )),
        HostKeyStatus::Changed => Err(format!(
            "the {kind} host key of {name} does not match the one in {} (host key changed?)",
            known_hosts.display()
        )),
        HostKeyStatus::Revoked => Err(format!("the {kind} host key of {name} is revoked")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::credentials::Secret;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    fn blob(kind: &str, body: &[u8]) -> Vec<u8> {
        let mut b = (kind.len() as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind.as_bytes());
        b.extend_from_slice(body);
        b
    }

    #[test]
    fn host_keys_are_checked_against_the_configured_known_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let kh = dir.path().join("known_hosts");
        let key = blob("ssh-ed25519", b"server-key");
        std::fs::write(
            &kh,
            format!("[git.example]:2222 ssh-ed25519 {}\n", STANDARD.encode(&key)),
        )
        .unwrap();
        let creds = Credentials::SshKey {
            username: "git".into(),
            private_key: dir.path().join("id"),
            passphrase: None,
            known_hosts: kh,
        };
        let url = GitUrl::parse("ssh://git@git.example:2222/repo.git");
        assert_eq!(check_host_key(&url, &creds, Some(&key)), Ok(()));
        let changed =
            check_host_key(&url, &creds, Some(&blob("ssh-ed25519", b"other"))).unwrap_err();
        assert!(
            changed.contains("does not match") && changed.contains("[git.example]:2222"),
            "{changed}"
        );
        let other_port = GitUrl::parse("git@git.example:repo.git");
        let unknown = check_host_key(&other_port, &creds, Some(&key)).unwrap_err();
        assert!(unknown.contains("is not listed"), "{unknown}");
        let no_file = check_host_key(&url, &Credentials::None, Some(&key)).unwrap_err();
        assert!(no_file.contains("no known_hosts"), "{no_file}");
        // Not ssh: the TLS chain was checked by libgit2.
        assert_eq!(
            check_host_key(&GitUrl::parse("https://h/r"), &Credentials::None, None),
            Ok(())
        );
    }

    #[test]
    fn credentials_are_offered_once_then_refused() {
        let basic = Credentials::Basic {
            username: "u".into(),
            password: Secret::new("p"),
        };
        let plain = CredentialType::USER_PASS_PLAINTEXT;
        assert!(credential(&basic, None, plain, 1).is_ok());
        let again = credential(&basic, None, plain, 2).err().unwrap();
        assert!(again.contains("rejected"), "{again}");
        let none = credential(&Credentials::None, None, plain, 1)
            .err()
            .unwrap();
        assert!(none.contains("none are configured"), "{none}");
        let wrong_kind = credential(&basic, None, CredentialType::SSH_KEY, 1)
            .err()
            .unwrap();
        assert!(wrong_kind.contains("SSH_KEY"), "{wrong_kind}");
    }
}
