//! Install or upgrade, told by syncd's own state: no inventory for the app means an install;
//! otherwise an upgrade, at the latest recorded revision number so that `.Release.Revision` stays
//! put across no-op syncs (a chart that stamps it would otherwise change on every sync).

use crate::cluster::Cluster;
use crate::plan::ReleaseKind;
use crate::render::Release;

use super::error::EngineError;
use super::state;

/// The pure choice: install at revision 1 without an inventory, else upgrade at the newest
/// recorded revision (1 when history was trimmed away entirely).
pub fn release_for(inventory_exists: bool, newest_revision: Option<u64>) -> Release {
    match ReleaseKind::from_inventory(inventory_exists) {
        ReleaseKind::Install => Release::default(),
        ReleaseKind::Upgrade | ReleaseKind::Rollback => Release {
            is_install: false,
            revision: newest_revision.unwrap_or(1).max(1),
        },
    }
}

/// Reads the inventory and history of one app and decides its [`Release`].
pub async fn read_release(
    cluster: &Cluster,
    state_ns: &str,
    env: &str,
    app: &str,
) -> Result<Release, EngineError> {
    let inventory = state::read_inventory(cluster, state_ns, env, app).await?;
    let newest = state::list_revisions(cluster, state_ns, env, app)
        .await?
        .last()
        .map(|(r, _)| r.number);
    Ok(release_for(!inventory.entries.is_empty(), newest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_without_inventory_upgrade_at_the_newest_revision() {
        assert_eq!(
            release_for(false, None),
            Release {
                is_install: true,
                revision: 1
            }
        );
        // History left over from an app that was removed and comes back: still an install.
        assert_eq!(
            release_for(false, Some(7)),
            Release {
                is_install: true,
                revision: 1
            }
        );
        assert_eq!(
            release_for(true, Some(3)),
            Release {
                is_install: false,
                revision: 3
            }
        );
        assert_eq!(
            release_for(true, None),
            Release {
                is_install: false,
                revision: 1
            }
        );
    }
}
