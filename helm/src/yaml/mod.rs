//! YAML and TOML as Helm reads and writes them: go-yaml v2 (YAML 1.1) parsing, `toYaml` output
//! byte-for-byte like `sigs.k8s.io/yaml`, and the `toYaml`/`fromYaml`/`toToml` template functions.

mod decode;
mod emit;
mod funcs;
mod parse;
mod read;
mod resolve;
#[cfg(test)]
mod tests;
mod toml;

pub use emit::{go_yaml_key_cmp, marshal_v2, to_yaml, to_yaml_pretty};
pub use funcs::register;
pub use parse::{
    go_string_field, parse_documents, parse_values, unmarshal_into_list, unmarshal_into_map,
};
pub use resolve::{resolve_plain, Resolved};
pub use toml::{from_toml, to_toml};

/// A YAML syntax or decoding error.
///
/// `line`/`col` locate the problem in the text (1-based; 0 when unknown, as for decoding errors
/// such as a bad merge). `Display` is exactly the message Go returns: `yaml: line N: message` for
/// go-yaml's errors — where N follows go-yaml's own convention (the 0-based line of the token for
/// parser errors, 1-based for scanner errors, and no `line` part at all when that number is 0) —
/// and the bare text for errors of the later `sigs.k8s.io/yaml` steps.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.render())]
pub struct YamlError {
    /// 1-based line of the problem (0 when unknown).
    pub line: usize,
    /// 1-based column of the problem (0 when unknown).
    pub col: usize,
    /// The message text, without the `yaml: line N: ` prefix.
    pub message: String,
    /// The line number go-yaml prints (0: none).
    pub(crate) go_line: usize,
    pub(crate) kind: ErrorKind,
}

/// Which step of `sigs.k8s.io/yaml.Unmarshal` failed; decides the prefixes Go adds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ErrorKind {
    /// go-yaml itself: `yaml: ...`.
    Yaml,
    /// YAML→JSON conversion after go-yaml (map keys, json.Marshal): bare text.
    Convert,
    /// json.Unmarshal into the target type.
    Unmarshal,
}

impl YamlError {
    fn render(&self) -> String {
        match self.kind {
            ErrorKind::Yaml if self.go_line > 0 => {
                format!("yaml: line {}: {}", self.go_line, self.message)
            }
            ErrorKind::Yaml => format!("yaml: {}", self.message),
            _ => self.message.clone(),
        }
    }

    /// The whole error `sigs.k8s.io/yaml.Unmarshal` returns for this problem (what `fromYaml`
    /// stores under `Error` and what Helm prints for a bad values file).
    pub fn sigs_message(&self) -> String {
        match self.kind {
            ErrorKind::Unmarshal => format!("error unmarshaling JSON: while decoding JSON: {self}"),
            _ => format!("error converting YAML to JSON: {self}"),
        }
    }

    /// An error from go-yaml's decoder (no position).
    pub(crate) fn decode(message: impl Into<String>) -> YamlError {
        YamlError::with_kind(message, ErrorKind::Yaml)
    }

    /// An error from the YAML→JSON conversion after go-yaml, printed bare.
    pub(crate) fn bare(message: impl Into<String>) -> YamlError {
        YamlError::with_kind(message, ErrorKind::Convert)
    }

    /// A JSON unmarshal (target type) error.
    pub(crate) fn unmarshal(message: impl Into<String>) -> YamlError {
        YamlError::with_kind(message, ErrorKind::Unmarshal)
    }

    fn with_kind(message: impl Into<String>, kind: ErrorKind) -> YamlError {
        YamlError {
            line: 0,
            col: 0,
            message: message.into(),
            go_line: 0,
            kind,
        }
    }
}
