//! The function library templates can call: Sprig's functions as Helm exposes them (without
//! `env`/`expandenv`) plus Helm's own data functions. Engine-bound functions (`include`, `tpl`,
//! `template`, `lookup`, `and`/`or`) are the executor's, not this module's; the YAML/TOML
//! functions are `crate::yaml`'s.
//!
//! Conventions the executor and chart layer rely on:
//! - Typed Go parameters are checked as text/template's reflection call checks them
//!   ([`args`]); such failures are [`FuncError::arity`]/[`FuncError::bad_arg`] errors, which Go
//!   reports without the `error calling NAME:` prefix (see [`FuncError::call_error`]).
//! - Everything a Go function would panic with (sprig's `first` on a string, `div` by zero)
//!   is an ordinary [`FuncError`] carrying Go's panic text.
//! - `fail` and `required` wrap their message in Helm's `HELM_ERR_START…HELM_ERR_END`
//!   ([`flow`]) for the chart layer's `execution error at (…)` reporting.
//! - Host objects made here: `*semver.Version`, `time.Time`, `sprig.certificate`.

use std::collections::HashMap;

use crate::value::Value;

pub mod args;
mod casing;
mod certs;
mod crypto;
mod dates;
mod defaults;
mod dicts;
mod encoding;
pub mod flow;
pub mod json;
mod lists;
mod math;
mod paths;
pub mod regex;
pub mod semver;
mod strings;
#[cfg(test)]
mod testutil;
mod timefmt;
mod types;
mod urls;
mod zones;

/// Registers every Sprig (minus `env`/`expandenv`) and Helm data function this module owns.
/// `toYaml`/`fromYaml`/`toToml` and friends are the YAML module's; `include`, `tpl`, `lookup`
/// and the Go builtins are the executor's.
pub fn register(fm: &mut FuncMap) {
    strings::register(fm);
    lists::register(fm);
    dicts::register(fm);
    math::register(fm);
    defaults::register(fm);
    types::register(fm);
    encoding::register(fm);
    regex::register(fm);
    semver::register(fm);
    dates::register(fm);
    crypto::register(fm);
    certs::register(fm);
    urls::register(fm);
    paths::register(fm);
    flow::register(fm);
    // Helm disables DNS lookups by default and substitutes an empty result.
    fm.insert("getHostByName", |a| {
        args::arity("getHostByName", a, 1)?;
        args::string(a, 0)?;
        Ok(Value::str(""))
    });
}

/// Convenience: a [`FuncMap`] with just this module's functions.
pub fn library() -> FuncMap {
    let mut fm = FuncMap::new();
    register(&mut fm);
    fm
}

/// A function's failure; the executor wraps it as Go does:
/// `template: T:L:C: executing "T" at <name>: error calling name: MESSAGE`.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncError {
    message: String,
    /// Set for errors text/template itself raises while preparing a call (wrong number or type of
    /// arguments), which Go reports at a node and without the `error calling NAME: ` prefix.
    call: Option<CallSite>,
}

/// Where Go reports a call-level [`FuncError`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum CallSite {
    /// The function's own node (argument count).
    Function,
    /// Argument `n` (0-based, a piped value counting last).
    Arg(usize),
}

impl FuncError {
    /// An error with Go's message text.
    pub fn new(msg: impl Into<String>) -> FuncError {
        FuncError {
            message: msg.into(),
            call: None,
        }
    }

    /// Go's "wrong number of args for NAME: want N got M"; reported at the function's own node.
    pub fn arity(msg: impl std::fmt::Display) -> FuncError {
        FuncError {
            message: msg.to_string(),
            call: Some(CallSite::Function),
        }
    }

    /// Go's "wrong type for value; expected int; got float64" for argument `index` (0-based,
    /// counting a piped value as the last argument); reported at that argument's node.
    pub fn bad_arg(index: usize, msg: impl std::fmt::Display) -> FuncError {
        FuncError {
            message: msg.to_string(),
            call: Some(CallSite::Arg(index)),
        }
    }

    /// For errors made by [`FuncError::arity`] / [`FuncError::bad_arg`]: `Some((arg index or
    /// None for the function node, message))`. The executor prints these as Go does, without the
    /// `error calling NAME: ` wrapper; `None` for ordinary function errors.
    pub fn call_error(&self) -> Option<(Option<usize>, &str)> {
        match self.call? {
            CallSite::Function => Some((None, &self.message)),
            CallSite::Arg(i) => Some((Some(i), &self.message)),
        }
    }

    /// The message text.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The message text, owned.
    pub fn into_message(self) -> String {
        self.message
    }
}

impl std::fmt::Display for FuncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for FuncError {}

/// A library function: receives evaluated arguments, returns one value or an error.
pub type Func = fn(&[Value]) -> Result<Value, FuncError>;

/// Name → function, the Go `template.FuncMap` Helm builds.
#[derive(Default, Clone)]
pub struct FuncMap {
    funcs: HashMap<&'static str, Func>,
}

impl FuncMap {
    /// An empty map.
    pub fn new() -> FuncMap {
        FuncMap::default()
    }

    /// Registers (or replaces) a function.
    pub fn insert(&mut self, name: &'static str, f: Func) {
        self.funcs.insert(name, f);
    }

    /// Looks a function up.
    pub fn get(&self, name: &str) -> Option<Func> {
        self.funcs.get(name).copied()
    }

    /// Whether a name is defined (the parser rejects calls to unknown functions, as Go does).
    pub fn contains(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    /// The registered names (unordered).
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.funcs.keys().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sprig v3.3.0's `genericMap` without `env`/`expandenv`, plus the data functions Helm
    /// 4.2.3's engine adds or overrides that this module owns.
    const EXPECTED: &str = "hello ago date date_in_zone date_modify dateInZone dateModify duration durationRound htmlDate htmlDateInZone must_date_modify mustDateModify mustToDate now toDate unixEpoch abbrev abbrevboth trunc trim upper lower title untitle substr repeat trimall trimAll trimSuffix trimPrefix nospace initials randAlphaNum randAlpha randAscii randNumeric swapcase shuffle snakecase camelcase kebabcase wrap wrapWith contains hasPrefix hasSuffix quote squote cat indent nindent replace plural sha1sum sha256sum sha512sum adler32sum toString atoi int64 int float64 seq toDecimal split splitList splitn toStrings until untilStep add1 add sub div mod mul randInt add1f addf subf divf mulf biggest max min maxf minf ceil floor round join sortAlpha default empty coalesce all any compact mustCompact fromJson toJson toPrettyJson toRawJson mustFromJson mustToJson mustToPrettyJson mustToRawJson ternary deepCopy mustDeepCopy typeOf typeIs typeIsLike kindOf kindIs deepEqual getHostByName base dir clean ext isAbs osBase osClean osDir osExt osIsAbs b64enc b64dec b32enc b32dec tuple list dict get set unset hasKey pluck keys pick omit merge mergeOverwrite mustMerge mustMergeOverwrite values append mustAppend prepend mustPrepend first mustFirst rest mustRest last mustLast initial mustInitial reverse mustReverse uniq mustUniq without mustWithout has mustHas slice mustSlice concat dig chunk mustChunk bcrypt htpasswd genPrivateKey derivePassword buildCustomCert genCA genCAWithKey genSelfSignedCert genSelfSignedCertWithKey genSignedCert genSignedCertWithKey encryptAES decryptAES randBytes uuidv4 semver semverCompare fail regexMatch mustRegexMatch regexFindAll mustRegexFindAll regexFind mustRegexFind regexReplaceAll mustRegexReplaceAll regexReplaceAllLiteral mustRegexReplaceAllLiteral regexSplit mustRegexSplit regexQuoteMeta urlParse urlJoin  fromJsonArray required push mustPush";

    #[test]
    fn registers_every_sprig_and_helm_name() {
        let fm = library();
        let missing: Vec<&str> = EXPECTED
            .split_whitespace()
            .filter(|n| !fm.contains(n))
            .collect();
        assert!(missing.is_empty(), "missing: {missing:?}");
        assert!(!fm.contains("env") && !fm.contains("expandenv"));
        let extra: Vec<&str> = fm
            .names()
            .filter(|n| !EXPECTED.split_whitespace().any(|e| e == *n))
            .collect();
        assert!(extra.is_empty(), "unexpected: {extra:?}");
    }

    #[test]
    fn get_host_by_name_is_disabled_like_helm() {
        let f = library().get("getHostByName").unwrap();
        assert_eq!(f(&[Value::str("example.com")]).unwrap().to_string(), "");
    }
}
