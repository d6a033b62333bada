//! Planning: pairs desired manifests with live objects and the previous inventory, decides
//! locally what may have changed, and decides what may be pruned. Pure: no IO.

pub mod hooks;
pub mod order;
mod pair;
mod prune;

pub use hooks::{plan_hooks, Hook, HookEvent, HookPlan, ReleaseKind};
pub use pair::{pair, LiveSet, Pair, Step};
pub use prune::{select_prune, PruneDecision, PruneInput, PruneTarget, Refusal, SkipReason};
