//! `.helmignore` rules as Helm's `pkg/ignore` applies them: first matching rule decides, `!`
//! negation, trailing `/` for directories, leading `/` anchoring, patterns without `/` matched
//! against the base name, and Go's `filepath.Match` glob syntax (no `**`).

/// A parsed `.helmignore` rule set.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    glob: String,
    negate: bool,
    must_dir: bool,
    /// Pattern without `/`: match only the path's base name.
    base_only: bool,
}

impl Rules {
    /// Parses a `.helmignore` file; Helm rejects `**` and malformed globs.
    pub fn parse(text: &str) -> Result<Rules, String> {
        let mut r = Rules::default();
        for line in text.lines() {
            r.add(line)?;
        }
        Ok(r)
    }

    /// Helm's `AddDefaults`: dotfiles directly in `templates/` are never loaded.
    pub fn add_defaults(&mut self) {
        self.add("templates/.?*").expect("default rule parses");
    }

    fn add(&mut self, rule: &str) -> Result<(), String> {
        let mut rule = rule.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err("double-star (**) syntax is not supported".into());
        }
        if glob_match(rule, "abc").is_err() {
            return Err("syntax error in pattern".into());
        }
        let mut negate = false;
        if let Some(r) = rule.strip_prefix('!') {
            negate = true;
            rule = r;
        }
        let mut must_dir = false;
        if let Some(r) = rule.strip_suffix('/') {
            must_dir = true;
            rule = r;
        }
        let (glob, base_only) = if let Some(r) = rule.strip_prefix('/') {
            (r.to_string(), false)
        } else {
            (rule.to_string(), !rule.contains('/'))
        };
        self.patterns.push(Pattern {
            glob,
            negate,
            must_dir,
            base_only,
        });
        Ok(())
    }

    /// Whether `path` (slash-separated, relative to the chart root) is ignored.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.patterns {
            let target = if p.base_only {
                path.rsplit('/').next().unwrap_or(path)
            } else {
                path
            };
            let matched = glob_match(&p.glob, target).unwrap_or(false);
            if p.negate {
                // Helm's quirk: a negated rule ends evaluation as "ignored" when it does not match.
                if (p.must_dir && !is_dir) || !matched {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if matched {
                return true;
            }
        }
        false
    }
}

/// A malformed glob (Go's `filepath.ErrBadPattern`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("syntax error in pattern")]
pub struct BadPattern;

/// Go's `path/filepath.Match` on `/`-separated names: `*` and `?` never cross `/`, `[...]`
/// classes with `^` negation and ranges, `\` escapes. Errors on malformed patterns.
pub fn glob_match(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_from(&p, &n)
}

fn match_from(p: &[char], n: &[char]) -> Result<bool, BadPattern> {
    let (mut pi, mut ni) = (0, 0);
    // Backtracking point for the last `*`: (pattern index after star, name index).
    let mut star: Option<(usize, usize)> = None;
    let mut result = true;
    loop {
        if pi < p.len() && p[pi] == '*' {
            while pi < p.len() && p[pi] == '*' {
                pi += 1;
            }
            star = Some((pi, ni));
            continue;
        }
        if ni == n.len() && pi == p.len() {
            break;
        }
        let step = if pi < p.len() && ni < n.len() {
            match_one(p, pi, n[ni])?
        } else {
            None
        };
        match step {
            Some(next_pi) => {
                pi = next_pi;
                ni += 1;
            }
            None => {
                if let Some((sp, sn)) = star {
                    if sn < n.len() && n[sn] != '/' {
                        star = Some((sp, sn + 1));
                        pi = sp;
                        ni = sn + 1;
                        continue;
                    }
                }
                result = false;
                break;
            }
        }
    }
    // Go validates the rest of the pattern even on failure.
    validate(&p[pi.min(p.len())..])?;
    Ok(result)
}

fn validate(p: &[char]) -> Result<(), BadPattern> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => {
                if i + 1 >= p.len() {
                    return Err(BadPattern);
                }
                i += 2;
            }
            '[' => {
                let end = class_end(p, i)?;
                i = end;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Index just past a `[...]` class starting at `start`.
fn class_end(p: &[char], start: usize) -> Result<usize, BadPattern> {
    let mut i = start + 1;
    if i < p.len() && p[i] == '^' {
        i += 1;
    }
    let mut first = true;
    loop {
        if i >= p.len() {
            return Err(BadPattern);
        }
        if p[i] == ']' && !first {
            return Ok(i + 1);
        }
        first = false;
        if p[i] == '\\' {
            i += 1;
        }
        if i >= p.len() {
            return Err(BadPattern);
        }
        i += 1;
        if i < p.len() && p[i] == '-' {
            i += 1;
            if i >= p.len() || p[i] == ']' {
                return Err(BadPattern);
            }
            if p[i] == '\\' {
                i += 1;
            }
            i += 1;
        }
    }
}

/// Matches one pattern element at `pi` against `c`; `Some(next pattern index)` on a match.
fn match_one(p: &[char], pi: usize, c: char) -> Result<Option<usize>, BadPattern> {
    match p[pi] {
        '?' => Ok((c != '/').then_some(pi + 1)),
        '\\' => {
            let lit = *p.get(pi + 1).ok_or(BadPattern)?;
            Ok((lit == c).then_some(pi + 2))
        }
        '[' => {
            let end = class_end(p, pi)?;
            let mut i = pi + 1;
            let negated = p[i] == '^';
            if negated {
                i += 1;
            }
            let mut matched = false;
            let mut first = true;
            while i < end - 1 || (first && i < end) {
                if p[i] == ']' && !first {
                    break;
                }
                first = false;
                let mut lo = p[i];
                if lo == '\\' {
                    i += 1;
                    lo = p[i];
                }
                i += 1;
                let mut hi = lo;
                if i < end - 1 && p[i] == '-' {
                    i += 1;
                    hi = p[i];
                    if hi == '\\' {
                        i += 1;
                        hi = p[i];
                    }
                    i += 1;
                }
                if lo <= c && c <= hi {
                    matched = true;
                }
            }
            Ok((matched != negated && c != '/').then_some(end))
        }
        lit => Ok((lit == c).then_some(pi + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_filepath_match() {
        assert!(glob_match("*.txt", "a.txt").unwrap());
        assert!(!glob_match("*.txt", "d/a.txt").unwrap());
        assert!(glob_match("d/*.txt", "d/a.txt").unwrap());
        assert!(glob_match("a?c", "abc").unwrap());
        assert!(glob_match("[a-c]x", "bx").unwrap());
        assert!(!glob_match("[^a-c]x", "bx").unwrap());
        assert!(glob_match(".*", ".git").unwrap());
        assert!(glob_match("*", "").unwrap());
        assert!(glob_match("[", "a").is_err());
    }

    #[test]
    fn helmignore_semantics() {
        let mut r = Rules::parse("# c\n.git/\n*.bak\n/top.txt\nsub/x.md\n").unwrap();
        r.add_defaults();
        assert!(r.ignore(".git", true));
        assert!(!r.ignore(".git", false));
        assert!(r.ignore("charts/a/f.bak", false));
        assert!(r.ignore("top.txt", false));
        assert!(!r.ignore("d/top.txt", false));
        assert!(r.ignore("sub/x.md", false));
        assert!(r.ignore("templates/.hidden", false));
        assert!(!r.ignore("templates/a.yaml", false));
        assert!(Rules::parse("a/**/b").is_err());
    }
}
