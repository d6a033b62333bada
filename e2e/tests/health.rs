//! The health stage against a real API server: a CRD the API server establishes, Jobs the fake
//! kubelet completes or fails, a Deployment that never becomes available (the e2e cluster has no
//! kubelet), a claim no volume will ever bind, and an object that is not there. A plain binary
//! (`harness = false`) like `pipeline.rs`: without a cluster it prints one `skipped:` line.

use std::time::Duration;

use serde_json::{json, Value};
use syncd::cluster::{Cluster, ResourceInfo};
use syncd::health::{wait_healthy, Health, HealthReport, WaitOptions, Watched};
use syncd::object::ObjectId;
use syncd_e2e::FakeKubelet;

/// A namespace of this test's own (`hl-<name>-<pid>`) on the e2e cluster.
struct Ns {
    cluster: Cluster,
    kubeconfig: std::path::PathBuf,
    name: String,
}

impl Ns {
    async fn new(name: &str) -> Ns {
        let kubeconfig = syncd_e2e::kubeconfig().expect("SYNCD_E2E_KUBECONFIG is set");
        let cluster = syncd_e2e::connect(&kubeconfig).await;
        let name = format!("hl-{name}-{}", std::process::id());
        let ns = Ns {
            cluster,
            kubeconfig,
            name,
        };
        ns.apply(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns.name}}))
            .await;
        ns
    }

    /// Applies `obj` (in this namespace when namespaced) and returns what to watch for it.
    async fn apply(&self, mut obj: Value) -> Watched {
        let api_version = obj["apiVersion"].as_str().expect("apiVersion").to_string();
        let kind = obj["kind"].as_str().expect("kind").to_string();
        let info = self
            .cluster
            .resource(&api_version, &kind)
            .await
            .expect("discovery")
            .unwrap_or_else(|| panic!("the cluster serves {api_version} {kind}"));
        if info.namespaced {
            obj["metadata"]["namespace"] = json!(self.name);
        }
        self.cluster
            .apply(&info, &obj, false, true)
            .await
            .unwrap_or_else(|e| panic!("apply {kind}: {e}"));
        let ns = info.namespaced.then_some(self.name.as_str());
        let name = obj["metadata"]["name"].as_str().expect("name");
        Watched::new(ObjectId::new(&api_version, &kind, ns, name), info)
    }

    async fn wait(&self, targets: &[Watched], timeout_s: u64) -> HealthReport {
        let opts = WaitOptions {
            timeout: Duration::from_secs(timeout_s),
            poll: Duration::from_millis(250),
            ..WaitOptions::default()
        };
        let report = wait_healthy(&self.cluster, targets, opts).await;
        println!("    {}", report.summary());
        report
    }

    /// Deletes the namespace (lifting the finalizers of the pods of completed Jobs).
    async fn cleanup(self) {
        syncd_e2e::delete_namespace(self.cluster.client(), &self.name).await;
    }
}

fn job(name: &str) -> Value {
    json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
        "spec": {"backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "main", "image": "busybox:1.36", "command": ["true"]}]}}}})
}

async fn crd_becomes_established_and_its_resources_are_healthy() {
    let ns = Ns::new("crd").await;
    let group = format!("{}.syncd.test", ns.name);
    let crd = ns
        .apply(json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": format!("widgets.{group}")},
            "spec": {"group": group, "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget",
                    "listKind": "WidgetList"},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {"type": "object",
                        "x-kubernetes-preserve-unknown-fields": true}}}]}}))
        .await;
    let report = ns.wait(std::slice::from_ref(&crd), 30).await;
    assert_eq!(report.health, Health::Healthy, "{report}");
    assert!(!report.timed_out);

    // A custom resource nobody reconciles has no status: healthy once it exists.
    let api_version = format!("{group}/v1");
    ns.cluster.forget_discovery(&api_version).await;
    let widget = ns
        .apply(json!({"apiVersion": api_version, "kind": "Widget",
            "metadata": {"name": "w"}, "spec": {"size": 3}}))
        .await;
    let report = ns.wait(&[widget], 10).await;
    assert!(report.is_healthy(), "{report}");

    let _ = ns
        .cluster
        .delete(&crd.info, None, &crd.id.name, None, false)
        .await;
    ns.cleanup().await;
}

async fn completed_job_is_healthy_failed_job_is_degraded() {
    let ns = Ns::new("jobs").await;
    let _kubelet = FakeKubelet::start(&ns.kubeconfig, &ns.name, &["bad"]).await;
    let good = ns.apply(job("good")).await;
    let report = ns.wait(std::slice::from_ref(&good), 30).await;
    assert_eq!(report.health, Health::Healthy, "{report}");
    assert!(!report.timed_out);

    let bad = ns.apply(job("bad")).await;
    let report = ns.wait(&[good, bad], 30).await;
    assert_eq!(report.health, Health::Degraded, "{report}");
    assert!(!report.timed_out, "fail fast: {report}");
    assert!(report.elapsed < Duration::from_secs(30));
    let (id, verdict) = &report.objects[1];
    assert_eq!(id.name, "bad");
    assert_eq!(verdict.health, Health::Degraded);
    assert!(
        verdict.message.contains("BackoffLimitExceeded"),
        "the condition's reason is the message: {verdict}"
    );
    assert!(
        report
            .summary()
            .contains(&format!("batch/Job {}/bad: Degraded: job failed", ns.name)),
        "{report}"
    );
    ns.cleanup().await;
}

async fn deployment_without_kubelet_times_out_progressing() {
    let ns = Ns::new("deploy").await;
    let cm = ns
        .apply(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "web-config"}, "data": {"k": "v"}}))
        .await;
    let web = ns
        .apply(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}))
        .await;
    let report = ns.wait(&[cm, web], 4).await;
    assert!(report.timed_out, "{report}");
    assert_eq!(report.health, Health::Progressing);
    assert!(report.elapsed >= Duration::from_secs(4));
    assert_eq!(report.unhealthy().count(), 1, "the ConfigMap is healthy");
    let summary = report.summary();
    assert!(
        summary.contains(&format!(
            "apps/Deployment {}/web: Progressing: waiting for rollout: 0 of 1 updated replicas are available",
            ns.name
        )),
        "the controller created the ReplicaSet, no pod becomes available: {summary}"
    );
    ns.cleanup().await;
}

async fn unbound_claim_stays_progressing() {
    let ns = Ns::new("pvc").await;
    let claim = ns
        .apply(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}}}}))
        .await;
    let report = ns.wait(&[claim], 2).await;
    assert!(report.timed_out, "{report}");
    assert_eq!(report.health, Health::Progressing);
    assert!(
        report.objects[0].1.message.starts_with("Pending"),
        "{report}"
    );
    ns.cleanup().await;
}

async fn object_not_in_the_cluster_is_missing() {
    let ns = Ns::new("missing").await;
    let ghost = Watched::new(
        ObjectId::new("v1", "ConfigMap", Some(&ns.name), "never-applied"),
        ResourceInfo::core("ConfigMap", "configmaps", true),
    );
    let report = ns.wait(&[ghost], 1).await;
    assert!(report.timed_out);
    assert_eq!(report.health, Health::Missing, "{report}");
    ns.cleanup().await;
}

fn main() {
    syncd_e2e::runner::run(syncd_e2e::scenarios![
        crd_becomes_established_and_its_resources_are_healthy,
        completed_job_is_healthy_failed_job_is_degraded,
        deployment_without_kubelet_times_out_progressing,
        unbound_claim_stays_progressing,
        object_not_in_the_cluster_is_missing,
    ]);
}
