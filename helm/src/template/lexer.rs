//! Go `text/template` lexer: splits template text into items (text, delimiters, operands,
//! keywords), applying `{{- ` / ` -}}` trim markers and dropping comments, as Go's lex.go does.

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemType {
    Error,
    Bool,
    Char,
    CharConstant,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // Keywords.
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl ItemType {
    fn is_keyword(self) -> bool {
        matches!(
            self,
            ItemType::Block
                | ItemType::Break
                | ItemType::Continue
                | ItemType::Dot
                | ItemType::Define
                | ItemType::Else
                | ItemType::End
                | ItemType::If
                | ItemType::Nil
                | ItemType::Range
                | ItemType::Template
                | ItemType::With
        )
    }
}

/// One lexed item. `val` is the source slice, except for errors where it is the message.
#[derive(Debug, Clone)]
pub(crate) struct Item<'a> {
    pub typ: ItemType,
    pub pos: usize,
    pub line: usize,
    pub val: std::borrow::Cow<'a, str>,
}

impl std::fmt::Display for Item<'_> {
    /// Go's `item.String()`, used in "unexpected X in Y" messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.typ {
            ItemType::Eof => f.write_str("EOF"),
            ItemType::Error => f.write_str(&self.val),
            t if t.is_keyword() => write!(f, "<{}>", self.val),
            _ => {
                // Go tests the byte length, then `%.10q` keeps ten runes.
                if self.val.len() > 10 {
                    let short: String = self.val.chars().take(10).collect();
                    write!(f, "{}...", crate::value::go_quote(&short))
                } else {
                    f.write_str(&crate::value::go_quote(&self.val))
                }
            }
        }
    }
}

const LEFT: &str = "{{";
const RIGHT: &str = "}}";
const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

fn has_left_trim(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space(b[1] as char)
}

fn has_right_trim(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && is_space(b[0] as char) && b[1] == b'-'
}

/// Go's `%#U` rendering of a rune: `U+0026 '&'`.
pub(crate) fn sharp_u(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} '{}'", c as u32, c)
    }
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    line: usize,
    start_line: usize,
    paren_depth: i32,
    items: Vec<Item<'a>>,
}

/// Lexes the whole input; the last item is `Eof` or `Error`.
pub(crate) fn lex(input: &str) -> Vec<Item<'_>> {
    let mut l = Lexer {
        input,
        pos: 0,
        start: 0,
        line: 1,
        start_line: 1,
        paren_depth: 0,
        items: Vec::new(),
    };
    l.run();
    l.items
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.input[self.pos..].chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn backup_char(&mut self, c: char) {
        self.pos -= c.len_utf8();
        if c == '\n' {
            self.line -= 1;
        }
    }

    fn emit(&mut self, typ: ItemType) {
        self.items.push(Item {
            typ,
            pos: self.start,
            line: self.start_line,
            val: std::borrow::Cow::Borrowed(&self.input[self.start..self.pos]),
        });
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn ignore(&mut self) {
        self.line += self.input[self.start..self.pos].matches('\n').count();
        self.start = self.pos;
        self.start_line = self.line;
    }

    /// Records an error item; lexing stops.
    fn error(&mut self, msg: String) -> bool {
        self.items.push(Item {
            typ: ItemType::Error,
            pos: self.start,
            line: self.start_line,
            val: std::borrow::Cow::Owned(msg),
        });
        false
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.peek() {
            Some(c) if valid.contains(c) => {
                self.next();
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn run(&mut self) {
        loop {
            if !self.lex_text() {
                return;
            }
            if !self.lex_left_delim() {
                return;
            }
        }
    }

    /// Text up to the next `{{`; returns false at EOF (after emitting it).
    fn lex_text(&mut self) -> bool {
        let rest = &self.input[self.pos..];
        if let Some(x) = rest.find(LEFT) {
            if x > 0 {
                self.pos += x;
                let delim_end = self.pos + LEFT.len();
                let mut trim = 0;
                if has_left_trim(&self.input[delim_end..]) {
                    let text = &self.input[self.start..self.pos];
                    trim = text.len() - text.trim_end_matches(is_space).len();
                }
                self.pos -= trim;
                self.line += self.input[self.start..self.pos].matches('\n').count();
                if self.pos > self.start {
                    self.emit(ItemType::Text);
                }
                self.pos += trim;
                self.ignore();
            }
            true
        } else {
            self.pos = self.input.len();
            if self.pos > self.start {
                self.line += self.input[self.start..self.pos].matches('\n').count();
                self.emit(ItemType::Text);
            }
            self.emit(ItemType::Eof);
            false
        }
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = &self.input[self.pos..];
        if has_right_trim(rest) && rest[2..].starts_with(RIGHT) {
            return (true, true);
        }
        (rest.starts_with(RIGHT), false)
    }

    fn lex_left_delim(&mut self) -> bool {
        self.pos += LEFT.len();
        let trim = has_left_trim(&self.input[self.pos..]);
        let after = if trim { 2 } else { 0 };
        if self.input[self.pos + after..].starts_with(LEFT_COMMENT) {
            self.pos += after;
            self.ignore();
            return self.lex_comment();
        }
        self.emit(ItemType::LeftDelim);
        self.pos += after;
        self.ignore();
        self.paren_depth = 0;
        self.lex_inside_action()
    }

    fn lex_comment(&mut self) -> bool {
        self.pos += LEFT_COMMENT.len();
        let Some(x) = self.input[self.pos..].find(RIGHT_COMMENT) else {
            return self.error("unclosed comment".into());
        };
        self.pos += x + RIGHT_COMMENT.len();
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.error("comment ends before closing delimiter".into());
        }
        if trim {
            self.pos += 2;
        }
        self.pos += RIGHT.len();
        if trim {
            let rest = &self.input[self.pos..];
            self.pos += rest.len() - rest.trim_start_matches(is_space).len();
        }
        self.ignore();
        true
    }

    fn lex_right_delim(&mut self) -> bool {
        let (_, trim) = self.at_right_delim();
        if trim {
            self.pos += 2;
            self.ignore();
        }
        self.pos += RIGHT.len();
        self.emit(ItemType::RightDelim);
        if trim {
            let rest = &self.input[self.pos..];
            self.pos += rest.len() - rest.trim_start_matches(is_space).len();
            self.ignore();
        }
        true
    }

    fn lex_inside_action(&mut self) -> bool {
        loop {
            let (delim, _) = self.at_right_delim();
            if delim {
                if self.paren_depth == 0 {
                    return self.lex_right_delim();
                }
                return self.error("unclosed left paren".into());
            }
            let Some(r) = self.next() else {
                return self.error("unclosed action".into());
            };
            let ok = match r {
                c if is_space(c) => {
                    self.backup_char(c);
                    match self.lex_space() {
                        Some(done) => return done,
                        None => true,
                    }
                }
                '=' => {
                    self.emit(ItemType::Assign);
                    true
                }
                ':' => {
                    if self.next() != Some('=') {
                        return self.error("expected :=".into());
                    }
                    self.emit(ItemType::Declare);
                    true
                }
                '|' => {
                    self.emit(ItemType::Pipe);
                    true
                }
                '"' => self.lex_quoted('"', ItemType::String, "quoted string"),
                '`' => self.lex_raw_quote(),
                '$' => self.lex_field_or_variable(ItemType::Variable),
                '\'' => self.lex_quoted('\'', ItemType::CharConstant, "character constant"),
                '.' => {
                    match self.peek() {
                        Some(c) if c.is_ascii_digit() => {
                            self.backup_char('.');
                            self.lex_number()
                        }
                        // At EOF Go falls through to lexNumber, which then fails.
                        None => {
                            self.backup_char('.');
                            self.lex_number()
                        }
                        _ => self.lex_field_or_variable(ItemType::Field),
                    }
                }
                '+' | '-' | '0'..='9' => {
                    self.backup_char(r);
                    self.lex_number()
                }
                c if is_alnum(c) => {
                    self.backup_char(c);
                    self.lex_identifier()
                }
                '(' => {
                    self.paren_depth += 1;
                    self.emit(ItemType::LeftParen);
                    true
                }
                ')' => {
                    self.paren_depth -= 1;
                    if self.paren_depth < 0 {
                        return self.error("unexpected right paren".into());
                    }
                    self.emit(ItemType::RightParen);
                    true
                }
                c if c.is_ascii() && !c.is_ascii_control() => {
                    self.emit(ItemType::Char);
                    true
                }
                c => {
                    return self.error(format!("unrecognized character in action: {}", sharp_u(c)))
                }
            };
            if !ok {
                return false;
            }
        }
    }

    /// A run of spaces. Returns `Some(result)` when it ended the action (a ` -}}` follows).
    fn lex_space(&mut self) -> Option<bool> {
        let mut n = 0;
        while let Some(c) = self.peek() {
            if !is_space(c) {
                break;
            }
            self.next();
            n += 1;
        }
        let before = self.pos - 1;
        if has_right_trim(&self.input[before..]) && self.input[before + 2..].starts_with(RIGHT) {
            // Leave the last space for the ` -}}` marker.
            self.backup_char(self.input[before..].chars().next().unwrap_or(' '));
            if n == 1 {
                return Some(self.lex_right_delim());
            }
        }
        self.emit(ItemType::Space);
        None
    }

    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if is_space(c) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => self.input[self.pos..].starts_with(RIGHT),
        }
    }

    /// Consumes alphanumerics; the word must then end at a terminator (Go's "bad character").
    fn scan_word(&mut self) -> bool {
        let last = loop {
            match self.next() {
                Some(c) if is_alnum(c) => {}
                other => {
                    if let Some(c) = other {
                        self.backup_char(c);
                    }
                    break other;
                }
            }
        };
        self.at_terminator()
            || self.error(format!("bad character {}", sharp_u(last.unwrap_or('\0'))))
    }

    fn lex_identifier(&mut self) -> bool {
        if !self.scan_word() {
            return false;
        }
        let word = &self.input[self.start..self.pos];
        let typ = match word {
            "block" => ItemType::Block,
            "break" => ItemType::Break,
            "continue" => ItemType::Continue,
            "define" => ItemType::Define,
            "else" => ItemType::Else,
            "end" => ItemType::End,
            "if" => ItemType::If,
            "range" => ItemType::Range,
            "nil" => ItemType::Nil,
            "template" => ItemType::Template,
            "with" => ItemType::With,
            "true" | "false" => ItemType::Bool,
            _ => ItemType::Identifier,
        };
        self.emit(typ);
        true
    }

    /// `$x` or `.Field` (the leading char is consumed).
    fn lex_field_or_variable(&mut self, typ: ItemType) -> bool {
        if self.at_terminator() {
            self.emit(if typ == ItemType::Variable {
                ItemType::Variable
            } else {
                ItemType::Dot
            });
            return true;
        }
        if !self.scan_word() {
            return false;
        }
        self.emit(typ);
        true
    }

    /// A `"…"` string or `'…'` character constant (the opening quote consumed): escapes skip
    /// the next character, a newline or the end of input leaves it unterminated.
    fn lex_quoted(&mut self, quote: char, typ: ItemType, what: &str) -> bool {
        loop {
            match self.next() {
                Some('\\') => {
                    if matches!(self.next(), Some('\n') | None) {
                        return self.error(format!("unterminated {what}"));
                    }
                }
                Some('\n') | None => return self.error(format!("unterminated {what}")),
                Some(c) if c == quote => break,
                _ => {}
            }
        }
        self.emit(typ);
        true
    }

    fn lex_raw_quote(&mut self) -> bool {
        loop {
            match self.next() {
                None => return self.error("unterminated raw quoted string".into()),
                Some('`') => break,
                _ => {}
            }
        }
        self.emit(ItemType::RawString);
        true
    }

    fn lex_number(&mut self) -> bool {
        if !self.scan_number() {
            let text = self.input[self.start..self.pos].to_string();
            return self.error(format!(
                "bad number syntax: {}",
                crate::value::go_quote(&text)
            ));
        }
        if matches!(self.peek(), Some('+' | '-')) {
            if !self.scan_number() || !self.input[..self.pos].ends_with('i') {
                let text = self.input[self.start..self.pos].to_string();
                return self.error(format!(
                    "bad number syntax: {}",
                    crate::value::go_quote(&text)
                ));
            }
            self.emit(ItemType::Complex);
            return true;
        }
        self.emit(ItemType::Number);
        true
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if let Some(c) = self.peek() {
            if is_alnum(c) {
                self.next();
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(ItemType, String)> {
        lex(s)
            .into_iter()
            .map(|i| (i.typ, i.val.into_owned()))
            .collect()
    }

    #[test]
    fn trim_markers_and_comments() {
        use ItemType::*;
        assert_eq!(
            kinds("a  {{- 3 -}}  b"),
            vec![
                (Text, "a".into()),
                (LeftDelim, "{{".into()),
                (Number, "3".into()),
                (RightDelim, "}}".into()),
                (Text, "b".into()),
                (Eof, "".into())
            ]
        );
        assert_eq!(
            kinds("x {{- /* c */ -}}\n y"),
            vec![(Text, "x".into()), (Text, "y".into()), (Eof, "".into())]
        );
        assert_eq!(kinds("{{-3}}")[1], (Number, "-3".into()));
    }

    #[test]
    fn operands() {
        use ItemType::*;
        let k = kinds("{{$x := .a.b | f 'c' `r` \"s\\\"\" 0x1F 1_000 1.5e3 nil true}}");
        let types: Vec<ItemType> = k.iter().map(|x| x.0).filter(|t| *t != Space).collect();
        assert_eq!(
            types,
            vec![
                LeftDelim,
                Variable,
                Declare,
                Field,
                Field,
                Pipe,
                Identifier,
                CharConstant,
                RawString,
                String,
                Number,
                Number,
                Number,
                Nil,
                Bool,
                RightDelim,
                Eof
            ]
        );
    }

    #[test]
    fn errors() {
        let last = |s: &str| lex(s).pop().unwrap().val.into_owned();
        assert_eq!(last("{{ x"), "unclosed action");
        assert_eq!(
            last("{{/* x */ x }}"),
            "comment ends before closing delimiter"
        );
        assert_eq!(last("{{/* x "), "unclosed comment");
        assert_eq!(last("{{ a&b }}"), "bad character U+0026 '&'");
        assert_eq!(last("{{ 3x }}"), "bad number syntax: \"3x\"");
        assert_eq!(last("{{ \"abc }}"), "unterminated quoted string");
        assert_eq!(last("{{ ) }}"), "unexpected right paren");
        assert_eq!(last("{{ ( }}"), "unclosed left paren");
    }
}
