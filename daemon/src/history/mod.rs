//! Rollback history: one revision per sync that changed something, stored in the cluster as
//! Secrets (manifests may hold secrets) with the rendered manifests compressed and checksummed.

mod marks;
mod record;
mod time;

pub use marks::{
    decode_pin, health_patch, last_healthy, marked_healthy, pin_configmap, pin_name, pin_selector,
    Pin, LABEL_HEALTH,
};
pub use record::{
    decode, decode_meta, encode, history_selector, revisions_to_trim, secret_name, Counts,
    HistoryError, Outcome, PolicySnapshot, Revision, SourceRecord,
};
pub use time::now_rfc3339;
