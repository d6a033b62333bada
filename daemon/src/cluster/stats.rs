//! Per-kind request counters (for `-v` summaries and benchmarks).

use std::sync::atomic::{AtomicU64, Ordering};

/// Kinds of API requests syncd makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// Discovery of a group/version.
    Discovery,
    /// LIST of a collection.
    List,
    /// GET of one object.
    Get,
    /// Server-side apply with dryRun=All.
    DryRun,
    /// Server-side apply that writes.
    Apply,
    /// DELETE.
    Delete,
}

const KINDS: [RequestKind; 6] = [
    RequestKind::Discovery,
    RequestKind::List,
    RequestKind::Get,
    RequestKind::DryRun,
    RequestKind::Apply,
    RequestKind::Delete,
];

/// Thread-safe request counters.
#[derive(Debug, Default)]
pub struct Stats {
    counts: [AtomicU64; 6],
}

impl Stats {
    /// Counts one request.
    pub fn count(&self, kind: RequestKind) {
        self.counts[kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Current count of one kind.
    pub fn get(&self, kind: RequestKind) -> u64 {
        self.counts[kind as usize].load(Ordering::Relaxed)
    }

    /// Writes (apply + delete) so far.
    pub fn writes(&self) -> u64 {
        self.get(RequestKind::Apply) + self.get(RequestKind::Delete)
    }

    /// `discovery=1 list=3 get=0 dry-run=2 apply=2 delete=0`.
    pub fn summary(&self) -> String {
        KINDS
            .iter()
            .map(|k| {
                let name = match k {
                    RequestKind::Discovery => "discovery",
                    RequestKind::List => "list",
                    RequestKind::Get => "get",
                    RequestKind::DryRun => "dry-run",
                    RequestKind::Apply => "apply",
                    RequestKind::Delete => "delete",
                };
                format!("{name}={}", self.get(*k))
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_kind() {
        let s = Stats::default();
        s.count(RequestKind::Apply);
        s.count(RequestKind::Apply);
        s.count(RequestKind::Delete);
        assert_eq!(s.writes(), 3);
        assert_eq!(
            s.summary(),
            "discovery=0 list=0 get=0 dry-run=0 apply=2 delete=1"
        );
    }
}
