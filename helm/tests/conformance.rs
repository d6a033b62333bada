//! Corpus conformance: renders every case of the Helm render corpus (`../shared/helm-corpus`,
//! outside the repo) with syncd's engine and compares with Helm v4.2.3's output using the
//! corpus README's rules (the same as its `reference/compare.py`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use syncd_helm::chart::{render, Chart, RenderOptions};

/// Cases that must keep passing: the number passing at the last commit.
const FLOOR: usize = 78;

/// `<repo>/../shared/helm-corpus`; `SYNCD_HELM_CORPUS` overrides it (e.g. in a git worktree).
fn corpus_dir() -> PathBuf {
    match std::env::var_os("SYNCD_HELM_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/helm-corpus"),
    }
}

/// A template's text as the comparator sees it.
enum Parsed {
    Yaml(Vec<Json>),
    Text(Vec<String>),
}

fn parse_template(text: &str) -> Parsed {
    let lines = || Parsed::Text(text.split('\n').map(str::to_string).collect());
    match syncd_helm::yaml::parse_documents(text) {
        Ok(docs) => {
            let docs: Vec<Json> = docs.into_iter().filter(|d| !d.is_null()).collect();
            if docs.iter().all(Json::is_object) {
                Parsed::Yaml(docs)
            } else {
                lines()
            }
        }
        Err(_) => lines(),
    }
}

fn ptr_escape(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// JSON-pointer paths where `a` and `b` differ (mapping keys as sets, lists in order, scalars
/// by type and value).
fn diff(a: &Json, b: &Json, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => {
            for (k, v) in x {
                let p = format!("{path}/{}", ptr_escape(k));
                match y.get(k) {
                    Some(w) => diff(v, w, &p, out),
                    None => out.push(p),
                }
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{path}/{}", ptr_escape(k)));
            }
        }
        (Json::Array(x), Json::Array(y)) => {
            if x.len() != y.len() {
                out.push(path.to_string());
                return;
            }
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                diff(v, w, &format!("{path}/{i}"), out);
            }
        }
        (Json::Number(x), Json::Number(y)) => {
            let same_type = (x.is_f64() == y.is_f64()) && (x.is_i64() == y.is_i64());
            if !same_type || x.as_f64() != y.as_f64() {
                out.push(path.to_string());
            }
        }
        _ => {
            if a != b {
                out.push(path.to_string());
            }
        }
    }
}

type DocKey = (String, usize);

fn keyed(docs: &[Json]) -> BTreeMap<DocKey, (usize, &Json)> {
    let mut out = BTreeMap::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        let md = d.get("metadata").filter(|m| m.is_object());
        let field = |v: Option<&Json>| v.cloned().unwrap_or(Json::Null).to_string();
        let k = format!(
            "({}, {}, {}, {})",
            field(d.get("apiVersion")),
            field(d.get("kind")),
            field(md.and_then(|m| m.get("namespace"))),
            field(md.and_then(|m| m.get("name")))
        );
        let n = seen.entry(k.clone()).or_insert(0);
        out.insert((k, *n), (i, d));
        *n += 1;
    }
    out
}

/// The README's comparison; returns the differences (empty = match).
fn compare(
    expected: &BTreeMap<String, String>,
    actual: &BTreeMap<String, String>,
    nd: &BTreeSet<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for t in expected.keys().filter(|t| !actual.contains_key(*t)) {
        problems.push(format!("missing template {t}"));
    }
    for t in actual.keys().filter(|t| !expected.contains_key(*t)) {
        problems.push(format!("unexpected template {t}"));
    }
    for (t, exp) in expected {
        let Some(act) = actual.get(t) else { continue };
        if exp == act || nd.contains(t) {
            continue;
        }
        match (parse_template(exp), parse_template(act)) {
            (Parsed::Text(e), Parsed::Text(a)) => {
                if e.len() != a.len() {
                    problems.push(format!(
                        "{t}: {} lines expected, {} got (first differing line: {})",
                        e.len(),
                        a.len(),
                        e.iter()
                            .zip(&a)
                            .position(|(x, y)| x != y)
                            .map(|i| format!("#L{}: {:?} != {:?}", i + 1, e[i], a[i]))
                            .unwrap_or_default()
                    ));
                    continue;
                }
                for (i, (x, y)) in e.iter().zip(&a).enumerate() {
                    if x != y && !nd.contains(&format!("{t}#L{}", i + 1)) {
                        problems.push(format!("{t}#L{}: {x:?} != {y:?}", i + 1));
                    }
                }
            }
            (Parsed::Yaml(e), Parsed::Yaml(a)) => {
                let (ek, ak) = (keyed(&e), keyed(&a));
                for k in ek.keys().filter(|k| !ak.contains_key(*k)) {
                    problems.push(format!("{t}: missing document {k:?}"));
                }
                for k in ak.keys().filter(|k| !ek.contains_key(*k)) {
                    problems.push(format!("{t}: unexpected document {k:?}"));
                }
                for (k, (i, x)) in &ek {
                    let Some((_, y)) = ak.get(k) else { continue };
                    let mut paths = Vec::new();
                    diff(x, y, "", &mut paths);
                    for p in paths {
                        let full = format!("{t}#/{i}{p}");
                        let skip = nd
                            .iter()
                            .any(|n| full == *n || full.starts_with(&format!("{n}/")));
                        if !skip {
                            let ev = pointer(x, &p);
                            let av = pointer(y, &p);
                            problems.push(format!("{full} (doc {k:?}): expected {ev}, got {av}"));
                        }
                    }
                }
            }
            (Parsed::Yaml(_), Parsed::Text(_)) => {
                problems.push(format!("{t}: expected yaml output, got text"))
            }
            (Parsed::Text(_), Parsed::Yaml(_)) => {
                problems.push(format!("{t}: expected text output, got yaml"))
            }
        }
    }
    problems
}

fn pointer(v: &Json, p: &str) -> String {
    let s = v
        .pointer(p)
        .map(|x| x.to_string())
        .unwrap_or_else(|| "<absent>".into());
    s.chars().take(160).collect()
}

/// Offline host: no cluster behind `lookup`.
use syncd_helm::template::NoCluster as Offline;

struct Outcome {
    name: String,
    problems: Vec<String>,
    /// For error cases: whether our message equals Helm's.
    error_identical: Option<bool>,
    /// Templates whose text is byte-identical to Helm's, and templates expected.
    exact: (usize, usize),
}

fn run_case(corpus: &Path, case: &Path) -> Outcome {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let meta: Json =
        serde_json::from_str(&std::fs::read_to_string(case.join("case.json")).unwrap()).unwrap();
    let chart_dir = corpus.join("charts").join(meta["chart"].as_str().unwrap());
    let result = Chart::load(&chart_dir)
        .map_err(|e| e.to_string())
        .and_then(|chart| {
            let text = std::fs::read_to_string(case.join("values.yaml")).unwrap();
            let vals = syncd_helm::chart::parse_values_file(&text).map_err(|e| e.to_string())?;
            let opts = RenderOptions {
                release_name: meta["release"].as_str().unwrap_or("rel").into(),
                namespace: meta["namespace"].as_str().unwrap_or("ns").into(),
                ..RenderOptions::default()
            };
            render(&chart, &vals, &opts, &Offline).map_err(|e| e.to_string())
        });
    let mut out = Outcome {
        name,
        problems: Vec::new(),
        error_identical: None,
        exact: (0, 0),
    };
    match (meta["error"].as_str(), result) {
        (Some(_), Ok(_)) => out
            .problems
            .push("expected Helm error, renderer succeeded".into()),
        (Some(want), Err(got)) => out.error_identical = Some(want.trim() == got.trim()),
        (None, Err(got)) => out
            .problems
            .push(format!("renderer failed but Helm succeeded: {got}")),
        (None, Ok(actual)) => {
            let expected: BTreeMap<String, String> =
                serde_json::from_str(&std::fs::read_to_string(case.join("expected.json")).unwrap())
                    .unwrap();
            let nd: BTreeSet<String> = meta["nondeterministic"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            out.exact = (
                expected
                    .iter()
                    .filter(|(k, v)| actual.get(*k) == Some(v))
                    .count(),
                expected.len(),
            );
            out.problems = compare(&expected, &actual, &nd);
        }
    }
    out
}

/// A plain binary (`harness = false`) so the summary and the failing cases are printed, not
/// captured: the comparator's own checks first, then the corpus.
fn main() {
    comparator_tests::formatting_differences_do_not_count_but_types_do();
    comparator_tests::nondeterministic_paths_are_skipped();
    comparator_tests::text_templates_compare_by_line_and_sets_must_match();
    println!("comparator checks: 3 passed");
    let corpus = corpus_dir();
    if !corpus.join("cases").is_dir() {
        println!("skipped: corpus not found");
        return;
    }
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus.join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    cases.sort();
    // Two workers: the machine has two cores and key generation (`genCA`) dominates.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut outcomes: Vec<(usize, Outcome)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(case) = cases.get(i) else { break };
                        done.push((i, run_case(&corpus, case)));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    outcomes.sort_by_key(|(i, _)| *i);
    let outcomes: Vec<Outcome> = outcomes.into_iter().map(|(_, o)| o).collect();
    let passed = outcomes.iter().filter(|o| o.problems.is_empty()).count();
    let failed = outcomes.len() - passed;
    println!("conformance: {passed} passed, {failed} failed");
    let errs: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.error_identical.is_some())
        .collect();
    let same = errs
        .iter()
        .filter(|o| o.error_identical == Some(true))
        .count();
    println!(
        "error cases with Helm's exact message: {same}/{}",
        errs.len()
    );
    let (exact, total) = outcomes
        .iter()
        .fold((0, 0), |(a, b), o| (a + o.exact.0, b + o.exact.1));
    println!("templates byte-identical to Helm: {exact}/{total}");
    for o in &outcomes {
        if let Some(first) = o.problems.first() {
            println!(
                "FAIL {} ({} differences): {first}",
                o.name,
                o.problems.len()
            );
        }
    }
    if passed < FLOOR {
        eprintln!("conformance regressed: {passed} cases pass, floor is {FLOOR}");
        std::process::exit(1);
    }
}

mod comparator_tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    pub fn formatting_differences_do_not_count_but_types_do() {
        let e = map(&[(
            "c/templates/a.yaml",
            "kind: A\nmetadata:\n  name: x\nv: [1, 2]\n",
        )]);
        let same = map(&[(
            "c/templates/a.yaml",
            "---\nmetadata: {name: x}\nkind: A\nv:\n- 1\n- 2\n",
        )]);
        assert!(compare(&e, &same, &BTreeSet::new()).is_empty());
        let typed = map(&[(
            "c/templates/a.yaml",
            "kind: A\nmetadata:\n  name: x\nv: [\"1\", 2]\n",
        )]);
        let p = compare(&e, &typed, &BTreeSet::new());
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("c/templates/a.yaml#/0/v/0"), "{p:?}");
    }

    pub fn nondeterministic_paths_are_skipped() {
        let e = map(&[("c/t.yaml", "kind: S\ndata:\n  pw: abc\n")]);
        let a = map(&[("c/t.yaml", "kind: S\ndata:\n  pw: xyz\n")]);
        let nd: BTreeSet<String> = ["c/t.yaml#/0/data/pw".to_string()].into();
        assert!(compare(&e, &a, &nd).is_empty());
        assert_eq!(compare(&e, &a, &BTreeSet::new()).len(), 1);
    }

    pub fn text_templates_compare_by_line_and_sets_must_match() {
        let e = map(&[("c/NOTES.txt", "a\nb: [\n"), ("c/x.yaml", "")]);
        let a = map(&[("c/NOTES.txt", "a\nc: [\n")]);
        let p = compare(&e, &a, &BTreeSet::new());
        assert!(p.iter().any(|s| s == "missing template c/x.yaml"));
        assert!(p.iter().any(|s| s.starts_with("c/NOTES.txt#L2")));
    }
}
