//! Syncing with too few permissions against a real API server: a ServiceAccount whose Role
//! allows ConfigMaps (and only reading Secrets) in one namespace, logged in with a token from
//! the TokenRequest API. A sync that would write a Secret is refused naming `secrets` and the
//! namespace, and nothing is written — neither when the app's own Secret is refused at the
//! dry-run nor when only syncd's history Secret is (the engine's access check); once the Role
//! allows Secrets, the same sync goes through.
//! A plain binary (`harness = false`): without a cluster it prints one `skipped:` line.

use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, ServiceAccount};
use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};
use kube::api::{Api, DeleteParams, ObjectMeta, Patch, PatchParams, PostParams};
use serde_json::json;
use syncd_e2e::{configmap, connect, kube_client, Lab};

const SA: &str = "syncd";

fn admin_kubeconfig() -> PathBuf {
    syncd_e2e::kubeconfig().expect("kubeconfig variable")
}

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        ..ObjectMeta::default()
    }
}

fn rule(resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: Some(vec![String::new()]),
        resources: Some(resources.iter().map(|s| s.to_string()).collect()),
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
        ..PolicyRule::default()
    }
}

const ALL: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];
const READ: &[&str] = &["get", "list", "watch"];

/// A namespace with a ServiceAccount allowed everything on ConfigMaps and reading Secrets there
/// (plus reading Namespaces, cluster-wide), and a kubeconfig logging in as it.
struct Restricted {
    admin: kube::Client,
    ns: String,
    dir: tempfile::TempDir,
}

impl Restricted {
    async fn new(name: &str) -> Restricted {
        let admin = kube_client(&admin_kubeconfig()).await;
        let ns = format!("ac-{name}-{}", std::process::id());
        Api::<Namespace>::all(admin.clone())
            .create(
                &PostParams::default(),
                &Namespace {
                    metadata: meta(&ns),
                    ..Namespace::default()
                },
            )
            .await
            .expect("create namespace");
        let pp = PostParams::default();
        Api::<ServiceAccount>::namespaced(admin.clone(), &ns)
            .create(
                &pp,
                &ServiceAccount {
                    metadata: meta(SA),
                    ..ServiceAccount::default()
                },
            )
            .await
            .expect("create service account");
        let subject = Subject {
            kind: "ServiceAccount".into(),
            name: SA.into(),
            namespace: Some(ns.clone()),
            ..Subject::default()
        };
        Api::<Role>::namespaced(admin.clone(), &ns)
            .create(
                &pp,
                &Role {
                    metadata: meta("syncd"),
                    rules: Some(vec![rule(&["configmaps"], ALL), rule(&["secrets"], READ)]),
                },
            )
            .await
            .expect("create role");
        Api::<RoleBinding>::namespaced(admin.clone(), &ns)
            .create(
                &pp,
                &RoleBinding {
                    metadata: meta("syncd"),
                    role_ref: RoleRef {
                        api_group: "rbac.authorization.k8s.io".into(),
                        kind: "Role".into(),
                        name: "syncd".into(),
                    },
                    subjects: Some(vec![subject.clone()]),
                },
            )
            .await
            .expect("create role binding");
        Api::<ClusterRole>::all(admin.clone())
            .create(
                &pp,
                &ClusterRole {
                    metadata: meta(&ns),
                    rules: Some(vec![rule(&["namespaces"], &["get"])]),
                    ..ClusterRole::default()
                },
            )
            .await
            .expect("create cluster role");
        Api::<ClusterRoleBinding>::all(admin.clone())
            .create(
                &pp,
                &ClusterRoleBinding {
                    metadata: meta(&ns),
                    role_ref: RoleRef {
                        api_group: "rbac.authorization.k8s.io".into(),
                        kind: "ClusterRole".into(),
                        name: ns.clone(),
                    },
                    subjects: Some(vec![subject]),
                },
            )
            .await
            .expect("create cluster role binding");

        // A short-lived token for the ServiceAccount, as a pod would get one.
        let token: TokenRequest = Api::<ServiceAccount>::namespaced(admin.clone(), &ns)
            .create_subresource(
                "token",
                SA,
                &pp,
                &TokenRequest {
                    spec: TokenRequestSpec {
                        expiration_seconds: Some(600),
                        ..TokenRequestSpec::default()
                    },
                    ..TokenRequest::default()
                },
            )
            .await
            .expect("token request");
        let token = token.status.expect("token status").token;
        let kc = kube::config::Kubeconfig::read_from(admin_kubeconfig()).expect("kubeconfig");
        let cluster = kc.clusters[0].cluster.as_ref().expect("cluster entry");
        let config = json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "lab", "cluster": {
                "server": cluster.server,
                "certificate-authority": cluster.certificate_authority,
                "certificate-authority-data": cluster.certificate_authority_data,
            }}],
            "users": [{"name": SA, "user": {"token": token}}],
            "contexts": [{"name": SA, "context": {"cluster": "lab", "user": SA, "namespace": ns}}],
            "current-context": SA,
        });
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("kubeconfig"), config.to_string()).expect("kubeconfig");
        let restricted = Restricted { admin, ns, dir };
        restricted.wait_allowed("create", "configmaps").await;
        restricted
    }

    fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// A lab whose syncs run as the ServiceAccount, deploying and keeping state in the namespace.
    async fn lab(&self, name: &str) -> Lab {
        let cluster = connect(&self.kubeconfig()).await;
        let lab = Lab::in_namespace(self.kubeconfig(), cluster, self.ns.clone());
        lab.write(
            &format!("apps/app/manifests/{name}.yaml"),
            &configmap(name, "v1"),
        );
        lab
    }

    /// Polls (as the ServiceAccount) until the RBAC authorizer has caught up with our writes.
    async fn wait_allowed(&self, verb: &str, resource: &str) {
        use k8s_openapi::api::authorization::v1::{
            ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
        };
        let client = kube_client(&self.kubeconfig()).await;
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(verb.into()),
                    resource: Some(resource.into()),
                    namespace: Some(self.ns.clone()),
                    ..ResourceAttributes::default()
                }),
                ..SelfSubjectAccessReviewSpec::default()
            },
            ..SelfSubjectAccessReview::default()
        };
        let api = Api::<SelfSubjectAccessReview>::all(client);
        for _ in 0..100 {
            let answer = api
                .create(&PostParams::default(), &review)
                .await
                .expect("self subject access review");
            if answer.status.is_some_and(|s| s.allowed) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{verb} {resource} never became allowed");
    }

    async fn allow_secrets(&self) {
        Api::<Role>::namespaced(self.admin.clone(), &self.ns)
            .patch(
                "syncd",
                &PatchParams::default(),
                &Patch::Merge(
                    json!({"rules": [rule(&["configmaps"], ALL), rule(&["secrets"], ALL)]}),
                ),
            )
            .await
            .expect("patch role");
        self.wait_allowed("create", "secrets").await;
    }

    async fn configmap_exists(&self, name: &str) -> bool {
        Api::<ConfigMap>::namespaced(self.admin.clone(), &self.ns)
            .get_opt(name)
            .await
            .expect("get configmap")
            .is_some()
    }

    async fn cleanup(self) {
        let dp = DeleteParams::default();
        let _ = Api::<ClusterRoleBinding>::all(self.admin.clone())
            .delete(&self.ns, &dp)
            .await;
        let _ = Api::<ClusterRole>::all(self.admin.clone())
            .delete(&self.ns, &dp)
            .await;
        syncd_e2e::delete_namespace(&self.admin, &self.ns).await;
    }
}

async fn app_secret_not_allowed_is_refused_and_nothing_written() {
    let r = Restricted::new("app").await;
    let lab = r.lab("settings").await;
    lab.write(
        "apps/app/manifests/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: hunter2\n",
    );
    let err = lab.sync().await.expect_err("the sync is refused");
    println!(
        "    refused: {}",
        err.lines().collect::<Vec<_>>().join(" | ")
    );
    assert!(err.contains("secrets"), "{err}");
    assert!(err.contains(&r.ns), "{err}");
    assert!(!err.contains("hunter2"), "never the secret's value: {err}");
    assert!(
        !r.configmap_exists("settings").await,
        "the ConfigMap was written"
    );
    let inventory = syncd::inventory::Inventory::object_name("test", "app");
    assert!(
        !r.configmap_exists(&inventory).await,
        "no inventory written"
    );
    r.cleanup().await;
}

async fn history_secret_not_allowed_is_refused_by_the_access_check_and_nothing_written() {
    let r = Restricted::new("state").await;
    let lab = r.lab("settings").await;
    // The plan succeeds (its dry-run writes only a ConfigMap); the access check stops the sync
    // because recording the revision needs to write a Secret.
    lab.plan(Default::default()).await.expect("plan");
    let err = lab.sync().await.expect_err("the sync is refused");
    println!(
        "    refused: {}",
        err.lines().collect::<Vec<_>>().join(" | ")
    );
    assert!(
        err.contains("permission(s) the sync needs are missing"),
        "{err}"
    );
    assert!(
        err.contains(&format!("create secrets in namespace {}", r.ns)),
        "{err}"
    );
    assert!(
        err.contains(&format!("patch secrets in namespace {}", r.ns)),
        "{err}"
    );
    assert!(!err.contains("configmaps"), "ConfigMaps are allowed: {err}");
    assert!(
        !r.configmap_exists("settings").await,
        "the ConfigMap was written"
    );
    let inventory = syncd::inventory::Inventory::object_name("test", "app");
    assert!(
        !r.configmap_exists(&inventory).await,
        "no inventory written"
    );

    // With Secrets allowed the same sync goes through: no permission was asked for in vain.
    r.allow_secrets().await;
    let report = lab.sync().await.expect("sync with secrets allowed");
    assert_eq!(report.counts.created, 1, "{report:?}");
    assert!(r.configmap_exists("settings").await);
    r.cleanup().await;
}

fn main() {
    syncd_e2e::runner::run(syncd_e2e::scenarios![
        app_secret_not_allowed_is_refused_and_nothing_written,
        history_secret_not_allowed_is_refused_by_the_access_check_and_nothing_written,
    ]);
}
