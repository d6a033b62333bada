//! `Dedupe`: the delivery ids seen recently, so a provider's retry or a replayed request does not
//! trigger twice. Bounded: the oldest id is forgotten when a new one arrives at capacity.

use std::collections::{HashSet, VecDeque};

/// How many delivery ids are remembered. Providers retry within minutes; this covers far more
/// deliveries than a daemon sees in that time.
pub(super) const CAPACITY: usize = 4096;

/// A bounded set of recent delivery ids, oldest first out.
#[derive(Debug)]
pub(super) struct Dedupe {
    capacity: usize,
    order: VecDeque<String>,
    seen: HashSet<String>,
}

impl Dedupe {
    pub(super) fn new(capacity: usize) -> Dedupe {
        Dedupe {
            capacity: capacity.max(1),
            order: VecDeque::new(),
            seen: HashSet::new(),
        }
    }

    /// Records `key`; false when it was already recorded (a duplicate).
    pub(super) fn first_time(&mut self, key: &str) -> bool {
        if self.seen.contains(key) {
            return false;
        }
        if self.order.len() == self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.seen.remove(&oldest);
            }
        }
        self.order.push_back(key.to_owned());
        self.seen.insert(key.to_owned());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::Dedupe;

    #[test]
    fn remembers_recent_ids_and_forgets_the_oldest() {
        let mut d = Dedupe::new(2);
        assert!(d.first_time("a"));
        assert!(!d.first_time("a"));
        assert!(d.first_time("b"));
        assert!(d.first_time("c")); // evicts a
        assert!(!d.first_time("b"));
        assert!(!d.first_time("c"));
        assert!(d.first_time("a"));
        assert_eq!(d.order.len(), 2);
        assert_eq!(d.seen.len(), 2);
    }
}
