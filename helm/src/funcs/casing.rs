//! Case conversion for the string functions: Go's `strings.Title`/`ToUpper`/`ToLower`,
//! goutils' `Uncapitalize`/`SwapCase`, and huandu/xstrings' `ToCamelCase`/`ToSnakeCase`/
//! `ToKebabCase` word splitting.

use super::strings::go_is_space;

/// Go's `unicode.ToTitle`, which differs from upper case only for the Latin digraphs.
fn to_title(c: char) -> char {
    match c {
        '\u{1c4}'..='\u{1c6}' => '\u{1c5}',
        '\u{1c7}'..='\u{1c9}' => '\u{1c8}',
        '\u{1ca}'..='\u{1cc}' => '\u{1cb}',
        '\u{1f1}'..='\u{1f3}' => '\u{1f2}',
        c => map_case(c, true),
    }
}

/// One-to-one case mapping as Go's `unicode.ToUpper` does (no "ß" → "SS" expansion).
pub(super) fn map_case(c: char, upper: bool) -> char {
    let mut it: Box<dyn Iterator<Item = char>> = if upper {
        Box::new(c.to_uppercase())
    } else {
        Box::new(c.to_lowercase())
    };
    match (it.next(), it.next()) {
        (Some(m), None) => m,
        _ => c,
    }
}

pub(super) fn go_upper(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    s.chars().map(|c| map_case(c, true)).collect()
}

pub(super) fn go_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars().map(|c| map_case(c, false)).collect()
}

/// Go's deprecated `strings.Title`: upper-cases the first letter of each word, where words are
/// separated by anything but letters, digits and `_` (non-ASCII: only spaces separate).
pub(super) fn go_title(s: &str) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let sep = if prev.is_ascii() {
                !(prev.is_ascii_alphanumeric() || prev == '_')
            } else if prev.is_alphanumeric() {
                false
            } else {
                go_is_space(prev)
            };
            prev = c;
            if sep {
                to_title(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils `Uncapitalize`: lower-cases the first letter of each whitespace-separated word.
pub(super) fn untitle(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if go_is_space(c) {
                next = true;
                c
            } else if next {
                next = false;
                map_case(c, false)
            } else {
                c
            }
        })
        .collect()
}

/// goutils `SwapCase`: upper → lower, lower → upper, except a lower-case letter starting a word
/// becomes title case.
pub(super) fn swapcase(s: &str) -> String {
    let mut ws = true;
    s.chars()
        .map(|c| {
            if c.is_uppercase() {
                ws = false;
                map_case(c, false)
            } else if c.is_lowercase() {
                ws = false;
                map_case(c, true)
            } else {
                ws = go_is_space(c);
                c
            }
        })
        .collect()
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || go_is_space(c)
}

/// xstrings' `isAlphabet`: letters outside the CJK blocks.
fn is_alphabet(c: char) -> bool {
    c.is_alphabetic()
        && !matches!(c as u32, 0x2e80..=0x9fff | 0xac00..=0xd7af | 0xf900..=0xfaff | 0x20000..=0x3134f)
}

fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation() && !matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~')
        || (!c.is_ascii() && !c.is_alphanumeric() && !c.is_whitespace() && !c.is_control())
}

/// xstrings `ToCamelCase`: removes connectors and upper-cases the letter after each; the first
/// letter is upper-cased too; other letters keep their case.
pub(super) fn camelcase(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() && is_connector(chars[i]) {
        out.push(chars[i]);
        i += 1;
    }
    if i == chars.len() {
        return out;
    }
    let mut r0 = map_case(chars[i], true);
    i += 1;
    while i < chars.len() {
        let r1 = r0;
        r0 = chars[i];
        i += 1;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            r0 = map_case(r0, true);
        } else {
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alpha,
    Connector,
    Punct,
    Other,
}

/// xstrings' `nextWord` over chars: the type of the next word, its length in chars.
fn next_word(s: &[char]) -> (Word, usize) {
    if s.is_empty() {
        return (Word::Invalid, 0);
    }
    let r = s[0];
    let run = |from: usize, pred: &dyn Fn(char) -> bool| {
        let mut n = from;
        while n < s.len() && pred(s[n]) {
            n += 1;
        }
        n
    };
    if is_connector(r) {
        (Word::Connector, run(1, &is_connector))
    } else if is_punct(r) {
        (Word::Punct, run(1, &is_punct))
    } else if r.is_uppercase() {
        if s.len() == 1 {
            return (Word::Upper, 1);
        }
        let r2 = s[1];
        if r2.is_uppercase() {
            let mut n = 2;
            while n < s.len() && s[n].is_uppercase() {
                n += 1;
            }
            if n < s.len() && is_alphabet(s[n]) {
                n -= 1;
            }
            (Word::Upper, n)
        } else if is_alphabet(r2) {
            (
                Word::Upper,
                run(2, &|c: char| is_alphabet(c) && !c.is_uppercase()),
            )
        } else {
            (Word::Upper, 1)
        }
    } else if is_alphabet(r) {
        (
            Word::Alpha,
            run(1, &|c: char| is_alphabet(c) && !c.is_uppercase()),
        )
    } else if r.is_numeric() {
        (Word::Number, run(1, &|c: char| c.is_numeric()))
    } else {
        (
            Word::Other,
            run(1, &|c: char| {
                !(is_connector(c) || is_alphabet(c) || c.is_numeric() || is_punct(c))
            }),
        )
    }
}

fn push_lower(out: &mut String, wt: Word, w: &[char], connector: char) {
    if wt != Word::Upper && wt != Word::Connector {
        out.extend(w.iter());
        return;
    }
    for &c in w {
        if is_connector(c) {
            out.push(connector);
        } else if c.is_uppercase() {
            out.push(map_case(c, false));
        } else {
            out.push(c);
        }
    }
}

/// xstrings `camelCaseToLowerCase`, behind `snakecase` and `kebabcase`.
pub(super) fn camel_to_lower(s: &str, connector: char) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(s.len() + 4);
    let mut pos = 0usize;
    let next = |pos: &mut usize| -> (Word, &[char]) {
        let (wt, n) = next_word(&chars[*pos..]);
        let w = &chars[*pos..*pos + n];
        *pos += n;
        (wt, w)
    };
    let (mut wt, mut word) = next(&mut pos);
    while pos < chars.len() {
        if wt != Word::Connector {
            push_lower(&mut out, wt, word, connector);
        }
        let prev = wt;
        let last = word;
        (wt, word) = next(&mut pos);
        match prev {
            Word::Number => {
                while wt == Word::Alpha || wt == Word::Number {
                    push_lower(&mut out, wt, word, connector);
                    (wt, word) = next(&mut pos);
                }
                if wt != Word::Invalid && wt != Word::Punct && wt != Word::Connector {
                    out.push(connector);
                }
            }
            Word::Connector => push_lower(&mut out, prev, last, connector),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                if pos >= chars.len() {
                    continue;
                }
                let last = word;
                (wt, word) = next(&mut pos);
                if wt != Word::Alpha {
                    push_lower(&mut out, Word::Number, last, connector);
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                out.push(connector);
                push_lower(&mut out, Word::Number, last, connector);
                while wt == Word::Alpha || wt == Word::Number {
                    push_lower(&mut out, wt, word, connector);
                    (wt, word) = next(&mut pos);
                }
                if wt != Word::Invalid && wt != Word::Connector && wt != Word::Punct {
                    out.push(connector);
                }
            }
        }
    }
    push_lower(&mut out, wt, word, connector);
    out
}
