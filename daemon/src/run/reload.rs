//! Reloading the daemon's configuration file when it changes (notify): a valid new file
//! replaces the running configuration; an invalid one is logged with its file:line error and
//! the old configuration is kept.

use std::path::PathBuf;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use syncd_config::DaemonConfig;
use tokio::sync::{mpsc, watch};

/// Edits within this window are read once (editors and ConfigMap updates write in steps).
const SETTLE: Duration = Duration::from_millis(300);

/// Why watching the configuration file could not start.
#[derive(Debug, thiserror::Error)]
#[error("watching {file}: {message}")]
pub struct ReloadError {
    file: String,
    message: String,
}

/// Watches `config.file`; every valid change is published on the returned channel. The watch
/// stops when `shutdown` becomes true.
pub fn watch_config(
    config: DaemonConfig,
    mut shutdown: watch::Receiver<bool>,
) -> Result<watch::Receiver<DaemonConfig>, ReloadError> {
    let file = config.file.clone();
    let err = |message: String| ReloadError {
        file: file.display().to_string(),
        message,
    };
    // A mounted ConfigMap is replaced by swapping a symlinked directory, so the directory is
    // watched, not the file.
    let dir: PathBuf = file
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"));
    let (tx, mut rx) = mpsc::channel::<()>(16);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| !e.kind.is_access()) {
            let _ = tx.try_send(());
        }
    })
    .map_err(|e| err(e.to_string()))?;
    watcher
        .watch(&dir, RecursiveMode::NonRecursive)
        .map_err(|e| err(e.to_string()))?;
    let (publish, configs) = watch::channel(config);
    tokio::spawn(async move {
        // The watcher lives as long as this task.
        let _watcher = watcher;
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                got = rx.recv() => {
                    if got.is_none() { break; }
                    tokio::time::sleep(SETTLE).await;
                    while rx.try_recv().is_ok() {}
                    let current = publish.borrow().clone();
                    match DaemonConfig::load(&current.file) {
                        Ok(next) if next != current => {
                            tracing::info!(file = %current.file.display(), "configuration changed");
                            let _ = publish.send(next);
                        }
                        Ok(_) => {}
                        Err(e) => tracing::error!(
                            file = %current.file.display(),
                            "configuration change rejected, keeping the running one: {e}"
                        ),
                    }
                }
            }
        }
    });
    Ok(configs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "apiVersion: syncd.io/v1alpha1\nkind: DaemonConfig\nrepo:\n  url: https://x/y.git\nenvironment: dev\n";

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn valid_changes_are_published_and_invalid_ones_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("syncd.yaml");
        std::fs::write(&path, GOOD).unwrap();
        let config = DaemonConfig::load(&path).unwrap();
        let (_stop, shutdown) = watch::channel(false);
        let mut configs = watch_config(config, shutdown).unwrap();
        std::fs::write(&path, format!("{GOOD}concurrency: 0\n")).unwrap();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert!(
            !configs.has_changed().unwrap(),
            "an invalid file is not published"
        );
        assert_eq!(configs.borrow().concurrency, 4);
        std::fs::write(&path, format!("{GOOD}concurrency: 7\n")).unwrap();
        tokio::time::timeout(Duration::from_secs(10), configs.changed())
            .await
            .expect("a valid change is published")
            .unwrap();
        assert_eq!(configs.borrow().concurrency, 7);
    }
}
