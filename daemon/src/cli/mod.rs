//! The command line: argument definitions and one module per command. Commands return an exit
//! code; `main` maps errors (anyhow) to exit code 2.

mod common;
mod daemon;
mod diff;
mod history;
mod render;
mod sync;
mod template;
mod watch;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// syncd: a declarative GitOps sync daemon for Kubernetes.
#[derive(Parser, Debug)]
#[command(name = "syncd", version, about)]
pub struct Cli {
    /// More logging (-v debug, -vv trace). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Render an environment's manifests (no cluster needed).
    Render(RenderArgs),
    /// Show what a sync would change. Exit 0 = in sync, 1 = differences, 2 = error.
    Diff(SyncArgs),
    /// Render, plan, apply, prune and record history.
    Sync(SyncArgs),
    /// List an app's revisions.
    History(HistoryArgs),
    /// Re-apply a stored revision exactly, without Git.
    Rollback(RollbackArgs),
    /// Render a Helm chart like `helm template` (natively, no helm binary).
    Template(template::TemplateArgs),
    /// Run the daemon: keep an environment in sync with Git (poll, webhooks, self-heal).
    Run(RunArgs),
    /// Show every app's state: from a running daemon (--url) or from the cluster (--env).
    Status(StatusArgs),
    /// Lift the pin a rollback put on an app, so the daemon applies Git again.
    Resume(ResumeArgs),
}

/// `syncd run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The daemon's configuration file (kind DaemonConfig); reloaded when it changes.
    #[arg(long, short = 'c', env = "SYNCD_CONFIG")]
    pub config: PathBuf,
}

/// `syncd status`.
#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Base URL of a running daemon (e.g. http://localhost:8080).
    #[arg(long, conflicts_with = "env")]
    url: Option<String>,
    /// Environment to read from the cluster's history instead.
    #[arg(long, short = 'e')]
    env: Option<String>,
    /// Namespace holding syncd's state.
    #[arg(long, default_value = "syncd-system")]
    state_namespace: String,
    #[command(flatten)]
    cluster: ClusterArgs,
}

/// `syncd resume`.
#[derive(Args, Debug)]
pub struct ResumeArgs {
    #[command(flatten)]
    state: StateArgs,
}

/// Selects a repo, environment and apps.
#[derive(Args, Debug, Clone)]
pub struct Select {
    /// The GitOps repo: a local directory (a git working tree is used as it is, uncommitted
    /// changes included) or a git URL (https://, ssh://, git://, file://, user@host:path).
    pub repo: PathBuf,
    /// For a repo URL: branch, tag, commit or semver range over tags (default: the remote's HEAD).
    #[arg(long = "ref", value_name = "REF")]
    pub reference: Option<String>,
    /// Where fetched repos and charts are cached (default: the user's cache dir, `syncd/`).
    #[arg(long, env = "SYNCD_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Credentials for a repo URL.
    #[command(flatten)]
    pub git_auth: GitAuthArgs,
    /// Environment to use.
    #[arg(long, short = 'e')]
    pub env: String,
    /// Only this app (repeatable); default: every app of the environment.
    #[arg(long, short = 'a')]
    pub app: Vec<String>,
    /// `render`/`diff`: run again whenever files under the (local) repo change.
    #[arg(long)]
    pub watch: bool,
}

/// Credentials for a repo given as a URL. Secrets are read from environment variables or files
/// named here, never passed as values.
#[derive(Args, Debug, Clone, Default)]
pub struct GitAuthArgs {
    /// User for basic auth or ssh.
    #[arg(long, value_name = "USER")]
    pub git_username: Option<String>,
    /// Environment variable holding the basic-auth password.
    #[arg(long, value_name = "VAR")]
    pub git_password_env: Option<String>,
    /// Environment variable holding a token (GitHub/GitLab personal access token).
    #[arg(long, value_name = "VAR")]
    pub git_token_env: Option<String>,
    /// ssh private key file.
    #[arg(long, value_name = "FILE", requires = "known_hosts")]
    pub ssh_key: Option<PathBuf>,
    /// known_hosts file the server's host key must be listed in.
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<PathBuf>,
}

/// Where the cluster is.
#[derive(Args, Debug, Clone, Default)]
pub struct ClusterArgs {
    /// kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster config).
    #[arg(long, env = "KUBECONFIG", hide_env_values = true)]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context (default: the environment's `cluster.context`, else the current one).
    #[arg(long)]
    pub context: Option<String>,
}

/// Output formats of `render`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// A YAML stream with `# Source:` comments.
    Yaml,
    /// A `v1/List` as JSON.
    Json,
}

/// `syncd render`.
#[derive(Args, Debug)]
pub struct RenderArgs {
    #[command(flatten)]
    select: Select,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "yaml")]
    output: Output,
}

/// `syncd diff` and `syncd sync`.
#[derive(Args, Debug, Clone)]
pub struct SyncArgs {
    #[command(flatten)]
    select: Select,
    #[command(flatten)]
    cluster: ClusterArgs,
    /// Plan and show what would change, write nothing (sync only).
    #[arg(long)]
    dry_run: bool,
    /// Allow pruning every object when an app renders empty.
    #[arg(long)]
    allow_empty_prune: bool,
    /// Allow a prune larger than the app's prune budget.
    #[arg(long)]
    allow_prune_over_budget: bool,
    /// Never color the output.
    #[arg(long)]
    no_color: bool,
    /// How long one chart hook (Job, Pod, ...) may run before it counts as failed (sync only;
    /// `500ms`, `90s`, `5m`, `1h`, or seconds).
    #[arg(long, default_value = "5m", value_parser = syncd_config::parse_duration)]
    hook_timeout: std::time::Duration,
}

impl SyncArgs {
    /// Arguments for `diff`/`sync` of every app of `env` in `repo` against `kubeconfig`, with
    /// defaults for everything else (for embedding and tests).
    pub fn new(repo: &std::path::Path, env: &str, kubeconfig: &std::path::Path) -> SyncArgs {
        SyncArgs {
            select: Select {
                repo: repo.to_path_buf(),
                env: env.to_string(),
                app: Vec::new(),
                watch: false,
                reference: None,
                cache_dir: None,
                git_auth: GitAuthArgs::default(),
            },
            cluster: ClusterArgs {
                kubeconfig: Some(kubeconfig.to_path_buf()),
                context: None,
            },
            dry_run: false,
            allow_empty_prune: false,
            allow_prune_over_budget: false,
            no_color: true,
            hook_timeout: std::time::Duration::from_secs(300),
        }
    }

    /// The prune safety relaxations asked for on the command line.
    fn overrides(&self) -> crate::engine::PruneOverrides {
        crate::engine::PruneOverrides {
            allow_empty: self.allow_empty_prune,
            allow_over_budget: self.allow_prune_over_budget,
        }
    }
}

/// Identifies one app's state in the cluster without a repo.
#[derive(Args, Debug)]
pub struct StateArgs {
    /// Environment.
    #[arg(long, short = 'e')]
    env: String,
    /// App.
    #[arg(long, short = 'a')]
    app: String,
    /// Namespace holding syncd's state (the environment's `stateNamespace`).
    #[arg(long, default_value = "syncd-system")]
    state_namespace: String,
    #[command(flatten)]
    cluster: ClusterArgs,
}

/// `syncd history`.
#[derive(Args, Debug)]
pub struct HistoryArgs {
    #[command(flatten)]
    state: StateArgs,
}

/// `syncd rollback`.
#[derive(Args, Debug)]
pub struct RollbackArgs {
    #[command(flatten)]
    state: StateArgs,
    /// Revision to restore (default: the one before the newest).
    #[arg(long)]
    to: Option<u64>,
    /// Show what the rollback would change, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Allow a prune larger than the app's prune budget.
    #[arg(long)]
    allow_prune_over_budget: bool,
    /// Never color the output.
    #[arg(long)]
    no_color: bool,
}

/// Runs a command; returns the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Render(a) if a.select.watch => {
            let root = a.select.repo.clone();
            watch::run(&root, || render::run(&a)).await
        }
        Command::Render(a) => render::run(&a).await,
        Command::Diff(a) if a.select.watch => {
            let root = a.select.repo.clone();
            watch::run(&root, || diff::run(a.clone())).await
        }
        Command::Diff(a) => diff::run(a).await,
        Command::Sync(a) if a.select.watch => {
            anyhow::bail!("--watch is for render and diff: syncd sync applies only when asked")
        }
        Command::Sync(a) => sync::run(a).await,
        Command::History(a) => history::run(a).await,
        Command::Rollback(a) => history::rollback(a).await,
        Command::Template(a) => template::run(a),
        Command::Run(a) => daemon::run(a).await,
        Command::Status(a) => daemon::status(a).await,
        Command::Resume(a) => daemon::resume(a).await,
    }
}
