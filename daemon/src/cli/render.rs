//! `syncd render`: prints an environment's manifests, no cluster needed.

use serde_json::{json, Value};

use super::common::load;
use super::{Output, RenderArgs};
use crate::plan::order::apply_cmp;

/// Runs `syncd render`.
pub async fn run(args: &RenderArgs) -> anyhow::Result<i32> {
    let loaded = load(&args.select).await?;
    let mut out = String::new();
    let mut items: Vec<Value> = Vec::new();
    for (_, rendered) in &loaded.apps {
        for h in &rendered.hooks {
            eprintln!(
                "note: {}/{}: chart hook {} ({}) is not printed (hooks run only in `syncd sync`; `syncd diff` lists them)",
                rendered.env, rendered.app, h.id, h.origin
            );
        }
        let mut manifests: Vec<_> = rendered.manifests.iter().collect();
        manifests.sort_by(|a, b| apply_cmp(&a.id, &b.id));
        for m in manifests {
            match args.output {
                Output::Yaml => {
                    out.push_str(&format!("---\n# Source: {} ({})\n", m.origin.file, m.id));
                    out.push_str(&serde_yaml::to_string(&m.object)?);
                }
                Output::Json => items.push(m.object.clone()),
            }
        }
    }
    if args.output == Output::Json {
        let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
        out = serde_json::to_string_pretty(&list)? + "\n";
    }
    print!("{out}");
    Ok(0)
}
