//! Validates what points outside the GitOps repo: remote chart locations, extra git sources and
//! their credentials (places to read secrets from, never the secrets).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::model::{ChartSource, CredentialsSpec, ExtraSource, SecretSource};
use crate::position::Seg;
use crate::raw::{
    RawCredentials, RawExtraSource, RawGitChart, RawOciChart, RawRepoChart, RawSecretRef,
};
use crate::validate::{lexical_join, Ctx};

/// What kind of remote a URL is for; decides the schemes allowed.
#[derive(Clone, Copy)]
enum UrlKind {
    Git,
    HelmRepo,
    Oci,
}

/// Checks a remote URL. Userinfo is refused so that no secret sits in a config file.
pub(crate) fn check_git_url(ctx: &mut Ctx<'_>, url: &str, at: &[Seg]) {
    check_url(ctx, url, UrlKind::Git, at)
}

fn check_url(ctx: &mut Ctx<'_>, url: &str, kind: UrlKind, at: &[Seg]) {
    let scheme = url.split_once("://").map(|(s, _)| s);
    let scp_like = scheme.is_none() && url.contains(':') && !url.starts_with('/');
    let ok = match kind {
        UrlKind::Git => {
            matches!(scheme, Some("https" | "http" | "ssh" | "git" | "file"))
                || scp_like
                || (scheme.is_none() && url.starts_with('/'))
        }
        UrlKind::HelmRepo => matches!(scheme, Some("https" | "http")),
        UrlKind::Oci => scheme == Some("oci"),
    };
    if url.trim().is_empty() {
        ctx.invalid(at, "url must not be empty");
        return;
    }
    if !ok {
        let want = match kind {
            UrlKind::Git => {
                "an https://, ssh://, git://, file:// URL, user@host:path, or an absolute path"
            }
            UrlKind::HelmRepo => "an https:// or http:// URL",
            UrlKind::Oci => "an oci://host/path/chart reference",
        };
        ctx.invalid(at, format!("url {url:?} must be {want}"));
        return;
    }
    if let Some((_, rest)) = url.split_once("://") {
        let authority = rest.split('/').next().unwrap_or("");
        if authority.contains(':') && authority.contains('@') {
            ctx.invalid(
                at,
                format!("url {url:?}: put the password in `credentials`, not in the URL"),
            );
        }
    }
}

/// `spec.source.helm.git`.
pub(crate) fn git_chart(
    ctx: &mut Ctx<'_>,
    raw: RawGitChart,
    credentials: Option<CredentialsSpec>,
    at: &[Seg],
) -> Option<ChartSource> {
    let before = ctx.errors.len();
    check_url(ctx, &raw.url, UrlKind::Git, &sub(at, "url"));
    let path = match clean_inside(raw.path.as_deref().unwrap_or(".")) {
        Ok(p) => p,
        Err(e) => {
            ctx.invalid(
                &sub(at, "path"),
                format!("path {:?} {e}", raw.path.unwrap_or_default()),
            );
            String::new()
        }
    };
    (ctx.errors.len() == before).then(|| ChartSource::Git {
        url: raw.url,
        reference: raw.reference.unwrap_or_default(),
        path,
        credentials,
    })
}

/// `spec.source.helm.repo`.
pub(crate) fn repo_chart(
    ctx: &mut Ctx<'_>,
    raw: RawRepoChart,
    credentials: Option<CredentialsSpec>,
    at: &[Seg],
) -> Option<ChartSource> {
    let before = ctx.errors.len();
    check_url(ctx, &raw.url, UrlKind::HelmRepo, &sub(at, "url"));
    if raw.chart.is_empty() || raw.chart.contains('/') {
        ctx.invalid(
            &sub(at, "chart"),
            format!("chart {:?} must be a chart name", raw.chart),
        );
    }
    (ctx.errors.len() == before).then(|| ChartSource::Repo {
        url: raw.url,
        name: raw.chart,
        version: raw.version.unwrap_or_default(),
        credentials,
    })
}

/// `spec.source.helm.oci`.
pub(crate) fn oci_chart(
    ctx: &mut Ctx<'_>,
    raw: RawOciChart,
    credentials: Option<CredentialsSpec>,
    at: &[Seg],
) -> Option<ChartSource> {
    let before = ctx.errors.len();
    check_url(ctx, &raw.url, UrlKind::Oci, &sub(at, "url"));
    if let Some(rest) = raw.url.strip_prefix("oci://") {
        if !rest.contains('/') || rest.ends_with('/') {
            ctx.invalid(
                &sub(at, "url"),
                format!("url {:?} must name host/path/chart", raw.url),
            );
        }
    }
    (ctx.errors.len() == before).then(|| ChartSource::Oci {
        url: raw.url,
        version: raw.version.unwrap_or_default(),
        credentials,
    })
}

/// `spec.sources`: extra git sources, in name order.
pub(crate) fn extra_sources(
    ctx: &mut Ctx<'_>,
    raw: Option<BTreeMap<String, RawExtraSource>>,
    is_helm: bool,
) -> Vec<ExtraSource> {
    let mut out = Vec::new();
    for (name, src) in raw.unwrap_or_default() {
        let at = [
            Seg::from("spec"),
            Seg::from("sources"),
            Seg::from(name.as_str()),
        ];
        if let Err(e) = crate::rules::dns_label(&name) {
            ctx.invalid(&at, format!("source name {name:?} {e}"));
        }
        check_url(ctx, &src.git, UrlKind::Git, &sub(&at, "git"));
        let credentials = src
            .credentials
            .and_then(|c| self::credentials(ctx, c, &sub(&at, "credentials")));
        let inject = src.inject.unwrap_or(crate::raw::RawInject {
            revision: None,
            repository: None,
        });
        let inject_at = sub(&at, "inject");
        for (field, path) in [
            ("revision", &inject.revision),
            ("repository", &inject.repository),
        ] {
            let Some(path) = path else { continue };
            let here = sub(&inject_at, field);
            if !is_helm {
                ctx.invalid(
                    &here,
                    "inject is for helm apps: a manifests app has no values",
                );
            } else if path.split('.').any(str::is_empty) {
                ctx.invalid(
                    &here,
                    format!("values path {path:?} must be dotted keys like source.git.revision"),
                );
            }
        }
        out.push(ExtraSource {
            name,
            url: src.git,
            reference: src.reference.unwrap_or_default(),
            credentials,
            inject_revision: inject.revision,
            inject_repository: inject.repository,
        });
    }
    out
}

/// `credentials`: one way to authenticate, secrets by reference only.
pub(crate) fn credentials(
    ctx: &mut Ctx<'_>,
    raw: RawCredentials,
    at: &[Seg],
) -> Option<CredentialsSpec> {
    let before = ctx.errors.len();
    let password = raw
        .password
        .and_then(|r| secret(ctx, r, &sub(at, "password")));
    let token = raw.token.and_then(|r| secret(ctx, r, &sub(at, "token")));
    let ssh_passphrase = raw
        .ssh_passphrase
        .and_then(|r| secret(ctx, r, &sub(at, "sshPassphrase")));
    let ssh_key = raw
        .ssh_key
        .and_then(|p| absolute(ctx, &p, &sub(at, "sshKey")));
    let known_hosts = raw
        .known_hosts
        .and_then(|p| absolute(ctx, &p, &sub(at, "knownHosts")));
    let ways = [password.is_some(), token.is_some(), ssh_key.is_some()];
    if ways.iter().filter(|w| **w).count() > 1 {
        ctx.invalid(
            at,
            "credentials take one of `password`, `token` and `sshKey`",
        );
    }
    if password.is_some() && raw.username.is_none() {
        ctx.invalid(at, "`password` needs a `username`");
    }
    if ssh_key.is_some() && known_hosts.is_none() {
        ctx.invalid(
            at,
            "`sshKey` needs `knownHosts`: syncd never trusts an unknown host key",
        );
    }
    if ssh_passphrase.is_some() && ssh_key.is_none() {
        ctx.invalid(at, "`sshPassphrase` needs an `sshKey`");
    }
    (ctx.errors.len() == before).then_some(CredentialsSpec {
        username: raw.username,
        password,
        token,
        ssh_key,
        ssh_passphrase,
        known_hosts,
    })
}

/// A secret reference: exactly one of `env` and `file`.
pub(crate) fn secret(ctx: &mut Ctx<'_>, raw: RawSecretRef, at: &[Seg]) -> Option<SecretSource> {
    match (raw.env, raw.file) {
        (Some(env), None) if !env.is_empty() => Some(SecretSource::Env(env)),
        (None, Some(file)) => absolute(ctx, &file, at).map(SecretSource::File),
        _ => {
            ctx.invalid(
                at,
                "a secret reference takes exactly one of `env` and `file`",
            );
            None
        }
    }
}

/// Files outside the repo (mounted secrets) must be absolute: relative would depend on where
/// syncd happens to run.
fn absolute(ctx: &mut Ctx<'_>, path: &str, at: &[Seg]) -> Option<PathBuf> {
    if Path::new(path).is_absolute() {
        Some(PathBuf::from(path))
    } else {
        ctx.invalid(at, format!("path {path:?} must be absolute"));
        None
    }
}

/// Cleans a path inside a remote checkout, refusing absolute paths and `..` that leave it.
fn clean_inside(rel: &str) -> Result<String, &'static str> {
    if Path::new(rel).is_absolute() {
        return Err("must be relative");
    }
    let clean =
        lexical_join(Path::new(""), Path::new(rel)).ok_or("leads outside the repository")?;
    Ok(if clean.as_os_str().is_empty() {
        ".".to_owned()
    } else {
        clean.to_string_lossy().into_owned()
    })
}

fn sub(at: &[Seg], field: &str) -> Vec<Seg> {
    [at, &[Seg::from(field)]].concat()
}

#[cfg(test)]
mod tests {
    use super::clean_inside;
    use crate::model::{ChartSource, CredentialsSpec, SecretSource, SourceSpec};
    use crate::testutil::{assert_error_at, edit, TestRepo, CHART_APP, DEV_ENV};

    const APP: &str = "apps/chart/app.yaml";

    /// A repo whose `chart` app takes its chart from `helm` (YAML under `spec.source.helm`,
    /// replacing `chart: chart`) plus `extra` appended to the spec.
    fn remote_repo(helm: &str, extra: &str) -> TestRepo {
        let repo = TestRepo::with_apps();
        let app = edit(CHART_APP, "      chart: chart\n", helm);
        repo.app("chart", &format!("{app}{extra}"));
        repo
    }

    const TRAINING: &str = "  sources:\n    code:\n      git: https://git.example.com/ml/train.git\n      ref: main\n      inject:\n        revision: source.git.revision\n        repository: source.git.repository\n";

    #[test]
    fn remote_charts_and_extra_sources_load() {
        let repo = remote_repo(
            "      oci:\n        url: oci://registry.example.com/charts/deepspeed\n        version: 2.x\n      credentials:\n        username: robot\n        password: {env: REGISTRY_PASSWORD}\n",
            TRAINING,
        );
        let app = &repo.load().apps["chart"];
        let SourceSpec::Helm { chart, .. } = &app.source else {
            panic!("helm app");
        };
        assert_eq!(
            chart,
            &ChartSource::Oci {
                url: "oci://registry.example.com/charts/deepspeed".into(),
                version: "2.x".into(),
                credentials: Some(CredentialsSpec {
                    username: Some("robot".into()),
                    password: Some(SecretSource::Env("REGISTRY_PASSWORD".into())),
                    ..CredentialsSpec::default()
                }),
            }
        );
        assert_eq!(app.sources.len(), 1);
        assert_eq!(app.sources[0].reference, "main");
        assert_eq!(
            app.sources[0].inject_revision.as_deref(),
            Some("source.git.revision")
        );
    }

    #[test]
    fn environment_overrides_chart_version_and_source_ref() {
        let repo = remote_repo(
            "      repo:\n        url: https://deltawi.github.io/deltallm\n        chart: deltallm\n        version: '>=0.1'\n",
            TRAINING,
        );
        repo.env(
            "dev",
            &edit(DEV_ENV, "      set: [\"image.tag=dev\"]\n", "      set: [\"image.tag=dev\"]\n      chartVersion: 0.3.1\n      sources: {code: {ref: v1.4.0}}\n"),
        );
        let resolved = repo.load().resolve("dev").unwrap();
        let app = resolved.apps.iter().find(|a| a.name == "chart").unwrap();
        let SourceSpec::Helm {
            chart: ChartSource::Repo { version, .. },
            ..
        } = &app.source
        else {
            panic!("repo chart");
        };
        assert_eq!(version, "0.3.1");
        assert_eq!(app.sources[0].reference, "v1.4.0");
    }

    #[test]
    fn unknown_source_override_is_an_error() {
        let repo = remote_repo(
            "      git:\n        url: https://git.example.com/charts.git\n        path: charts/x\n",
            "",
        );
        repo.env(
            "dev",
            &edit(
                DEV_ENV,
                "      set: [\"image.tag=dev\"]\n",
                "      set: [\"image.tag=dev\"]\n      sources: {code: {ref: main}}\n",
            ),
        );
        assert_error_at(
            &repo.load_err(),
            "environments/dev.yaml:22:17",
            "has no source \"code\"",
        );
    }

    #[test]
    fn chart_version_on_a_local_chart_is_an_error() {
        let repo = TestRepo::with_apps();
        repo.env(
            "dev",
            &edit(
                DEV_ENV,
                "      set: [\"image.tag=dev\"]\n",
                "      set: [\"image.tag=dev\"]\n      chartVersion: 1.0.0\n",
            ),
        );
        assert_error_at(
            &repo.load_err(),
            "environments/dev.yaml:22",
            "`chartVersion` is for git, repo and oci charts",
        );
    }

    #[test]
    fn two_chart_locations_are_an_error() {
        let repo = remote_repo(
            "      chart: chart\n      oci: {url: oci://r.example.com/c/x}\n",
            "",
        );
        assert_error_at(
            &repo.load_err(),
            &format!("{APP}:7"),
            "exactly one of `chart`, `git`, `repo` and `oci`",
        );
    }

    #[test]
    fn bad_urls_are_errors() {
        let repo = remote_repo("      repo: {url: oci://r.example.com/x, chart: x}\n", "");
        assert_error_at(
            &repo.load_err(),
            &format!("{APP}:8"),
            "must be an https:// or http:// URL",
        );
        let repo = remote_repo("      oci: {url: 'https://r.example.com/x'}\n", "");
        assert_error_at(
            &repo.load_err(),
            &format!("{APP}:8"),
            "oci://host/path/chart",
        );
        let repo = remote_repo(
            "      git: {url: 'https://u:hunter2@git.example.com/x.git'}\n",
            "",
        );
        assert_error_at(&repo.load_err(), &format!("{APP}:8"), "not in the URL");
    }

    #[test]
    fn credential_rules() {
        let cases = [
            ("{sshKey: /keys/id}", "needs `knownHosts`"),
            ("{password: {env: P}}", "`password` needs a `username`"),
            (
                "{username: u, password: {env: P}, token: {env: T}}",
                "one of `password`, `token` and `sshKey`",
            ),
            (
                "{token: {env: T, file: /t}}",
                "exactly one of `env` and `file`",
            ),
            ("{token: {file: token.txt}}", "must be absolute"),
        ];
        for (creds, fragment) in cases {
            let repo = remote_repo(
                &format!("      git: {{url: 'git@git.example.com:ml/charts.git'}}\n      credentials: {creds}\n"),
                "",
            );
            let err = repo.load_err();
            assert!(err.to_string().contains(fragment), "{creds}: {err}");
            assert!(
                err.to_string().starts_with(&format!("{APP}:9")),
                "{creds}: {err}"
            );
        }
    }

    #[test]
    fn inject_needs_a_helm_app() {
        let repo = TestRepo::with_apps();
        repo.app("web", &format!("{}{TRAINING}", crate::testutil::WEB_APP));
        let err = repo.load_err();
        assert!(err.to_string().contains("inject is for helm apps"), "{err}");
        assert_eq!(err.errors().len(), 2, "{err}");
    }

    #[test]
    fn chart_paths_stay_inside_the_repository() {
        assert_eq!(clean_inside("charts/x/").unwrap(), "charts/x");
        assert_eq!(clean_inside("./").unwrap(), ".");
        assert_eq!(clean_inside("a/../b").unwrap(), "b");
        assert!(clean_inside("../x").is_err());
        assert!(clean_inside("/etc").is_err());
    }
}
