//! YAML and TOML as Helm reads and writes them: go-yaml v2 (YAML 1.1) parsing, `toYaml` output
//! byte-for-byte like `sigs.k8s.io/yaml`, and the `toYaml`/`fromYaml`/`toToml` template functions.
