//! Shared steps of the commands: loading and rendering a repo, connecting, styling output.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;
use syncd_config::{Repo, ResolvedApp, ResolvedEnv};

use super::{ClusterArgs, Select};
use crate::cluster::{Cluster, ConnectOptions};
use crate::diff::Style;
use crate::render::{render_app, RenderContext, RenderedApp};
use crate::source::fetch::{credentials, default_cache_dir, Fetcher, DEFAULT_CACHE_BYTES};
use crate::source::git::{redact_url, Checkout, GitRef, GitRemote};
use crate::source::{open_local, AppSources, SourceTree};

/// A repo rendered for one environment: every selected app, all rendered before anything else
/// happens, so one bad app stops the whole command before the cluster is touched.
pub struct Loaded {
    /// The source.
    pub source: SourceTree,
    /// The resolved environment.
    pub env: ResolvedEnv,
    /// Rendered apps, paired with their resolved definitions, in the environment's order.
    pub apps: Vec<(ResolvedApp, RenderedApp)>,
    /// Each app's pinned sources, by app name.
    pub sources: std::collections::HashMap<String, AppSources>,
}

/// A repo opened and resolved, its apps' remote sources fetched, not yet rendered.
pub struct Opened {
    /// The source.
    pub source: SourceTree,
    /// The resolved environment.
    pub env: ResolvedEnv,
    /// Each app's pinned sources, by app name.
    pub sources: std::collections::HashMap<String, AppSources>,
    /// Checkouts in use, held so the cache does not evict them mid-render.
    pub leases: Vec<Checkout>,
}

impl Opened {
    /// Whether any selected app renders a Helm chart (and so may use the cluster while rendering).
    pub fn has_charts(&self, select: &Select) -> bool {
        self.selected(select)
            .any(|a| matches!(a.source, syncd_config::SourceSpec::Helm { .. }))
    }

    fn selected<'a>(&'a self, select: &'a Select) -> impl Iterator<Item = &'a ResolvedApp> + 'a {
        selected(&self.env, select)
    }
}

/// The apps of `env` that `select` names (every app when it names none).
fn selected<'a>(
    env: &'a ResolvedEnv,
    select: &'a Select,
) -> impl Iterator<Item = &'a ResolvedApp> + 'a {
    env.apps
        .iter()
        .filter(|a| select.app.is_empty() || select.app.contains(&a.name))
}

/// Opens the repo (a local directory, or a URL fetched into the cache), validates and resolves
/// the selected environment, and fetches and pins the selected apps' remote sources.
pub async fn open(select: &Select) -> anyhow::Result<Opened> {
    let cache_dir = select.cache_dir.clone().unwrap_or_else(default_cache_dir);
    let fetcher = Fetcher::open(&cache_dir, DEFAULT_CACHE_BYTES)?;
    let mut leases = Vec::new();
    let source = if select.repo.is_dir() || !looks_like_url(&select.repo) {
        if select.reference.is_some() {
            anyhow::bail!(
                "--ref is for a repo URL; {} is a local directory (check out the ref there)",
                select.repo.display()
            );
        }
        open_local(&select.repo)?
    } else {
        let (tree, lease) = open_remote(&fetcher, select).await?;
        leases.push(lease);
        tree
    };
    let repo = Repo::load(&source.root)?;
    let env = repo.resolve(&select.env)?;
    for wanted in &select.app {
        if !env.apps.iter().any(|a| &a.name == wanted) {
            anyhow::bail!(
                "environment {} has no app {wanted:?} (it has: {})",
                env.name,
                env.apps
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let mut sources = std::collections::HashMap::new();
    for app in selected(&env, select) {
        let fetched = fetcher.fetch_app(app).await?;
        for w in &fetched.warnings {
            eprintln!("warning: {w}");
        }
        leases.extend(fetched.leases);
        sources.insert(app.name.clone(), fetched.sources);
    }
    Ok(Opened {
        source,
        env,
        sources,
        leases,
    })
}

/// `https://…`, `ssh://…`, `git://…`, `file://…` or scp-like `user@host:path`.
fn looks_like_url(repo: &Path) -> bool {
    let s = repo.to_string_lossy();
    s.contains("://") || (s.contains('@') && s.contains(':') && !s.starts_with('/'))
}

/// Fetches the GitOps repo at `--ref` into the cache and opens its immutable checkout.
async fn open_remote(fetcher: &Fetcher, select: &Select) -> anyhow::Result<(SourceTree, Checkout)> {
    let url = select.repo.to_string_lossy().into_owned();
    let auth = &select.git_auth;
    let spec = syncd_config::CredentialsSpec {
        username: auth.git_username.clone(),
        password: auth
            .git_password_env
            .clone()
            .map(syncd_config::SecretSource::Env),
        token: auth
            .git_token_env
            .clone()
            .map(syncd_config::SecretSource::Env),
        ssh_key: auth.ssh_key.clone(),
        ssh_passphrase: None,
        known_hosts: auth.known_hosts.clone(),
    };
    let remote = GitRemote {
        url: url.clone(),
        credentials: credentials("repo", Some(&spec))?,
    };
    let reference = GitRef::parse(select.reference.as_deref().unwrap_or(""));
    let resolved = fetcher
        .git()
        .resolve_async(remote.clone(), reference)
        .await?;
    if let Some(why) = &resolved.stale {
        eprintln!(
            "warning: fetching {} failed, using the last good commit {}: {why}",
            redact_url(&url),
            resolved.commit
        );
    }
    let checkout = fetcher
        .git()
        .checkout_async(remote, resolved.commit.clone())
        .await?;
    let tree = SourceTree {
        root: checkout.dir.clone(),
        commit: Some(resolved.commit),
        dirty: false,
    };
    Ok((tree, checkout))
}

/// Renders every selected app (all before anything else happens).
pub fn render_all(
    mut opened: Opened,
    select: &Select,
    ctx: &RenderContext<'_>,
) -> anyhow::Result<Loaded> {
    // Checkouts stay leased (not evictable) until every app has rendered.
    let leases = std::mem::take(&mut opened.leases);
    let env = &opened.env;
    let mut apps = Vec::new();
    for app in opened.selected(select) {
        let rendered = render_app(app, &opened.sources[&app.name], &opened.source.root, ctx)
            .with_context(|| format!("rendering {}/{}", env.name, app.name))?;
        apps.push((app.clone(), rendered));
    }
    drop(leases);
    // One object may belong to only one app of an environment.
    let mut owner = std::collections::HashMap::new();
    for (app, rendered) in &apps {
        for m in &rendered.manifests {
            if let Some(other) = owner.insert(m.id.clone(), app.name.clone()) {
                anyhow::bail!(
                    "{} ({}) is rendered by two apps of {}: {other} and {}",
                    m.id,
                    m.origin,
                    env.name,
                    app.name
                );
            }
        }
    }
    Ok(Loaded {
        source: opened.source,
        env: opened.env,
        apps,
        sources: opened.sources,
    })
}

/// Opens and renders offline (Helm's default capabilities, empty `lookup`).
pub async fn load(select: &Select) -> anyhow::Result<Loaded> {
    render_all(open(select).await?, select, &RenderContext::offline())
}

/// Opens, connects to the environment's cluster, and renders against it: charts see the live
/// capabilities, `lookup` reads live objects, install or upgrade follows syncd's inventory, and
/// each chart is rendered twice to find random values.
pub async fn load_live(select: &Select, args: &ClusterArgs) -> anyhow::Result<(Loaded, Cluster)> {
    let opened = open(select).await?;
    let cluster = connect(args, opened.env.kube_context.as_deref()).await?;
    let loaded = if opened.has_charts(select) {
        let mut releases = std::collections::HashMap::new();
        for app in opened.selected(select) {
            if matches!(app.source, syncd_config::SourceSpec::Helm { .. }) {
                let env = &opened.env;
                let release = crate::engine::read_release(
                    &cluster,
                    &env.state_namespace,
                    &env.name,
                    &app.name,
                )
                .await?;
                releases.insert(app.name.clone(), release);
            }
        }
        let ctx = RenderContext {
            capabilities: crate::engine::capabilities(&cluster).await?,
            host: &crate::engine::ClusterLookup::new(&cluster),
            releases,
            render_twice: true,
        };
        render_all(opened, select, &ctx)?
    } else {
        render_all(opened, select, &RenderContext::offline())?
    };
    Ok((loaded, cluster))
}

/// Connects to the environment's cluster.
pub async fn connect(args: &ClusterArgs, env_context: Option<&str>) -> anyhow::Result<Cluster> {
    let opts = ConnectOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args
            .context
            .clone()
            .or_else(|| env_context.map(str::to_string)),
    };
    Ok(Cluster::connect(&opts).await?)
}

/// Colors when stdout is a terminal, `NO_COLOR` is unset and `--no-color` was not given.
pub fn style(no_color: bool) -> Style {
    if !no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal() {
        Style::Color
    } else {
        Style::Plain
    }
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_prefix(what.to_string());
    bar
}
