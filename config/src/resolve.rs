//! `Repo::resolve`: one environment's apps with every override applied, ready for the pipeline.

use crate::error::ConfigError;
use crate::model::{Repo, ResolvedApp, ResolvedEnv, SourceSpec};

impl Repo {
    /// Resolves environment `env`: for each of its apps, in file order, the source with values
    /// layered (app's, then the entry's), the namespace (entry > environment > app), labels and
    /// annotations (environment's, then the entry's over them) and the policy (app's, then the
    /// environment's override, then the entry's).
    pub fn resolve(&self, env: &str) -> Result<ResolvedEnv, ConfigError> {
        let environment =
            self.environments
                .get(env)
                .ok_or_else(|| ConfigError::UnknownEnvironment {
                    name: env.to_owned(),
                    known: self.environments.keys().cloned().collect(),
                })?;
        let mut apps = Vec::with_capacity(environment.apps.len());
        for entry in &environment.apps {
            // `load` already checked this; a hand-built `Repo` may not have been.
            let app = self
                .apps
                .get(&entry.name)
                .ok_or_else(|| ConfigError::UnknownApp {
                    file: environment.file.clone(),
                    line: entry.line,
                    col: entry.col,
                    env: environment.name.clone(),
                    app: entry.name.clone(),
                })?;
            let source = match &app.source {
                SourceSpec::Manifests { .. } => app.source.clone(),
                SourceSpec::Helm {
                    chart,
                    release_name,
                    values_files,
                    values,
                    set,
                } => SourceSpec::Helm {
                    chart: chart.clone(),
                    release_name: release_name.clone(),
                    values_files: values_files
                        .iter()
                        .chain(&entry.values_files)
                        .cloned()
                        .collect(),
                    values: values.iter().chain(&entry.values).cloned().collect(),
                    set: set.iter().chain(&entry.set).cloned().collect(),
                },
            };
            let mut labels = environment.labels.clone();
            labels.extend(entry.labels.clone());
            let mut annotations = environment.annotations.clone();
            annotations.extend(entry.annotations.clone());
            apps.push(ResolvedApp {
                name: app.name.clone(),
                env: environment.name.clone(),
                dir: app.dir.clone(),
                source,
                namespace: entry
                    .namespace
                    .clone()
                    .or_else(|| environment.namespace.clone())
                    .or_else(|| app.namespace.clone()),
                labels,
                annotations,
                policy: app.policy.with(&environment.policy).with(&entry.policy),
            });
        }
        Ok(ResolvedEnv {
            name: environment.name.clone(),
            kube_context: environment.kube_context.clone(),
            state_namespace: environment.state_namespace.clone(),
            apps,
        })
    }
}
