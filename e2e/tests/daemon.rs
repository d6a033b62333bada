//! The daemon end to end: the real `syncd run` binary as child processes against a real API
//! server — webhook-to-live latency, self-heal and report-only drift, a failing rollout rolled
//! back and pinned, leader failover under kill -9, and crash consistency under repeated SIGKILL.
//! Each scenario has its own git repo, namespaces (`dm-` prefix) and daemon config, and prints
//! one line of results. A plain binary (`harness = false`): without `SYNCD_E2E_KUBECONFIG` it
//! prints one `skipped:` line; with it, a `N passed, M failed` summary (exit 1 on a failure).
//!
//! The binary under test is `$SYNCD_BIN`, else `target/debug/syncd` beside this test binary
//! (see [`harness::syncd_bin`]): `cargo build -p syncd --bin syncd` before
//! `cargo test -p syncd-e2e --test daemon`. The API server restart scenario is not here: the
//! e2e cluster is shared and has no way to restart its API server without disturbing others.

#[path = "daemon/crash.rs"]
mod crash;
#[path = "daemon/harness.rs"]
mod harness;
#[path = "daemon/heal.rs"]
mod heal;
#[path = "daemon/latency.rs"]
mod latency;
#[path = "daemon/leader.rs"]
mod leader;
#[path = "daemon/rollback.rs"]
mod rollback;

fn main() {
    // RFC 4231 test case 2 (as `openssl dgst -sha256 -hmac Jefe` prints it): the webhook
    // signatures below are only as good as this.
    assert_eq!(
        harness::hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    if syncd_e2e::kubeconfig().is_none() {
        println!(
            "skipped: {} not set (the daemon e2e suite needs a cluster)",
            syncd_e2e::KUBECONFIG_VAR
        );
        return;
    }
    println!(
        "daemon e2e: syncd binary {}",
        harness::syncd_bin().display()
    );
    syncd_e2e::runner::run(syncd_e2e::scenarios![
        latency::push_latency,
        heal::self_heal_and_report_only,
        rollback::failing_rollout_is_rolled_back_and_pinned,
        leader::leader_killed_mid_sync_is_replaced,
        crash::sigkill_at_random_points_leaves_git_state,
    ]);
}
