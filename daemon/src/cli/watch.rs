//! `--watch`: re-runs a command whenever files under the local repo change, debounced so that an
//! editor's save (several events in a burst) or a `git checkout` triggers one run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// How long the tree must stay quiet before a re-run.
pub const QUIET: Duration = Duration::from_millis(300);

/// Runs `once` now, then again after every burst of changes under `root`, until interrupted.
pub async fn run<F, Fut>(root: &Path, mut once: F) -> anyhow::Result<i32>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<i32>>,
{
    if !root.is_dir() {
        anyhow::bail!("--watch needs a local directory, not {}", root.display());
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reading the tree (the render itself) raises access events; only writes count.
        if let Some(event) = event.ok().filter(|e| writes(&e.kind)) {
            for path in event.paths {
                // The receiver only goes away when the command ends.
                let _ = tx.send(path);
            }
        }
    })?;
    watcher.watch(root, RecursiveMode::Recursive)?;
    loop {
        report(once().await);
        eprintln!("watching {} for changes (Ctrl-C to stop)", root.display());
        if !next_burst(&mut rx, root, QUIET).await {
            return Ok(0);
        }
        eprintln!("\nchange detected, running again");
    }
}

/// Prints a run's error the way `main` would, so one bad edit does not end the watch.
fn report(result: anyhow::Result<i32>) {
    if let Err(e) = result {
        eprintln!("error: {e:#}");
    }
}

/// Waits for a change that matters, then until no change has come for `quiet`. `false` when the
/// watcher is gone.
async fn next_burst(
    rx: &mut mpsc::UnboundedReceiver<PathBuf>,
    root: &Path,
    quiet: Duration,
) -> bool {
    loop {
        match rx.recv().await {
            Some(path) if relevant(root, &path) => break,
            Some(_) => continue,
            None => return false,
        }
    }
    loop {
        match tokio::time::timeout(quiet, rx.recv()).await {
            Ok(Some(_)) => continue,
            Ok(None) => return false,
            Err(_) => return true,
        }
    }
}

/// Whether an event changes content (not a read, not an access-time update).
fn writes(kind: &notify::EventKind) -> bool {
    use notify::event::{EventKind, ModifyKind};
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}

/// Changes inside `.git/` (an index refresh, a fetch) or editor swap files do not change what
/// renders.
fn relevant(root: &Path, path: &Path) -> bool {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let hidden = rel
        .components()
        .any(|c| c.as_os_str().to_str().is_some_and(|s| s.starts_with('.')));
    let swap = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with('~') || n.ends_with(".swp") || n.ends_with(".swx"));
    !hidden && !swap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_do_not_count_as_changes() {
        use notify::event::{
            AccessKind, CreateKind, DataChange, EventKind, MetadataKind, ModifyKind,
        };
        assert!(!writes(&EventKind::Access(AccessKind::Any)));
        assert!(!writes(&EventKind::Modify(ModifyKind::Metadata(
            MetadataKind::AccessTime
        ))));
        assert!(writes(&EventKind::Modify(ModifyKind::Data(
            DataChange::Content
        ))));
        assert!(writes(&EventKind::Create(CreateKind::File)));
    }

    #[test]
    fn git_internals_and_swap_files_are_ignored() {
        let root = Path::new("/repo");
        assert!(relevant(root, Path::new("/repo/apps/gw/app.yaml")));
        assert!(!relevant(root, Path::new("/repo/.git/index")));
        assert!(!relevant(root, Path::new("/repo/apps/gw/.app.yaml.swp")));
        assert!(!relevant(root, Path::new("/repo/apps/gw/app.yaml~")));
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_is_one_run() {
        let root = Path::new("/repo");
        let (tx, mut rx) = mpsc::unbounded_channel();
        let sender = tokio::spawn(async move {
            tx.send(PathBuf::from("/repo/.git/index")).unwrap();
            for _ in 0..5 {
                tx.send(PathBuf::from("/repo/apps/a.yaml")).unwrap();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
            tx.send(PathBuf::from("/repo/apps/b.yaml")).unwrap();
            tx
        });
        let start = tokio::time::Instant::now();
        assert!(next_burst(&mut rx, root, QUIET).await);
        // Five events 100 ms apart, then 300 ms of quiet.
        assert_eq!(start.elapsed(), Duration::from_millis(400 + 300));
        assert!(next_burst(&mut rx, root, QUIET).await);
        drop(sender.await.unwrap());
        assert!(!next_burst(&mut rx, root, QUIET).await);
    }
}
