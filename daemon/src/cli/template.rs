//! `syncd template`: renders a Helm chart like `helm template`, natively (no `helm` binary).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use syncd_helm::chart::output::{sort_manifests, template_stream};
use syncd_helm::chart::{
    layer_values, parse_values_file, render, Capabilities, Chart, RenderOptions,
};
use syncd_helm::template::NoCluster;

/// Output formats of `template`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateOutput {
    /// `helm template`'s stream: `# Source:` headers, Helm's install order, hooks last.
    Yaml,
    /// `{template path: rendered text}` exactly as Helm's SDK returns it.
    Json,
}

/// `syncd template`.
#[derive(Args, Debug)]
pub struct TemplateArgs {
    /// Chart directory or `.tgz`.
    chart: PathBuf,
    /// Values files, layered in order (like `helm -f`).
    #[arg(short = 'f', long = "values")]
    values: Vec<PathBuf>,
    /// `--set key=value[,key=value]` overrides, applied after the files.
    #[arg(long)]
    set: Vec<String>,
    /// `--set-string key=value` overrides (values stay strings), applied last.
    #[arg(long)]
    set_string: Vec<String>,
    /// Release name.
    #[arg(long, default_value = "release-name")]
    release: String,
    /// Release namespace.
    #[arg(long, short = 'n', default_value = "default")]
    namespace: String,
    /// Kubernetes version for `.Capabilities.KubeVersion` (default: Helm's, v1.36.0).
    #[arg(long)]
    kube_version: Option<String>,
    /// Extra API versions for `.Capabilities.APIVersions` (repeatable).
    #[arg(long = "api-versions")]
    api_versions: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "yaml")]
    output: TemplateOutput,
}

/// `1.30`, `v1.30.2` → (`v1.30.2`, `1`, `30`), as Helm's `--kube-version` reads it.
fn parse_kube_version(v: &str) -> anyhow::Result<(String, String, String)> {
    let parts: Vec<&str> = v.trim_start_matches('v').split('.').collect();
    let num = |i: usize| -> anyhow::Result<u64> {
        match parts.get(i) {
            None => Ok(0),
            Some(p) => p.parse().with_context(|| {
                format!("invalid kube version {v:?}: expected MAJOR.MINOR[.PATCH]")
            }),
        }
    };
    let (major, minor, patch) = (num(0)?, num(1)?, num(2)?);
    if parts.len() > 3 {
        anyhow::bail!("invalid kube version {v:?}: expected MAJOR.MINOR[.PATCH]");
    }
    Ok((
        format!("v{major}.{minor}.{patch}"),
        major.to_string(),
        minor.to_string(),
    ))
}

/// Runs `syncd template`.
pub fn run(args: TemplateArgs) -> anyhow::Result<i32> {
    let chart = Chart::load(&args.chart)?;
    let mut files = Vec::new();
    for path in &args.values {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        files.push(
            parse_values_file(&text).with_context(|| format!("values file {}", path.display()))?,
        );
    }
    let values = layer_values(&files, &args.set, &args.set_string)?;
    let mut capabilities = Capabilities::default();
    if let Some(v) = &args.kube_version {
        let (version, major, minor) = parse_kube_version(v)?;
        capabilities.kube_version.version = version;
        capabilities.kube_version.major = major;
        capabilities.kube_version.minor = minor;
    }
    capabilities
        .api_versions
        .extend(args.api_versions.iter().cloned());
    let opts = RenderOptions {
        release_name: args.release.clone(),
        namespace: args.namespace.clone(),
        capabilities,
        ..RenderOptions::default()
    };
    let rendered = render(&chart, &values, &opts, &NoCluster)?;
    match args.output {
        TemplateOutput::Json => println!("{}", serde_json::to_string_pretty(&rendered)?),
        TemplateOutput::Yaml => {
            let sorted = sort_manifests(&rendered, chart.name())?;
            print!("{}", template_stream(&sorted));
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_version_forms() {
        assert_eq!(
            parse_kube_version("1.30").unwrap(),
            ("v1.30.0".into(), "1".into(), "30".into())
        );
        assert_eq!(parse_kube_version("v1.24.3").unwrap().0, "v1.24.3");
        assert!(parse_kube_version("one.two").is_err());
        assert!(parse_kube_version("1.2.3.4").is_err());
    }
}
