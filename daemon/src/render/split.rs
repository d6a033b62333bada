//! Splits a YAML stream into documents (keeping each one's starting line, for messages) and
//! parses each into plain JSON data.

use serde_json::Value;

use super::RenderError;

/// Parses a multi-document YAML text. Returns `(document, index, first line)` for every non-empty
/// document; `file` names the text in errors.
pub fn parse_stream(text: &str, file: &str) -> Result<Vec<(Value, usize, usize)>, RenderError> {
    let mut docs = Vec::new();
    for (index, (start_line, body)) in split_documents(text).into_iter().enumerate() {
        let parsed = parse_one(body, file, start_line)?;
        if !parsed.is_null() {
            docs.push((parsed, index, start_line));
        }
    }
    Ok(docs)
}

/// Splits on `---` separator lines, as kubectl and Helm do.
fn split_documents(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end();
        let is_sep =
            trimmed == "---" || trimmed.starts_with("--- ") || trimmed.starts_with("---\t");
        if is_sep {
            out.push((start_line, &text[start..offset]));
            start = offset + line.len();
            start_line = i + 2;
        }
        offset += line.len();
    }
    out.push((start_line, &text[start..]));
    out
}

/// Parses one document as kubectl does (YAML 1.1 via go-yaml v2 rules, so `yes` is a boolean).
fn parse_one(body: &str, file: &str, start_line: usize) -> Result<Value, RenderError> {
    if body.trim().is_empty() {
        return Ok(Value::Null);
    }
    let mut docs =
        syncd_helm::yaml::parse_documents(body).map_err(|e| RenderError::ParseFailed {
            file: file.to_string(),
            line: start_line + e.line.max(1) - 1,
            col: e.col.max(1),
            message: e.message.clone(),
        })?;
    Ok(if docs.is_empty() {
        Value::Null
    } else {
        docs.swap_remove(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_with_start_lines() {
        let text = "a: 1\n---\nb: 2\n--- \n\n---\nc: [3]\n";
        let docs = parse_stream(text, "x.yaml").unwrap();
        let lines: Vec<_> = docs.iter().map(|d| (d.1, d.2)).collect();
        assert_eq!(lines, vec![(0, 1), (1, 3), (3, 7)]);
        assert_eq!(docs[2].0["c"][0], 3);
    }

    #[test]
    fn scalars_resolve_like_kubectl() {
        let docs = parse_stream("a: yes\nb: \"yes\"\nc: 010\nd: 1.5\n", "x.yaml").unwrap();
        assert_eq!(
            docs[0].0,
            serde_json::json!({"a": true, "b": "yes", "c": 8, "d": 1.5})
        );
    }

    #[test]
    fn errors_name_file_and_absolute_line() {
        let text = "a: 1\n---\nb: 2\nc: [unclosed\n";
        let err = parse_stream(text, "apps/x/m.yaml").unwrap_err().to_string();
        assert!(err.starts_with("apps/x/m.yaml:"), "{err}");
        match parse_stream(text, "m.yaml").unwrap_err() {
            RenderError::ParseFailed { line, .. } => assert!(line >= 4, "line {line}"),
            other => panic!("{other}"),
        }
    }
}
