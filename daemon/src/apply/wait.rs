//! Waiting for the server to catch up: CRDs Established before their kinds are used.

use std::time::Duration;

use crate::cluster::{Cluster, ResourceInfo};

fn crd_resource() -> ResourceInfo {
    ResourceInfo {
        group: "apiextensions.k8s.io".into(),
        api_version: "apiextensions.k8s.io/v1".into(),
        kind: "CustomResourceDefinition".into(),
        plural: "customresourcedefinitions".into(),
        namespaced: false,
    }
}

/// Polls a CRD until its `Established` condition is `True`.
pub async fn wait_crd_established(
    cluster: &Cluster,
    name: &str,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + timeout;
    let ri = crd_resource();
    loop {
        let crd = cluster
            .get(&ri, None, name)
            .await
            .map_err(|e| e.to_string())?;
        let established = crd
            .as_ref()
            .and_then(|c| c["status"]["conditions"].as_array())
            .is_some_and(|conds| {
                conds
                    .iter()
                    .any(|c| c["type"] == "Established" && c["status"] == "True")
            });
        if established {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!(
                "CRD {name} not Established after {}s",
                timeout.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
