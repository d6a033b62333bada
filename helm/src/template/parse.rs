//! Go `text/template` parser: items → trees (one for the file, one per `define`/`block`), with
//! Go's checks and messages (undefined functions and variables, misplaced `break`, ...).

use std::sync::Arc;

use super::ast::{Arg, Branch, Builtin, Callee, Command, Node, Pipe, TemplateCall, Tree};
use super::error::TemplateError;
use super::lexer::{lex, Item, ItemType};
use super::literal::{number, unquote};
use crate::funcs::FuncMap;

type PResult<T> = Result<T, Box<TemplateError>>;

/// Go's `maxStackDepth` for nested parenthesized pipelines.
const MAX_PAREN_DEPTH: usize = 10_000;
const STACK_RED_ZONE: usize = 64 * 1024;
const STACK_GROW: usize = 1024 * 1024;

/// What ended an item list.
enum End {
    End,
    /// `{{else}}`, including the start of `{{else if}}` / `{{else with}}`.
    Else,
}

struct Parser<'a, 'f> {
    items: Vec<Item<'a>>,
    idx: usize,
    furthest: usize,
    parse_name: Arc<str>,
    text: Arc<str>,
    funcs: &'f FuncMap,
    vars: Vec<String>,
    range_depth: usize,
    /// Nesting of parenthesized pipelines (Go caps it at 10000).
    paren_depth: usize,
    action_line: usize,
    /// Trees defined so far, in definition order (Go's treeSet).
    trees: Vec<Tree>,
}

/// Parses `text` as template `name`; returns the file's tree followed by its definitions.
pub(crate) fn parse(name: &str, text: &str, funcs: &FuncMap) -> PResult<Vec<Tree>> {
    let parse_name: Arc<str> = Arc::from(name);
    let shared: Arc<str> = Arc::from(text);
    let mut p = Parser {
        items: lex(text),
        idx: 0,
        furthest: 0,
        parse_name,
        text: shared,
        funcs,
        vars: vec!["$".into()],
        range_depth: 0,
        paren_depth: 0,
        action_line: 0,
        trees: Vec::new(),
    };
    let root = p.parse_top()?;
    let tree = Tree {
        name: name.to_string(),
        parse_name: p.parse_name.clone(),
        text: p.text.clone(),
        root,
    };
    p.add(tree)?;
    Ok(p.trees)
}

impl<'a> Parser<'a, '_> {
    fn errorf(&self, msg: impl Into<String>) -> Box<TemplateError> {
        let line = self.items[self.furthest.min(self.items.len() - 1)].line;
        Box::new(TemplateError::parse(&self.parse_name, line, msg))
    }

    fn next(&mut self) -> Item<'a> {
        let i = self.idx.min(self.items.len() - 1);
        self.idx = i + 1;
        self.furthest = self.furthest.max(i);
        self.items[i].clone()
    }

    fn backup(&mut self) {
        self.idx -= 1;
    }

    fn peek(&mut self) -> Item<'a> {
        let it = self.next();
        self.backup();
        it
    }

    fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let it = self.next();
            if it.typ != ItemType::Space {
                return it;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'a> {
        let it = self.next_non_space();
        self.backup();
        it
    }

    fn unexpected(&self, token: &Item<'_>, context: &str) -> Box<TemplateError> {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(
                    " in action started at {}:{}",
                    self.parse_name, self.action_line
                );
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{token}{extra}"));
        }
        self.errorf(format!("unexpected {token} in {context}"))
    }

    fn expect(&mut self, typ: ItemType, context: &str) -> PResult<Item<'a>> {
        let t = self.next_non_space();
        if t.typ != typ {
            return Err(self.unexpected(&t, context));
        }
        Ok(t)
    }

    /// Go's `Tree.add` within one parse: an empty redefinition is ignored, a second non-empty
    /// one is an error.
    fn add(&mut self, tree: Tree) -> PResult<()> {
        if let Some(i) = self.trees.iter().position(|t| t.name == tree.name) {
            if self.trees[i].is_empty() {
                self.trees[i] = tree;
            } else if !tree.is_empty() {
                return Err(self.errorf(format!(
                    "template: multiple definition of template {}",
                    crate::value::go_quote(&tree.name)
                )));
            }
            return Ok(());
        }
        self.trees.push(tree);
        Ok(())
    }

    fn parse_top(&mut self) -> PResult<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let save = self.idx;
                self.next();
                if self.next_non_space().typ == ItemType::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.idx = save;
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.push(n),
                Parsed::End => return Err(self.errorf("unexpected {{end}}")),
                Parsed::Else => return Err(self.errorf("unexpected {{else}}")),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        let context = "define clause";
        let tok = self.next_non_space();
        if tok.typ != ItemType::String && tok.typ != ItemType::RawString {
            return Err(self.unexpected(&tok, context));
        }
        let name = unquote(&tok.val).map_err(|e| self.errorf(e))?;
        self.expect(ItemType::RightDelim, context)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let saved_depth = std::mem::replace(&mut self.range_depth, 0);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        self.range_depth = saved_depth;
        if !matches!(end, End::End) {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {context}")));
        }
        let tree = Tree {
            name,
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root: list,
        };
        self.add(tree)
    }

    fn item_list(&mut self) -> PResult<(Vec<Node>, End)> {
        let mut list = Vec::new();
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.push(n),
                Parsed::End => return Ok((list, End::End)),
                Parsed::Else => return Ok((list, End::Else)),
            }
        }
        Err(self.errorf("unexpected EOF"))
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let tok = self.next_non_space();
        match tok.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text(tok.val.into()))),
            ItemType::LeftDelim => {
                self.action_line = tok.line;
                let r = self.action();
                self.action_line = 0;
                r
            }
            _ => Err(self.unexpected(&tok, "input")),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let tok = self.next_non_space();
        match tok.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break | ItemType::Continue => {
                let what = if tok.typ == ItemType::Break {
                    "break"
                } else {
                    "continue"
                };
                let t = self.next_non_space();
                if t.typ != ItemType::RightDelim {
                    return Err(self.unexpected(&t, &format!("{{{{{what}}}}}")));
                }
                if self.range_depth == 0 {
                    return Err(self.errorf(format!("{{{{{what}}}}} outside {{{{range}}}}")));
                }
                return Ok(Parsed::Node(if tok.typ == ItemType::Break {
                    Node::Break
                } else {
                    Node::Continue
                }));
            }
            ItemType::Else => {
                let peek = self.peek_non_space();
                if peek.typ == ItemType::If || peek.typ == ItemType::With {
                    return Ok(Parsed::Else);
                }
                self.expect(ItemType::RightDelim, "else")?;
                return Ok(Parsed::Else);
            }
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.control("if").map(|b| Parsed::Node(Node::If(b))),
            ItemType::Range => return self.control("range").map(|b| Parsed::Node(Node::Range(b))),
            ItemType::With => return self.control("with").map(|b| Parsed::Node(Node::With(b))),
            ItemType::Template => return self.template_control().map(Parsed::Node),
            _ => {}
        }
        self.backup();
        // Variables declared by a bare action persist until the enclosing "end".
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action(pipe)))
    }

    fn control(&mut self, context: &str) -> PResult<Box<Branch>> {
        let vars_mark = self.vars.len();
        // Deeply nested control structures recurse; grow the stack rather than overflow.
        let r = stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || self.control_inner(context));
        self.vars.truncate(vars_mark);
        r
    }

    fn control_inner(&mut self, context: &str) -> PResult<Box<Branch>> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let r = self.item_list();
        if context == "range" {
            self.range_depth -= 1;
        }
        let (list, end) = r?;
        let mut else_list = None;
        if let End::Else = end {
            let peek = self.peek();
            if context == "if" && peek.typ == ItemType::If {
                self.next();
                let b = self.control("if")?;
                else_list = Some(vec![Node::If(b)]);
            } else if context == "with" && peek.typ == ItemType::With {
                self.next();
                let b = self.control("with")?;
                else_list = Some(vec![Node::With(b)]);
            } else {
                // `{{else if}}` outside an if (or `{{else with}}` outside a with) leaves the
                // keyword to the item list, which rejects it as Go does.
                let (l, end2) = self.item_list()?;
                if !matches!(end2, End::End) {
                    return Err(self.errorf("expected end; found {{else}}"));
                }
                else_list = Some(l);
            }
        }
        Ok(Box::new(Branch {
            pipe,
            list,
            else_list,
        }))
    }

    fn template_control(&mut self) -> PResult<Node> {
        let context = "template clause";
        let tok = self.next_non_space();
        let name = self.template_name(&tok, context)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(context, ItemType::RightDelim)?);
        }
        Ok(Node::Template(Box::new(TemplateCall {
            pos: tok.pos,
            name,
            pipe,
        })))
    }

    fn template_name(&self, tok: &Item<'_>, context: &str) -> PResult<String> {
        match tok.typ {
            ItemType::String | ItemType::RawString => unquote(&tok.val).map_err(|e| self.errorf(e)),
            _ => Err(self.unexpected(tok, context)),
        }
    }

    fn block_control(&mut self) -> PResult<Node> {
        let context = "block clause";
        let tok = self.next_non_space();
        let name = self.template_name(&tok, context)?;
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let saved_depth = std::mem::replace(&mut self.range_depth, 0);
        let r = self.item_list();
        self.vars = saved_vars;
        self.range_depth = saved_depth;
        let (list, end) = r?;
        if !matches!(end, End::End) {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {context}")));
        }
        self.add(Tree {
            name: name.clone(),
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root: list,
        })?;
        Ok(Node::Template(Box::new(TemplateCall {
            pos: tok.pos,
            name,
            pipe: Some(pipe),
        })))
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        let start = self.peek_non_space();
        let mut pipe = Pipe {
            pos: start.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            let save = self.idx;
            self.next_non_space();
            let next = self.peek_non_space();
            match next.typ {
                ItemType::Assign | ItemType::Declare => {
                    pipe.is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    pipe.decl.push(v.val.as_ref().into());
                    self.vars.push(v.val.to_string());
                }
                ItemType::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push(v.val.as_ref().into());
                    self.vars.push(v.val.to_string());
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().typ {
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                                continue;
                            }
                            _ => return Err(self.errorf("range can only initialize variables")),
                        }
                    }
                    return Err(self.errorf(format!("too many declarations in {context}")));
                }
                _ => self.idx = save,
            }
            break;
        }
        loop {
            let tok = self.next_non_space();
            if tok.typ == end {
                self.check_pipeline(&pipe, context)?;
                return Ok(pipe);
            }
            match tok.typ {
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return Err(self.unexpected(&tok, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args[0],
                Arg::Bool(..) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number { .. } | Arg::Str { .. }
            ) {
                return Err(self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command {
            pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                cmd.args.push(op);
            }
            let tok = self.next();
            match tok.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return Err(self.unexpected(&tok, "operand")),
            }
            break;
        }
        if cmd.args.is_empty() {
            return Err(self.errorf("empty command"));
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().pos;
        let mut fields: Vec<Box<str>> = Vec::new();
        while self.peek().typ == ItemType::Field {
            let f = self.next();
            fields.push(f.val[1..].into());
        }
        // As Go does, fields after a field or variable extend it (taking the position of the
        // first extra field); literals cannot have fields.
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.extend(fields);
                Arg::Field {
                    pos: chain_pos,
                    idents,
                }
            }
            Arg::Variable {
                name,
                fields: mut f0,
                ..
            } => {
                f0.extend(fields);
                Arg::Variable {
                    pos: chain_pos,
                    name,
                    fields: f0,
                }
            }
            Arg::Bool(..) | Arg::Str { .. } | Arg::Number { .. } | Arg::Nil(_) | Arg::Dot(_) => {
                return Err(self.errorf(format!(
                    "unexpected . after term {}",
                    crate::value::go_quote(&node.to_string())
                )));
            }
            other => Arg::Chain {
                pos: chain_pos,
                node: Box::new(other),
                fields,
            },
        }))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let tok = self.next_non_space();
        Ok(Some(match tok.typ {
            ItemType::Identifier => {
                let name: &str = &tok.val;
                let callee = if let Some(b) = Builtin::engine(name) {
                    Callee::Builtin(b)
                } else if let Some(f) = self.funcs.get(name) {
                    Callee::Func(f)
                } else if let Some(b) = Builtin::from_name(name) {
                    Callee::Builtin(b)
                } else {
                    return Err(self.errorf(format!(
                        "function {} not defined",
                        crate::value::go_quote(name)
                    )));
                };
                Arg::Ident {
                    pos: tok.pos,
                    name: name.into(),
                    callee,
                }
            }
            ItemType::Dot => Arg::Dot(tok.pos),
            ItemType::Nil => Arg::Nil(tok.pos),
            ItemType::Variable => {
                let name: &str = &tok.val;
                if !self.vars.iter().any(|v| v == name) {
                    return Err(self.errorf(format!(
                        "undefined variable {}",
                        crate::value::go_quote(name)
                    )));
                }
                Arg::Variable {
                    pos: tok.pos,
                    name: name.into(),
                    fields: Vec::new(),
                }
            }
            ItemType::Field => Arg::Field {
                pos: tok.pos,
                idents: vec![tok.val[1..].into()],
            },
            ItemType::Bool => Arg::Bool(tok.pos, &*tok.val == "true"),
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                let value = number(&tok).map_err(|e| self.errorf(e))?;
                Arg::Number {
                    pos: tok.pos,
                    text: tok.val.as_ref().into(),
                    value,
                }
            }
            ItemType::LeftParen => {
                if self.paren_depth >= MAX_PAREN_DEPTH {
                    return Err(self.errorf("max expression depth exceeded"));
                }
                self.paren_depth += 1;
                let r = stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || {
                    self.pipeline("parenthesized pipeline", ItemType::RightParen)
                });
                self.paren_depth -= 1;
                Arg::Pipe(Box::new(r?))
            }
            ItemType::String | ItemType::RawString => {
                let value = unquote(&tok.val).map_err(|e| self.errorf(e))?;
                Arg::Str {
                    pos: tok.pos,
                    quoted: tok.val.as_ref().into(),
                    value: value.into(),
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

enum Parsed {
    Node(Node),
    End,
    Else,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        let funcs = FuncMap::new();
        parse("t.yaml", text, &funcs).unwrap_err().to_string()
    }

    #[test]
    fn parse_errors_match_go() {
        let cases = [
            (
                "{{ foo }}",
                "template: t.yaml:1: function \"foo\" not defined",
            ),
            (
                "a\n{{ $x }}",
                "template: t.yaml:2: undefined variable \"$x\"",
            ),
            ("{{ if .a }}\nx", "template: t.yaml:2: unexpected EOF"),
            ("{{ end }}", "template: t.yaml:1: unexpected {{end}}"),
            ("{{ else }}", "template: t.yaml:1: unexpected {{else}}"),
            (
                "{{ break }}",
                "template: t.yaml:1: {{break}} outside {{range}}",
            ),
            (
                "{{ if }}{{ end }}",
                "template: t.yaml:1: missing value for if",
            ),
            (
                "{{ . | 3 }}",
                "template: t.yaml:1: non executable command in pipeline stage 2",
            ),
            (
                "{{ \"x\".y }}",
                "template: t.yaml:1: unexpected . after term \"\\\"x\\\"\"",
            ),
            ("{{ .a }", "template: t.yaml:1: unexpected \"}\" in operand"),
            (
                "{{ .a\n\n",
                "template: t.yaml:3: unclosed action started at t.yaml:1",
            ),
            (
                "{{define \"a\"}}x{{end}}{{define \"a\"}}y{{end}}",
                "template: t.yaml:1: template: multiple definition of template \"a\"",
            ),
            (
                "{{ 99999999999999999999 }}",
                "template: t.yaml:1: integer overflow: \"99999999999999999999\"",
            ),
            (
                "{{ range $a, $b, $c := . }}{{end}}",
                "template: t.yaml:1: too many declarations in range",
            ),
            (
                "{{ with $a, $b := . }}{{end}}",
                "template: t.yaml:1: too many declarations in with",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(err(text), want, "{text}");
        }
    }

    /// Go's parse_test.go error table (name, input, substring of the error).
    #[test]
    fn go_error_table() {
        let deep = format!("{{{{{}1{}}}}}", "(".repeat(10_001), ")".repeat(10_001));
        let cases = [
            (
                "deep",
                deep.as_str(),
                "deep:1: max expression depth exceeded",
            ),
            ("unclosed1", "line1\n{{", "unclosed1:2: unclosed action"),
            (
                "unclosed2",
                "line1\n{{define `x`}}line2\n{{",
                "unclosed2:3: unclosed action",
            ),
            (
                "unclosed3",
                "line1\n{{\"x\"\n\"y\"\n",
                "unclosed3:4: unclosed action started at unclosed3:2",
            ),
            (
                "unclosed4",
                "{{\n\n\n\n\n",
                "unclosed4:6: unclosed action started at unclosed4:1",
            ),
            (
                "var1",
                "line1\n{{\nx\n}}",
                "var1:3: function \"x\" not defined",
            ),
            ("function", "{{foo}}", "function \"foo\" not defined"),
            ("comment1", "{{/*}}", "comment1:1: unclosed comment"),
            (
                "comment2",
                "{{/*\nhello\n}}",
                "comment2:1: unclosed comment",
            ),
            ("lparen", "{{.X (1 2 3}}", "unclosed left paren"),
            ("rparen", "{{.X 1 2 3 ) }}", "unexpected right paren"),
            ("rparen2", "{{(.X 1 2 3", "unclosed action"),
            ("space", "{{`x`3}}", "in operand"),
            ("idchar", "{{a#}}", "'#'"),
            ("charconst", "{{'a}}", "unterminated character constant"),
            ("stringconst", "{{\"a}}", "unterminated quoted string"),
            ("rawstringconst", "{{`a}}", "unterminated raw quoted string"),
            ("number", "{{0xi}}", "number syntax"),
            (
                "multidefine",
                "{{define `a`}}a{{end}}{{define `a`}}b{{end}}",
                "multiple definition of template",
            ),
            ("eof", "{{range .X}}", "unexpected EOF"),
            (
                "variable",
                "{{$x := 23}}{{with $x.y := 3}}{{$x 23}}{{end}}",
                "unexpected \":=\"",
            ),
            ("multidecl", "{{$a,$b,$c := 23}}", "too many declarations"),
            ("undefvar", "{{$a}}", "undefined variable"),
            ("wrongdot", "{{true.any}}", "unexpected . after term"),
            (
                "wrongpipeline",
                "{{12|false}}",
                "non executable command in pipeline",
            ),
            (
                "emptypipeline",
                "{{ ( ) }}",
                "missing value for parenthesized pipeline",
            ),
            (
                "multilinerawstring",
                "{{ $v := `\n` }} {{",
                "multilinerawstring:2: unclosed action",
            ),
            ("rangeundefvar", "{{range $k}}{{end}}", "undefined variable"),
            (
                "rangeundefvars",
                "{{range $k, $v}}{{end}}",
                "undefined variable",
            ),
            (
                "rangemissingvalue1",
                "{{range $k,}}{{end}}",
                "missing value for range",
            ),
            (
                "rangemissingvalue2",
                "{{range $k, $v := }}{{end}}",
                "missing value for range",
            ),
            (
                "rangenotvariable1",
                "{{range $k, .}}{{end}}",
                "range can only initialize variables",
            ),
            (
                "rangenotvariable2",
                "{{range $k, 123 := .}}{{end}}",
                "range can only initialize variables",
            ),
        ];
        let funcs = FuncMap::new();
        let mut failures = Vec::new();
        for (name, input, want) in cases {
            match parse(name, input, &funcs) {
                Err(e) if e.to_string().contains(want) => {}
                Err(e) => failures.push(format!("{name}: {e} does not contain {want}")),
                Ok(_) => failures.push(format!("{name}: no error")),
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
