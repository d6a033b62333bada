//! Render benchmark against real Helm: renders every corpus case `N` times with syncd (chart
//! loaded once) and with Helm's SDK through `helm_python` (also loaded once, render only), prints
//! per-case milliseconds, the ratio and the median ratio, and RSS before/after 1,000 renders of
//! one chart. `cargo bench -p syncd-helm --bench render` (env `BENCH_N`, default 5).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value as Json;
use syncd_helm::chart::{render, Chart, RenderOptions};

use syncd_helm::template::NoCluster as Offline;

// The allocator the `syncd` binary uses, so the numbers are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `<repo>/../shared/helm-corpus`; `SYNCD_HELM_CORPUS` overrides it (e.g. in a git worktree).
fn corpus_dir() -> PathBuf {
    match std::env::var_os("SYNCD_HELM_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/helm-corpus"),
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

struct Case {
    name: String,
    chart_dir: PathBuf,
    values: Json,
}

/// Times Helm for every case in one Python process: `{case: median ms}`.
fn helm_times(cases: &[Case], n: usize) -> BTreeMap<String, f64> {
    let spec: Vec<Json> = cases
        .iter()
        .map(|c| serde_json::json!({"name": c.name, "chart": c.chart_dir, "values": c.values}))
        .collect();
    let script = r#"
import json, sys, time
import helm_python
spec = json.load(sys.stdin); n = int(sys.argv[1]); out = {}
for c in spec:
    try:
        ch = helm_python.Chart.load(c["chart"])
        ts = []
        for _ in range(n):
            t = time.perf_counter()
            try:
                ch.render(c["values"], name="rel", namespace="ns")
            except Exception:
                pass
            ts.append((time.perf_counter() - t) * 1000)
        ts.sort(); out[c["name"]] = ts[len(ts) // 2]
    except Exception as e:
        sys.stderr.write(f"{c['name']}: {e}\n")
print(json.dumps(out))
"#;
    let child = Command::new("python3")
        .args(["-c", script, &n.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("python3 not available: Helm timings skipped");
        return BTreeMap::new();
    };
    {
        use std::io::Write;
        let stdin = child.stdin.as_mut().expect("stdin");
        let _ = stdin.write_all(serde_json::to_string(&spec).unwrap().as_bytes());
    }
    let out = child.wait_with_output().expect("python3 output");
    serde_json::from_slice(&out.stdout).unwrap_or_default()
}

/// Stage breakdown for one case (`BENCH_CASE=name`): values, data building, execution.
fn profile(cases: &[Case], name: &str, n: usize, opts: &RenderOptions) {
    use syncd_helm::chart::render::{all_templates, prepare, sort_templates};
    let c = cases.iter().find(|c| c.name == name).expect("case");
    let chart = Chart::load(&c.chart_dir).expect("chart");
    let (mut t_prep, mut t_data, mut t_exec) = (0.0, 0.0, 0.0);
    for _ in 0..n {
        let t = Instant::now();
        let p = prepare(&chart, &c.values).expect("prepare");
        t_prep += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let (mut tpls, datas) = all_templates(&p, opts);
        sort_templates(&mut tpls);
        let set = chart.parsed_set(&tpls).expect("parse");
        t_data += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let _ = syncd_helm::chart::exec::execute_set(&set, &tpls, &datas, opts, &Offline);
        t_exec += t.elapsed().as_secs_f64();
    }
    let k = 1000.0 / n as f64;
    {
        use syncd_helm::chart::{coalesce, deps, schema};
        let user = c.values.as_object().cloned().unwrap_or_default();
        let (mut a, mut b, mut d, mut e) = (0.0, 0.0, 0.0, 0.0);
        for _ in 0..n {
            let mut w = coalesce::Warnings::default();
            let t = Instant::now();
            let mut tree = deps::Proc::new(chart.root());
            a += t.elapsed().as_secs_f64();
            let t = Instant::now();
            deps::process_dependencies(&mut tree, &user, &mut w).unwrap();
            b += t.elapsed().as_secs_f64();
            let t = Instant::now();
            let v = coalesce::coalesce_values(&tree, &user, false, &mut w).unwrap();
            d += t.elapsed().as_secs_f64();
            let t = Instant::now();
            let _ = schema::validate(&tree, &Json::Object(v));
            e += t.elapsed().as_secs_f64();
        }
        println!(
            "  tree {:.2} deps {:.2} coalesce {:.2} schema {:.2}",
            a * k,
            b * k,
            d * k,
            e * k
        );
    }
    println!(
        "{name}: prepare {:.2} ms, data+parse {:.2} ms, execute {:.2} ms",
        t_prep * k,
        t_data * k,
        t_exec * k
    );
}

fn main() {
    let corpus = corpus_dir();
    if !corpus.join("cases").is_dir() {
        println!("skipped: corpus not found");
        return;
    }
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus.join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let mut cases = Vec::new();
    for d in dirs {
        let meta: Json =
            serde_json::from_str(&std::fs::read_to_string(d.join("case.json")).unwrap()).unwrap();
        let text = std::fs::read_to_string(d.join("values.yaml")).unwrap();
        let Ok(values) = syncd_helm::chart::parse_values_file(&text) else {
            continue;
        };
        cases.push(Case {
            name: d.file_name().unwrap().to_string_lossy().into_owned(),
            chart_dir: corpus.join("charts").join(meta["chart"].as_str().unwrap()),
            values,
        });
    }
    let opts = RenderOptions {
        release_name: "rel".into(),
        namespace: "ns".into(),
        ..RenderOptions::default()
    };
    if let Ok(only) = std::env::var("BENCH_CASE") {
        profile(&cases, &only, n, &opts);
        return;
    }
    let mut ours = BTreeMap::new();
    let mut loaded = BTreeMap::new();
    for c in &cases {
        let Ok(chart) = Chart::load(&c.chart_dir) else {
            continue;
        };
        let mut ts = Vec::new();
        for _ in 0..n {
            let t = Instant::now();
            let _ = render(&chart, &c.values, &opts, &Offline);
            ts.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ours.insert(c.name.clone(), median(&mut ts));
        loaded.insert(c.name.clone(), chart);
    }
    let helm = helm_times(&cases, n);
    println!(
        "{:<40} {:>10} {:>10} {:>8}",
        "case", "syncd ms", "helm ms", "ratio"
    );
    let mut ratios = Vec::new();
    for (name, ms) in &ours {
        let h = helm.get(name).copied();
        let ratio = h.map(|h| h / ms);
        if let Some(r) = ratio {
            ratios.push(r);
        }
        println!(
            "{name:<40} {ms:>10.2} {:>10} {:>8}",
            h.map(|h| format!("{h:.2}")).unwrap_or_else(|| "-".into()),
            ratio
                .map(|r| format!("{r:.1}x"))
                .unwrap_or_else(|| "-".into())
        );
    }
    println!("median speed-up (helm/syncd): {:.1}x", median(&mut ratios));
    if let Some((name, chart)) = loaded.iter().next() {
        let values = &cases.iter().find(|c| &c.name == name).unwrap().values;
        let before = rss_kib();
        for _ in 0..1000 {
            let _ = render(chart, values, &opts, &Offline);
        }
        let after = rss_kib();
        println!("RSS over 1000 renders of {name}: {before} KiB -> {after} KiB");
    }
}
