//! A fast parser for the plain layout nearly every configuration file has: blocks with quoted
//! or bare labels, one attribute per line, comments between them.
//!
//! It finds where each attribute value ends (minding brackets, strings, interpolations,
//! heredocs and comments) and hands just that text to hcl-edit's expression parser, so values
//! mean exactly what hcl-edit says. Walking the structure itself by hand is several times
//! faster than hcl-edit's body parser, which also keeps every space and comment for
//! formatting. Anything outside the plain layout, and any text that does not parse, returns
//! `None`: the caller then parses the text with hcl-edit, which accepts the rest of HCL and
//! reports syntax errors as always. So this parser never has to be right about what HCL
//! rejects, only about what the plain layout means.

use crate::config::Expr;
use crate::parsed_body::{ParsedAttribute, ParsedBlock, ParsedBody, ParsedItem};
use crate::source_map::{Origin, Span};
use foldhash::{HashMap, HashMapExt};
use hcl_edit::expr::Expression;

/// Parses `text`, which starts at `origin`; `None` when it is not in the plain layout or does
/// not parse.
pub(crate) fn parse_plain(origin: Origin, text: &str) -> Option<ParsedBody> {
    let mut parser = PlainParser {
        text,
        bytes: text.as_bytes(),
        position: 0,
        origin,
        parsed: HashMap::new(),
    };
    parser.body(false)
}

struct PlainParser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    position: usize,
    origin: Origin,
    /// Each distinct value text parsed so far: most values repeat (sizes, node counts,
    /// workspace references), and a clone costs a fraction of a parse. Spans inside an
    /// expression are relative to its text, so a clone's are right wherever the text recurs.
    parsed: HashMap<&'t str, Expression>,
}

impl<'t> PlainParser<'t> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.position + ahead).copied()
    }

    fn span(&self, start: usize, end: usize) -> Span {
        self.origin.range(start..end)
    }

    /// Blocks and attributes until the end of the text, or (`nested`) the `}` closing a block.
    fn body(&mut self, nested: bool) -> Option<ParsedBody> {
        let mut items = Vec::new();
        loop {
            self.skip_trivia()?;
            match self.peek() {
                None if nested => return None,
                None => return Some(ParsedBody { items }),
                Some(b'}') if nested => {
                    self.position += 1;
                    return Some(ParsedBody { items });
                }
                _ => {}
            }
            let (ident, ident_span) = self.ident()?;
            self.skip_spaces();
            if self.peek() == Some(b'=') {
                let value = self.value()?;
                self.end_of_line()?;
                items.push(ParsedItem::Attribute(ParsedAttribute {
                    key: ident,
                    key_span: ident_span,
                    value,
                }));
            } else {
                items.push(ParsedItem::Block(self.block(ident, ident_span)?));
            }
        }
    }

    /// A block after its identifier: labels, then a body over several lines, or `{}`, or one
    /// attribute on the same line.
    fn block(&mut self, ident: String, ident_span: Span) -> Option<ParsedBlock> {
        let mut labels = Vec::new();
        loop {
            match self.peek()? {
                b'{' => break,
                b'"' => labels.push(self.quoted_label()?),
                _ => labels.push(self.ident()?),
            }
            self.skip_spaces();
        }
        self.position += 1;
        self.skip_spaces();
        let body = match self.peek()? {
            b'\n' | b'\r' => {
                self.end_of_line()?;
                self.body(true)?
            }
            b'}' => {
                self.position += 1;
                ParsedBody::default()
            }
            _ => {
                let (key, key_span) = self.ident()?;
                self.skip_spaces();
                if self.peek() != Some(b'=') {
                    return None;
                }
                let value = self.value()?;
                self.skip_spaces();
                if self.peek() != Some(b'}') {
                    return None;
                }
                self.position += 1;
                ParsedBody {
                    items: vec![ParsedItem::Attribute(ParsedAttribute {
                        key,
                        key_span,
                        value,
                    })],
                }
            }
        };
        self.end_of_line()?;
        Some(ParsedBlock {
            ident,
            ident_span,
            labels,
            body,
        })
    }

    /// An identifier of ASCII letters, digits, `_` and `-`, not starting with a digit or `-`.
    fn ident(&mut self) -> Option<(String, Span)> {
        let start = self.position;
        if !matches!(self.peek()?, b'a'..=b'z' | b'A'..=b'Z' | b'_') {
            return None;
        }
        while matches!(
            self.peek(),
            Some(b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-')
        ) {
            self.position += 1;
        }
        // A non-ASCII letter may continue an identifier: leave those to hcl-edit.
        if self.peek().is_some_and(|byte| !byte.is_ascii()) {
            return None;
        }
        Some((
            self.text[start..self.position].to_owned(),
            self.span(start, self.position),
        ))
    }

    /// `"text"` without escapes or interpolation: its text, and its span with the quotes.
    fn quoted_label(&mut self) -> Option<(String, Span)> {
        let start = self.position;
        let length = self.bytes[start + 1..]
            .iter()
            .position(|byte| matches!(byte, b'"' | b'\\' | b'\n' | b'{'))?;
        let end = start + 1 + length;
        if self.bytes[end] != b'"' {
            return None;
        }
        self.position = end + 1;
        Some((
            self.text[start + 1..end].to_owned(),
            self.span(start, self.position),
        ))
    }

    /// The value after `=`, parsed by hcl-edit from exactly its text.
    fn value(&mut self) -> Option<Expr> {
        self.position += 1;
        self.skip_spaces();
        let start = self.position;
        let mut end = expression_end(self.bytes, start, false)?;
        while end > start && matches!(self.bytes[end - 1], b' ' | b'\t' | b'\r') {
            end -= 1;
        }
        if end == start {
            return None;
        }
        let text = &self.text[start..end];
        let expr = match self.parsed.get(text) {
            Some(expr) => expr.clone(),
            None => {
                let expr = hcl_edit::parser::parse_expr(text).ok()?;
                self.parsed.insert(text, expr.clone());
                expr
            }
        };
        self.position = end;
        Some(Expr {
            origin: Origin {
                file: self.origin.file,
                offset: self.origin.offset + start,
            },
            expr,
        })
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.position += 1;
        }
    }

    /// Spaces, line breaks and comments between items. `None` for an unclosed `/*`.
    fn skip_trivia(&mut self) -> Option<()> {
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some(b' ' | b'\t' | b'\r' | b'\n'), _) => self.position += 1,
                (Some(b'#'), _) | (Some(b'/'), Some(b'/')) => {
                    self.position = line_end(self.bytes, self.position)
                }
                (Some(b'/'), Some(b'*')) => {
                    self.position = block_comment_end(self.bytes, self.position)?
                }
                _ => return Some(()),
            }
        }
    }

    /// The rest of a line after an item: spaces, perhaps a comment, then a line break or the
    /// end of the text.
    fn end_of_line(&mut self) -> Option<()> {
        loop {
            self.skip_spaces();
            match (self.peek(), self.peek_at(1)) {
                (None, _) => return Some(()),
                (Some(b'\n'), _) => {
                    self.position += 1;
                    return Some(());
                }
                (Some(b'\r'), Some(b'\n')) => {
                    self.position += 2;
                    return Some(());
                }
                (Some(b'#'), _) | (Some(b'/'), Some(b'/')) => {
                    self.position = line_end(self.bytes, self.position)
                }
                (Some(b'/'), Some(b'*')) => {
                    let end = block_comment_end(self.bytes, self.position)?;
                    if self.bytes[self.position..end].contains(&b'\n') {
                        return None;
                    }
                    self.position = end;
                }
                _ => return None,
            }
        }
    }
}

/// Where the expression starting at `start` ends: at a line break or comment outside brackets
/// (or a `}` closing the block around it); in an `interpolation`, just after its closing `}`.
/// `None` when the text ends first or its brackets do not match.
fn expression_end(bytes: &[u8], start: usize, interpolation: bool) -> Option<usize> {
    let mut closers: Vec<u8> = Vec::new();
    let mut at = start;
    loop {
        let outermost = closers.is_empty() && !interpolation;
        let Some(&byte) = bytes.get(at) else {
            return outermost.then_some(at);
        };
        let next = bytes.get(at + 1).copied();
        match (byte, next) {
            (b'\n', _) if outermost => return Some(at),
            (b'#', _) | (b'/', Some(b'/')) | (b'/', Some(b'*')) if outermost => return Some(at),
            (b'#', _) | (b'/', Some(b'/')) => at = line_end(bytes, at),
            (b'/', Some(b'*')) => at = block_comment_end(bytes, at)?,
            (b'"', _) => at = string_end(bytes, at + 1)?,
            (b'<', Some(b'<')) => at = heredoc_end(bytes, at + 2)?,
            (b'(', _) => {
                closers.push(b')');
                at += 1;
            }
            (b'[', _) => {
                closers.push(b']');
                at += 1;
            }
            (b'{', _) => {
                closers.push(b'}');
                at += 1;
            }
            (b')' | b']' | b'}', _) => match closers.pop() {
                Some(expected) if expected == byte => at += 1,
                Some(_) => return None,
                None if interpolation && byte == b'}' => return Some(at + 1),
                None if byte == b'}' => return Some(at),
                None => return None,
            },
            _ => at += 1,
        }
    }
}

/// Just after the `"` closing the string whose text starts at `start`. `None` at a line break
/// or the end of the text.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut at = start;
    loop {
        match (*bytes.get(at)?, bytes.get(at + 1).copied()) {
            (b'"', _) => return Some(at + 1),
            (b'\n', _) => return None,
            (b'\\', _) => at += 2,
            // `$${` and `%%{` are a literal `${` and `%{`.
            (b'$', Some(b'$')) | (b'%', Some(b'%')) if bytes.get(at + 2) == Some(&b'{') => at += 3,
            (b'$' | b'%', Some(b'{')) => at = expression_end(bytes, at + 2, true)?,
            _ => at += 1,
        }
    }
}

/// Just after the closing marker of the heredoc whose `<<` ends at `start`.
fn heredoc_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut at = start;
    if bytes.get(at) == Some(&b'-') {
        at += 1;
    }
    let marker_start = at;
    while bytes
        .get(at)
        .is_some_and(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-'))
    {
        at += 1;
    }
    let marker = &bytes[marker_start..at];
    if marker.is_empty() || !marker[0].is_ascii_alphabetic() && marker[0] != b'_' {
        return None;
    }
    match bytes.get(at)? {
        b'\n' => at += 1,
        b'\r' if bytes.get(at + 1) == Some(&b'\n') => at += 2,
        _ => return None,
    }
    loop {
        if at >= bytes.len() {
            return None;
        }
        let end = line_end(bytes, at);
        let mut line = &bytes[at..end];
        while let [b' ' | b'\t', rest @ ..] = line {
            line = rest;
        }
        let line_start = end - line.len();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line == marker {
            return Some(line_start + marker.len());
        }
        at = end + 1;
    }
}

/// The position of the line break ending the line that `at` is on (or the end of the text).
fn line_end(bytes: &[u8], at: usize) -> usize {
    bytes[at..]
        .iter()
        .position(|byte| *byte == b'\n')
        .map_or(bytes.len(), |offset| at + offset)
}

/// Just after the `*/` closing the comment that starts at `at`.
fn block_comment_end(bytes: &[u8], at: usize) -> Option<usize> {
    bytes[at + 2..]
        .windows(2)
        .position(|pair| pair == b"*/")
        .map(|offset| at + 2 + offset + 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source_map::FileId;
    use std::fmt::Write;

    /// Every name, label, span and value, to compare what two parsers found.
    fn describe(body: &ParsedBody, out: &mut String) {
        for item in &body.items {
            match item {
                ParsedItem::Attribute(attribute) => {
                    // hcl-edit prints the spaces it kept inside a few expressions in a different
                    // place for a body and for an expression alone: compare the tokens.
                    let value = attribute.value.expr.to_string();
                    let tokens: Vec<&str> = value.split_whitespace().collect();
                    writeln!(
                        out,
                        "{} at {:?} = {} at {:?}",
                        attribute.key,
                        attribute.key_span.range,
                        tokens.join(" "),
                        attribute.value.span().range
                    )
                    .unwrap()
                }
                ParsedItem::Block(block) => {
                    writeln!(
                        out,
                        "{} at {:?} {:?} {{",
                        block.ident, block.ident_span.range, block.labels
                    )
                    .unwrap();
                    describe(&block.body, out);
                    writeln!(out, "}}").unwrap();
                }
            }
        }
    }

    fn both(text: &str) -> (Option<String>, String) {
        // A piece that starts 100 bytes into its file, as a cut file's pieces do.
        let origin = Origin {
            file: FileId(0),
            offset: 100,
        };
        let plain = parse_plain(origin, text).map(|body| {
            let mut out = String::new();
            describe(&body, &mut out);
            out
        });
        let body = hcl_edit::parser::parse_body(text).expect("valid HCL");
        let mut hcl = String::new();
        describe(&ParsedBody::from_hcl(origin, body), &mut hcl);
        (plain, hcl)
    }

    #[test]
    fn the_plain_layout_parses_as_hcl_edit_parses_it() {
        let texts = [
            "",
            "# only a comment\n",
            "a = 1\nb = \"two\"\nc = true\n",
            "a = 1",
            "a = 1\r\nb = 2\r\n",
            "a     = workspace.ws0 # why\nb = x.y[0] // also\nc = 3 /* short */\n",
            "ws \"main\" {\n  name = \"ws\"\n}\n",
            "\n\n/* a\nlong comment */\nblock \"one\" two {\n\n  inner {\n    deep = [1, 2]\n  }\n}\n",
            "identity { type = \"SystemAssigned\" }\nempty {}\nspaced \"x\" {  }\n",
            "after {\n} # closed\n",
            "tags = {\n  owner = \"me\" # inline\n  team  = \"ml\"\n}\n",
            "list = [\n  1, # one\n  2, // two\n  /* three */ 3,\n]\n",
            "s = \"a ${var.b} c ${join(\"-\", [\"}\", \"{\"])} d\"\n",
            "s = \"literal $${not} and %%{not} and \\\" quote\"\n",
            "s = \"%{ if var.x }yes%{ else }no%{ endif }\"\n",
            "h = <<EOT\nline {\n}\n${var.x}\nEOT\nnext = 1\n",
            "h = <<-EOT\n    indented\n    EOT\n",
            "e = (1 +\n  2) * 3 / 4\n",
            "f = [for x in var.list : upper(x) if x != \"\"]\n",
            "o = { for k, v in var.map : k => v... }\n",
            "c = var.a ? \"x\" : \"y\"\n",
            "multi = \"€ and ü\" # non-ASCII inside a string\n",
        ];
        for text in texts {
            let (plain, hcl) = both(text);
            assert_eq!(plain.as_deref(), Some(hcl.as_str()), "{text:?}");
        }
    }

    #[test]
    fn other_layouts_are_left_to_hcl_edit() {
        let texts = [
            // Valid HCL, just not the plain layout.
            "a { # comment after the brace\n}\n",
            "a = 1 /* a comment\n over lines */\n",
            "ü = 1\n",
            "a \"with \\\"escape\\\"\" {\n}\n",
            "a \"${interpolated}\" {\n}\n",
            // Invalid HCL: hcl-edit reports it.
            "a = \n",
            "a = [1,\n",
            "a {\n  b = 1 }\n",
            "a {\n}b = 1\n",
            "a = \"x\"\"y\"\n",
            "a = 1 2\n",
            "a = \"unclosed\n",
            "a = <<EOT\nno end\n",
            "}\n",
            "a {\n",
            "/* open",
        ];
        for text in texts {
            let origin = Origin::file(FileId(0));
            assert!(parse_plain(origin, text).is_none(), "{text:?}");
        }
    }
}
