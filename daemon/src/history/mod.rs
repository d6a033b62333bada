//! Rollback history: one revision per sync that changed something, stored in the cluster as
//! Secrets (manifests may hold secrets) with the rendered manifests compressed and checksummed.

mod record;
mod time;

pub use record::{
    decode, decode_meta, encode, history_selector, revisions_to_trim, secret_name, Counts,
    HistoryError, Outcome, PolicySnapshot, Revision, SourceRecord,
};
pub use time::now_rfc3339;
