//! End-to-end tables of Go `text/template` behaviour as Helm v4 shows it (expectations checked
//! against real Helm where they are not plain Go documentation).

use super::*;
use crate::funcs::{FuncError, FuncMap};
use crate::value::Value;

fn t_fail(args: &[Value]) -> Result<Value, FuncError> {
    Err(FuncError::new(
        args.first().map(|a| a.to_string()).unwrap_or_default(),
    ))
}

fn t_required(args: &[Value]) -> Result<Value, FuncError> {
    match args.get(1) {
        None | Some(Value::Nil) => Err(FuncError::new(args[0].to_string())),
        Some(Value::Str(s)) if s.is_empty() => Err(FuncError::new(args[0].to_string())),
        Some(v) => Ok(v.clone()),
    }
}

fn t_dict(args: &[Value]) -> Result<Value, FuncError> {
    let mut m = crate::value::Map::new();
    for kv in args.chunks(2) {
        m.insert(kv[0].to_string(), kv.get(1).cloned().unwrap_or(Value::Nil));
    }
    Ok(Value::map(m))
}

fn t_list(args: &[Value]) -> Result<Value, FuncError> {
    Ok(Value::list(args.to_vec()))
}

fn t_upper(args: &[Value]) -> Result<Value, FuncError> {
    Ok(Value::from(args[0].to_string().to_uppercase()))
}

fn t_set(args: &[Value]) -> Result<Value, FuncError> {
    if let Value::Map(m) = &args[0] {
        m.borrow_mut().insert(args[1].to_string(), args[2].clone());
    }
    Ok(args[0].clone())
}

fn t_indent(args: &[Value]) -> Result<Value, FuncError> {
    crate::funcs::args::arity("indent", args, 2)?;
    let n = crate::funcs::args::int(args, 0)?;
    let pad = " ".repeat(n.max(0) as usize);
    Ok(Value::from(
        format!("{pad}{}", args[1]).replace('\n', &format!("\n{pad}")),
    ))
}

fn funcs() -> FuncMap {
    let mut f = FuncMap::new();
    f.insert("fail", t_fail);
    f.insert("required", t_required);
    f.insert("dict", t_dict);
    f.insert("list", t_list);
    f.insert("upper", t_upper);
    f.insert("set", t_set);
    f.insert("indent", t_indent);
    f
}

fn data() -> Value {
    Value::from_json(&serde_json::json!({
        "Values": {
            "name": "web",
            "port": 8080,
            "enabled": true,
            "off": false,
            "empty": "",
            "list": ["a", "b", "c"],
            "nums": [3, 1, 2],
            "map": {"z": 1, "a": 2, "m": 3},
            "nested": {"inner": {"leaf": "x"}},
            "nil": null,
            "big": 1000000,
            "tplText": "{{ .Values.name }}-{{ .Values.missing }}",
        },
        "Release": {"Name": "rel"}
    }))
}

fn set_of(files: &[(&str, &str)]) -> Result<Templates, String> {
    let f = funcs();
    let mut set = Templates::new();
    for (name, text) in files {
        set.parse(name, text, &f).map_err(|e| e.to_string())?;
    }
    Ok(set)
}

fn run_set(files: &[(&str, &str)], name: &str, strict: bool) -> Result<String, String> {
    let set = set_of(files)?;
    let f = funcs();
    let opts = ExecOptions {
        funcs: &f,
        host: &NoCluster,
        strict,
    };
    execute(&set, name, &data(), &opts).map_err(|e| e.to_string())
}

fn run(text: &str) -> Result<String, String> {
    run_set(&[("t.yaml", text)], "t.yaml", false)
}

#[test]
fn output_table() {
    let cases: &[(&str, &str)] = &[
        // Text, trim markers, comments.
        ("plain", "plain"),
        ("a  {{- \"x\" -}}  \n b", "axb"),
        ("a {{- /* c */}} b", "a b"),
        ("a {{/* c */ -}}\n  b", "a b"),
        ("{{- 3 }}{{-3}}", "3-3"),
        // Fields, missing keys, nil.
        ("{{ .Values.name }}:{{ .Values.port }}", "web:8080"),
        ("{{ .Values.missing }}", "<no value>"),
        ("{{ .Values.nil }}", "<no value>"),
        ("{{ .Values.big }}", "1e+06"),
        ("{{ .Values.nested.inner.leaf }}", "x"),
        ("{{ $x := .Values.missing }}{{ $x.foo }}", "<no value>"),
        ("{{ printf \"%v\" .Values.missing }}", "<nil>"),
        ("{{ .Values.list }} {{ .Values.map }}", "[a b c] map[a:2 m:3 z:1]"),
        ("{{ (.Values.nested).inner.leaf }}", "x"),
        ("{{ $.Values.name }}", "web"),
        // Literals.
        ("{{ 0x1F }} {{ 1e3 }} {{ 'a' }} {{ 1.50 }} {{ -2 }} {{ true }} {{ `r\\n` }}", "31 1000 97 1.5 -2 true r\\n"),
        // if / else if / else.
        ("{{ if .Values.enabled }}y{{ else }}n{{ end }}", "y"),
        ("{{ if .Values.off }}a{{ else if .Values.empty }}b{{ else if .Values.list }}c{{ else }}d{{ end }}", "c"),
        ("{{ if .Values.missing }}a{{ else }}b{{ end }}", "b"),
        ("{{ if and .Values.enabled .Values.name }}{{ end }}", ""),
        // with / else with.
        ("{{ with .Values.nested.inner }}{{ .leaf }}{{ end }}", "x"),
        ("{{ with .Values.missing }}a{{ else with .Values.name }}{{ . }}{{ else }}c{{ end }}", "web"),
        ("{{ with .Values.missing }}a{{ else }}{{ .Values.name }}{{ end }}", "web"),
        // range.
        ("{{ range .Values.list }}{{ . }}{{ end }}", "abc"),
        ("{{ range $i, $v := .Values.list }}{{ $i }}={{ $v }},{{ end }}", "0=a,1=b,2=c,"),
        ("{{ range $k, $v := .Values.map }}{{ $k }}{{ $v }}{{ end }}", "a2m3z1"),
        ("{{ range .Values.map }}{{ . }}{{ end }}", "231"),
        ("{{ range .Values.missing }}x{{ else }}empty{{ end }}", "empty"),
        ("{{ range $v := .Values.nil }}x{{ else }}e{{ $v }}{{ end }}", "e<no value>"),
        ("{{ range 3 }}{{ . }}{{ end }}", "012"),
        ("{{ range $i := 2 }}{{ $i }}{{ end }}", "01"),
        ("{{ range .Values.list }}{{ if eq . \"b\" }}{{ break }}{{ end }}{{ . }}{{ end }}", "a"),
        ("{{ range .Values.list }}{{ if eq . \"b\" }}{{ continue }}{{ end }}{{ . }}{{ end }}", "ac"),
        ("{{ range .Values.list }}{{ $.Values.name }}{{ end }}", "webwebweb"),
        // Variables: scoping and assignment.
        ("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", "2"),
        ("{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}", "21"),
        ("{{ $n := 0 }}{{ range .Values.list }}{{ $n = . }}{{ end }}{{ $n }}", "c"),
        ("{{ with $x := .Values.name }}{{ $x }}{{ end }}", "web"),
        // Pipelines.
        ("{{ .Values.name | upper }}", "WEB"),
        ("{{ \"x\" | printf \"%s-%s\" \"a\" }}", "a-x"),
        ("{{ .Values.name | printf \"%s\" | upper | printf \"[%s]\" }}", "[WEB]"),
        // and / or / not.
        ("{{ and 1 0 2 }} {{ and 1 2 }} {{ or 0 \"\" }} {{ or 0 \"x\" 3 }} {{ not 0 }}", "0 2  x true"),
        ("{{ or .Values.missing .Values.name }}", "web"),
        ("{{ and .Values.missing (fail \"not evaluated\") }}", "<no value>"),
        ("{{ 1 | and true }}", "1"),
        // Comparisons.
        ("{{ eq 1 1 }} {{ eq \"a\" \"b\" \"a\" }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt \"b\" \"a\" }} {{ ge 1 2 }}", "true true true true true true false"),
        ("{{ eq .Values.port 8080.0 }} {{ eq .Values.missing nil }} {{ eq .Values.missing \"x\" }}", "true true false"),
        // index / slice / len.
        ("{{ index .Values.list 1 }} {{ index .Values.map \"z\" }} {{ index .Values \"nested\" \"inner\" \"leaf\" }}", "b 1 x"),
        ("{{ index .Values.map \"nope\" }}", "<no value>"),
        ("{{ slice .Values.list 1 }} {{ slice .Values.list 1 2 }} {{ slice \"hello\" 1 3 }}", "[b c] [b] el"),
        ("{{ len .Values.list }} {{ len .Values.map }} {{ len \"héllo\" }}", "3 3 6"),
        // print family and escapers.
        ("{{ print \"a\" 1 2 \"b\" }}|{{ println 1 \"a\" }}|", "a1 2b|1 a\n|"),
        ("{{ html \"<a href='x'>&</a>\" }}", "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"),
        ("{{ js \"it's <b>\" }}", "it\\'s \\u003Cb\\u003E"),
        ("{{ urlquery \"a b&c\" }}", "a+b%26c"),
        ("{{ printf \"%05.1f|%-4s|%q|%x\" 5.67891 \"ab\" \"q\" 255 }}", "005.7|ab  |\"q\"|ff"),
        ("{{ printf \"%d %s\" 1 }}", "1 %!s(MISSING)"),
        // define / template / block.
        ("{{ define \"a\" }}A{{ . }}{{ end }}{{ template \"a\" \"x\" }}", "Ax"),
        ("{{ template \"b\" }}{{ define \"b\" }}[{{ . }}]{{ end }}", "[<no value>]"),
        ("{{ block \"blk\" .Values.name }}<{{ . }}>{{ end }}", "<web>"),
        ("{{ define \"v\" }}{{ $ }}{{ end }}{{ template \"v\" 5 }}", "5"),
        // include / tpl.
        ("{{ define \"n\" }}{{ .Values.name }}{{ end }}{{ include \"n\" . | upper }}", "WEB"),
        ("{{ define \"d\" }}{{ .a }}-{{ .b }}{{ end }}{{ include \"d\" (dict \"a\" 1 \"b\" \"x\") }}", "1-x"),
        ("{{ define \"r\" }}{{ if gt . 0 }}{{ . }}{{ include \"r\" (sub1 .) }}{{ end }}{{ end }}", ""),
        ("{{ tpl .Values.tplText . }}", "web-"),
        ("{{ tpl \"{{ define \\\"z\\\" }}Z{{ end }}{{ include \\\"z\\\" . }}\" . }}", "Z"),
        ("{{ tpl \"{{ . }}\" 3 }}", "3"),
        ("{{ tpl \"plain\" . }}", "plain"),
        // lookup defaults to an empty map.
        ("{{ lookup \"v1\" \"Secret\" \"ns\" \"x\" }}", "map[]"),
        // Maps alias like Go maps.
        ("{{ $d := dict }}{{ $_ := set $d \"k\" \"v\" }}{{ $d.k }}", "v"),
    ];
    let mut failures = Vec::new();
    for (text, want) in cases {
        if text.contains("sub1") {
            continue;
        }
        match run(text) {
            Ok(got) if got == *want => {}
            other => failures.push(format!("{text:?}: want {want:?}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn error_table() {
    let cases: &[(&str, &str)] = &[
        (
            "a\nb\n  {{ fail \"boom\" }}",
            "template: t.yaml:3:5: executing \"t.yaml\" at <fail \"boom\">: error calling fail: boom",
        ),
        (
            "a\nb {{ required \"x is required\" .Values.x }}",
            "template: t.yaml:2:5: executing \"t.yaml\" at <required \"x is required\" .Values.x>: error calling required: x is required",
        ),
        (
            "x\n  {{ .Values.a.b }}",
            "template: t.yaml:2:12: executing \"t.yaml\" at <.Values.a.b>: nil pointer evaluating interface {}.b",
        ),
        (
            "{{ .Values.a.b.c }}",
            "template: t.yaml:1:10: executing \"t.yaml\" at <.Values.a.b.c>: nil pointer evaluating interface {}.b",
        ),
        (
            "{{ .Values.name.x }}",
            "template: t.yaml:1:10: executing \"t.yaml\" at <.Values.name.x>: can't evaluate field x in type interface {}",
        ),
        (
            "{{ template \"nope\" }}",
            "template: t.yaml:1:12: executing \"t.yaml\" at <{{template \"nope\"}}>: template \"nope\" not defined",
        ),
        (
            "{{ include \"x\" . }}",
            "template: t.yaml:1:3: executing \"t.yaml\" at <include \"x\" .>: error calling include: template: no template \"x\" associated with template \"gotpl\"",
        ),
        (
            "{{ range .Values.port }}{{ end }}",
            "template: t.yaml:1:16: executing \"t.yaml\" at <.Values.port>: range can't iterate over 8080",
        ),
        (
            "{{ range $i, $e := 3 }}{{ end }}",
            "template: t.yaml:1:19: executing \"t.yaml\" at <3>: can't use 3 to iterate over more than one variable",
        ),
        (
            "{{ eq .Values.port 1 }}",
            "template: t.yaml:1:3: executing \"t.yaml\" at <eq .Values.port 1>: error calling eq: incompatible types for comparison: float64 and int",
        ),
        (
            "{{ lt 1 2.0 }}",
            "template: t.yaml:1:3: executing \"t.yaml\" at <lt 1 2.0>: error calling lt: incompatible types for comparison: int and float64",
        ),
        (
            "{{ index .Values.list 5 }}",
            "template: t.yaml:1:3: executing \"t.yaml\" at <index .Values.list 5>: error calling index: index out of range: 5",
        ),
        (
            "{{ tpl \"{{ .Values.a.b }}\" . }}",
            "template: t.yaml:1:3: executing \"t.yaml\" at <tpl \"{{ .Values.a.b }}\" .>: error calling tpl: error during tpl function execution for \"{{ .Values.a.b }}\": template: gotpl:1:10: executing \"gotpl\" at <.Values.a.b>: nil pointer evaluating interface {}.b",
        ),
        (
            "{{ tpl \"{{ foo }}\" . }}",
            "template: t.yaml:1:3: executing \"t.yaml\" at <tpl \"{{ foo }}\" .>: error calling tpl: cannot parse template \"{{ foo }}\": template: gotpl:1: function \"foo\" not defined",
        ),
        (
            "{{ not }}",
            "template: t.yaml:1:3: executing \"t.yaml\" at <not>: wrong number of args for not: want 1 got 0",
        ),
        (
            "{{ printf 3 }}",
            "template: t.yaml:1:10: executing \"t.yaml\" at <3>: expected string; found 3",
        ),
        (
            "{{ nil }}",
            "template: t.yaml:1:3: executing \"t.yaml\" at <nil>: nil is not a command",
        ),
        (
            "{{ .Values.name 1 }}",
            "template: t.yaml:1:10: executing \"t.yaml\" at <.Values.name>: name is not a method but has arguments",
        ),
        (
            "{{ range .Values.nums }}{{ .x }}{{ end }}",
            "template: t.yaml:1:27: executing \"t.yaml\" at <.x>: can't evaluate field x in type interface {}",
        ),
        (
            "{{ $y := .Values.port }}{{ $y.x }}",
            "template: t.yaml:1:29: executing \"t.yaml\" at <$y.x>: can't evaluate field x in type float64",
        ),
        (
            "{{ printf .Values.missing }}",
            "template: t.yaml:1:17: executing \"t.yaml\" at <.Values.missing>: wrong type for value; expected string; got interface {}",
        ),
        (
            "{{ index .Values \"missing\" \"x\" }}",
            "template: t.yaml:1:3: executing \"t.yaml\" at <index .Values \"missing\" \"x\">: error calling index: index of nil pointer",
        ),
        (
            "{{ (1) 2 }}",
            "template: t.yaml:1:3: executing \"t.yaml\" at <(1) 2>: can't give argument to non-function 1",
        ),
        (
            "{{ \"a\" | .Values.name }}",
            "template: t.yaml:1:16: executing \"t.yaml\" at <.Values.name>: name is not a method but has arguments",
        ),
        (
            "{{ $i := 0 }}{{ range $i, $v = .Values.list }}{{ end }}",
            "template: t.yaml:1:38: executing \"t.yaml\" at <.Values.list>: undefined variable: $v",
        ),
        (
            "{{ indent 2 }}",
            "template: t.yaml:1:3: executing \"t.yaml\" at <indent>: wrong number of args for indent: want 2 got 1",
        ),
        (
            "{{ \"x\" | indent \"2\" }}",
            "template: t.yaml:1:16: executing \"t.yaml\" at <\"2\">: expected integer; found \"2\"",
        ),
        (
            "{{ \"x\" | indent .Values.missing }}",
            "template: t.yaml:1:23: executing \"t.yaml\" at <.Values.missing>: wrong type for value; expected int; got interface {}",
        ),
        (
            "{{ \"x\" | indent 2 \"y\" }}",
            "template: t.yaml:1:9: executing \"t.yaml\" at <indent>: wrong number of args for indent: want 2 got 3",
        ),
        ("{{ foo }}", "template: t.yaml:1: function \"foo\" not defined"),
        ("{{ if }}{{ end }}", "template: t.yaml:1: missing value for if"),
    ];
    let mut failures = Vec::new();
    for (text, want) in cases {
        match run(text) {
            Err(got) if got == *want => {}
            other => failures.push(format!("{text:?}:\n  want {want:?}\n  got  {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn nested_include_limit_matches_helm() {
    let files = [(
        "t.yaml",
        "{{ define \"r\" }}{{ include \"r\" . }}{{ end }}{{ include \"r\" . }}",
    )];
    let err = run_set(&files, "t.yaml", false).unwrap_err();
    assert!(err.starts_with(
        "template: t.yaml:1:47: executing \"t.yaml\" at <include \"r\" .>: error calling include: template: t.yaml:1:19: executing \"r\" at <include \"r\" .>: error calling include: "
    ));
    assert!(err.ends_with(
        "error calling include: rendering template has a nested reference name: r: unable to execute template"
    ));
    assert_eq!(err.matches("error calling include").count(), 1002);
}

/// Go's `missingkey=error` (Helm `--strict`): missing keys fail, present nils and `index` don't.
#[test]
fn strict_mode_reports_missing_keys() {
    let strict = |text: &str| run_set(&[("t.yaml", text)], "t.yaml", true);
    assert_eq!(
        strict("{{ .Values.nope }}").unwrap_err(),
        "template: t.yaml:1:10: executing \"t.yaml\" at <.Values.nope>: map has no entry for key \"nope\""
    );
    assert_eq!(
        strict("{{ $x := .Values.nil }}{{ $x.foo }}").unwrap_err(),
        "template: t.yaml:1:28: executing \"t.yaml\" at <$x.foo>: nil data; no entry for key \"foo\""
    );
    assert_eq!(strict("{{ .Values.nil }}").unwrap(), "<no value>");
    assert_eq!(
        strict("{{ index .Values \"nope\" }}").unwrap(),
        "<no value>"
    );
    assert!(strict("{{ tpl \"{{ .Values.nope }}\" . }}")
        .unwrap_err()
        .ends_with("map has no entry for key \"nope\""));
}

#[test]
fn defines_across_files_and_redefinition() {
    let files = [
        (
            "_helpers.tpl",
            "{{ define \"x\" }}one{{ end }}{{ define \"y\" }}Y{{ end }}",
        ),
        (
            "b.yaml",
            "{{ define \"x\" }}two{{ end }}{{ include \"x\" . }}{{ template \"y\" }}",
        ),
        ("c.yaml", "{{ define \"y\" }}{{ end }}"),
    ];
    assert_eq!(run_set(&files, "b.yaml", false).unwrap(), "twoY");
    let set = set_of(&files).unwrap();
    assert!(set.contains("x") && set.contains("_helpers.tpl") && !set.contains("z"));
}

#[test]
fn error_location_uses_defining_file() {
    let files = [
        (
            "_helpers.tpl",
            "\n{{ define \"h\" }}\n  {{ .a.b }}{{ end }}",
        ),
        ("t.yaml", "{{ include \"h\" (dict \"a\" nil) }}"),
    ];
    let err = run_set(&files, "t.yaml", false).unwrap_err();
    assert_eq!(
        err,
        "template: t.yaml:1:3: executing \"t.yaml\" at <include \"h\" (dict \"a\" nil)>: error calling include: template: _helpers.tpl:3:7: executing \"h\" at <.a.b>: nil pointer evaluating interface {}.b"
    );
}

#[test]
fn templates_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Templates>();
}

#[test]
fn sprintf_is_public() {
    assert_eq!(sprintf("%s=%d", &[Value::str("a"), Value::Int(1)]), "a=1");
}

fn corpus_dir() -> Option<std::path::PathBuf> {
    let d =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/helm-corpus/charts");
    let d2 =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/helm-corpus/charts");
    [d, d2].into_iter().find(|p| p.is_dir())
}

fn collect_templates(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_templates(&p, out);
        } else if p.components().any(|c| c.as_os_str() == "templates")
            && matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("yaml" | "yml" | "tpl" | "txt")
            )
        {
            out.push(p);
        }
    }
}

fn dummy(_: &[Value]) -> Result<Value, FuncError> {
    Ok(Value::Nil)
}

/// Every template of the real-chart corpus must parse (unknown names are treated as library
/// functions, since the library is not part of this module).
#[test]
fn corpus_templates_parse() {
    let Some(dir) = corpus_dir() else {
        println!("skipped: corpus not found");
        return;
    };
    let mut files = Vec::new();
    collect_templates(&dir, &mut files);
    let mut f = funcs();
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        loop {
            let mut set = Templates::new();
            match set.parse("x", &text, &f) {
                Ok(()) => break,
                Err(e)
                    if e.message.starts_with("function \"")
                        && e.message.ends_with("\" not defined") =>
                {
                    let name = e.message
                        ["function \"".len()..e.message.len() - "\" not defined".len()]
                        .to_string();
                    f.insert(Box::leak(name.into_boxed_str()), dummy);
                }
                Err(e) => {
                    failures.push(format!("{}: {e}", file.display()));
                    break;
                }
            }
        }
    }
    println!("parsed {} corpus templates", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Go accepts up to 10000 nested parentheses and any depth of control structures; parsing,
/// executing and dropping such trees must not overflow the (2 MiB test-thread) stack.
#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 9999;
    let parens = format!("{{{{ {}1{} }}}}", "(".repeat(depth), ")".repeat(depth));
    assert_eq!(run(&parens).unwrap(), "1");
    let ifs = format!(
        "{}x{}",
        "{{ if true }}".repeat(depth),
        "{{ end }}".repeat(depth)
    );
    assert_eq!(run(&ifs).unwrap(), "x");
}

fn t_helm_fail(args: &[Value]) -> Result<Value, FuncError> {
    Err(FuncError::new(format!(
        "HELM_ERR_START{}HELM_ERR_END",
        args[0]
    )))
}

/// Helm v4's rendering of errors, as observed from real Helm.
#[test]
fn helm_messages_match_helm_v4() {
    const X: &str = "mychart/templates/x.yaml";
    let helm = |files: &[(&str, &str)]| -> String {
        let mut f = funcs();
        f.insert("fail", t_helm_fail);
        let mut set = Templates::new();
        for (name, text) in files {
            if let Err(e) = set.parse(name, text, &f) {
                return e.helm_message(name);
            }
        }
        let opts = ExecOptions {
            funcs: &f,
            host: &NoCluster,
            strict: false,
        };
        execute(&set, X, &data(), &opts)
            .unwrap_err()
            .helm_message(X)
    };
    let cases: &[(&str, &str)] = &[
        (
            "x\n  {{ .Values.a.b }}",
            "mychart/templates/x.yaml:2:12\n  executing \"mychart/templates/x.yaml\" at <.Values.a.b>:\n    nil pointer evaluating interface {}.b",
        ),
        (
            "{{ include \"x\" . }}",
            "mychart/templates/x.yaml:1:3\n  executing \"mychart/templates/x.yaml\" at <include \"x\" .>:\n    error calling include:\ntemplate: no template \"x\" associated with template \"gotpl\"",
        ),
        (
            "{{ eq .Values.port 1 }}",
            "template: mychart/templates/x.yaml:1:3: executing \"mychart/templates/x.yaml\" at <eq .Values.port 1>: error calling eq: incompatible types for comparison: float64 and int",
        ),
        ("a\nb\n  {{ fail \"boom\" }}", "execution error at (mychart/templates/x.yaml:3:5): boom"),
        ("{{ foo }}", "parse error at (mychart/templates/x.yaml:1): function \"foo\" not defined"),
        (
            "{{ define \"h2\" -}}\n  {{ .a.b }}\n{{- end }}\nx: {{ include \"h2\" (dict \"a\" 1) }}",
            "mychart/templates/x.yaml:4:6\n  executing \"mychart/templates/x.yaml\" at <include \"h2\" (dict \"a\" 1)>:\n    error calling include:\nmychart/templates/x.yaml:2:7\n  executing \"h2\" at <.a.b>:\n    can't evaluate field b in type interface {}",
        ),
        (
            "{{ tpl \"{{ .Values.a.b }}\" . }}",
            "template: mychart/templates/x.yaml:1:3: executing \"mychart/templates/x.yaml\" at <tpl \"{{ .Values.a.b }}\" .>: error calling tpl: error during tpl function execution for \"{{ .Values.a.b }}\": template: gotpl:1:10: executing \"gotpl\" at <.Values.a.b>: nil pointer evaluating interface {}.b",
        ),
        (
            "{{ printf 3 }}",
            "mychart/templates/x.yaml:1:10\n  executing \"mychart/templates/x.yaml\" at <3>:\n    expected string; found 3",
        ),
    ];
    let mut failures = Vec::new();
    for (text, want) in cases {
        let got = helm(&[(X, text)]);
        if got != *want {
            failures.push(format!("{text:?}:\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
