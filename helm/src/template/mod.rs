//! Go `text/template`: lexer, parser and executor, with Helm's `include`/`tpl` bound to the set.
