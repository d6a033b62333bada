//! Temporary: dump our per-chart values for comparison with Helm.
use serde_json::Value as Json;
use std::collections::BTreeMap;
use syncd_helm::chart::{deps::Proc, render::prepare, Chart};

fn walk(p: &Proc, path: &str, vals: &Json, out: &mut BTreeMap<String, Json>) {
    if !p.metadata.is_library() {
        out.insert(format!("{path}/templates/zzdump.yaml"), vals.clone());
    }
    for c in &p.children {
        let v = match vals.get(c.name()) {
            Some(v @ Json::Object(_)) => v.clone(),
            _ => Json::Object(Default::default()),
        };
        walk(c, &format!("{path}/charts/{}", c.name()), &v, out);
    }
}

#[test]
#[ignore]
fn dump_values() {
    let corpus = std::path::Path::new("/work/shared/helm-corpus");
    let mut all = BTreeMap::new();
    let mut cases: Vec<_> = std::fs::read_dir(corpus.join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    for case in cases {
        let meta: Json =
            serde_json::from_str(&std::fs::read_to_string(case.join("case.json")).unwrap())
                .unwrap();
        let chart = Chart::load(&corpus.join("charts").join(meta["chart"].as_str().unwrap()));
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let res = chart.map_err(|e| e.to_string()).and_then(|c| {
            let vals = syncd_helm::chart::parse_values_file(
                &std::fs::read_to_string(case.join("values.yaml")).unwrap(),
            )
            .map_err(|e| e.to_string())?;
            let p = prepare(&c, &vals).map_err(|e| e.to_string())?;
            let mut out = BTreeMap::new();
            walk(&p.tree, c.name(), &Json::Object(p.values.clone()), &mut out);
            Ok(out)
        });
        all.insert(
            name,
            match res {
                Ok(m) => serde_json::to_value(m).unwrap(),
                Err(e) => serde_json::json!({"__error__": e}),
            },
        );
    }
    std::fs::write(
        "/tmp/vd/ours.json",
        serde_json::to_string_pretty(&all).unwrap(),
    )
    .unwrap();
}

#[test]
#[ignore]
fn dump_one() {
    let dir = std::env::var("VD_CHART").unwrap();
    let vals: Json = serde_json::from_str(&std::env::var("VD_VALUES").unwrap()).unwrap();
    let c = Chart::load(std::path::Path::new(&dir)).unwrap();
    match prepare(&c, &vals) {
        Ok(p) => {
            let mut out = BTreeMap::new();
            walk(&p.tree, c.name(), &Json::Object(p.values.clone()), &mut out);
            for (k, v) in out {
                println!("{k} {}", serde_json::to_string(&v).unwrap());
            }
            for w in p.warnings {
                println!("WARN {w}");
            }
        }
        Err(e) => println!("ERR {e}"),
    }
}
