//! The scenario runner every e2e test binary shares: skips with one line without a cluster,
//! filters scenarios by the names given on the command line, runs each on a fresh task, prints
//! one line per scenario and a summary, and exits non-zero when one failed.

use std::future::Future;
use std::pin::Pin;

/// A scenario: an async test body that panics on failure.
pub type Scenario = fn() -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// `scenarios![a, b]` → the `(name, Scenario)` list [`run`] takes.
#[macro_export]
macro_rules! scenarios {
    ($($name:path),* $(,)?) => {
        vec![$((
            stringify!($name),
            (|| Box::pin($name())
                as std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>)
                as $crate::runner::Scenario,
        )),*]
    };
}

/// Whether the command line selects scenario `name`: it contains one of the arguments (options
/// such as `--nocapture` aside), or there is none.
pub fn selected(name: &str) -> bool {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()))
}

/// Runs the scenarios (those [`selected`] by the command line).
pub fn run(all: Vec<(&'static str, Scenario)>) {
    if crate::kubeconfig().is_none() {
        println!(
            "skipped: {} is not set (the e2e suite needs a cluster)",
            crate::KUBECONFIG_VAR
        );
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let (mut passed, mut failed) = (0, 0);
    for (name, scenario) in all {
        if !selected(name) {
            continue;
        }
        let started = std::time::Instant::now();
        match runtime.block_on(async { tokio::spawn(scenario()).await }) {
            Ok(()) => {
                passed += 1;
                println!(
                    "e2e {name} ... ok ({:.1}s)",
                    started.elapsed().as_secs_f64()
                );
            }
            Err(e) => {
                failed += 1;
                println!("e2e {name} ... FAILED: {e}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}
