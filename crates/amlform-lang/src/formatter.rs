//! `amlform fmt`: canonical indentation (two spaces per nesting level) and `=` alignment in runs
//! of consecutive attributes, keeping every comment and blank line. It only re-indents and
//! re-spaces lines; string, heredoc and comment contents are never touched, so formatting cannot
//! change meaning, and formatting formatted text changes nothing.

use std::fmt;

/// The file does not parse, so it is not formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for FormatError {}

/// Formats one file's text; `Err` when it does not parse.
pub fn format_source(text: &str) -> Result<String, FormatError> {
    if let Err(error) = hcl_edit::parser::parse_body(text) {
        return Err(FormatError {
            message: error.message().to_owned(),
            line: error.location().line(),
            column: error.location().column(),
        });
    }
    let lines = classify(text);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut i = 0;
    while i < lines.len() {
        match &lines[i].kind {
            LineKind::Attribute { .. } => {
                let start = i;
                let depth = lines[i].depth;
                while i < lines.len()
                    && matches!(lines[i].kind, LineKind::Attribute { .. })
                    && lines[i].depth == depth
                {
                    i += 1;
                }
                let width = lines[start..i]
                    .iter()
                    .map(|l| match &l.kind {
                        LineKind::Attribute { key, .. } => key.chars().count(),
                        _ => 0,
                    })
                    .max()
                    .unwrap_or(0);
                for line in &lines[start..i] {
                    if let LineKind::Attribute { key, value } = &line.kind {
                        indent(&mut out, line.depth);
                        out.push_str(key);
                        for _ in key.chars().count()..width {
                            out.push(' ');
                        }
                        out.push_str(" =");
                        if !value.is_empty() {
                            out.push(' ');
                            out.push_str(value);
                        }
                        out.push('\n');
                    }
                }
                continue;
            }
            LineKind::Verbatim(raw) => out.push_str(raw),
            LineKind::Blank => {}
            LineKind::Code(code) => {
                indent(&mut out, lines[i].depth);
                out.push_str(code);
            }
        }
        out.push('\n');
        i += 1;
    }
    // Exactly one newline at the end; no leading or trailing blank lines.
    let trimmed = out.trim_matches('\n');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    Ok(format!("{trimmed}\n"))
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

#[derive(Debug)]
struct Line {
    depth: usize,
    kind: LineKind,
}

#[derive(Debug)]
enum LineKind {
    Blank,
    /// Inside a multi-line string, heredoc or block comment: kept byte for byte.
    Verbatim(String),
    /// `key = value` directly in a block or object body.
    Attribute {
        key: String,
        value: String,
    },
    Code(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Context {
    Brace,
    Bracket,
    Paren,
    /// `${ ... }` or `%{ ... }` inside a string.
    Interpolation,
    String,
    BlockComment,
    Heredoc {
        marker: String,
    },
}

/// Splits the text into lines, each with its nesting depth and kind.
fn classify(text: &str) -> Vec<Line> {
    let mut stack: Vec<Context> = Vec::new();
    let mut out = Vec::new();
    for raw in text.lines() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let inside_literal = matches!(
            stack.last(),
            Some(Context::String | Context::BlockComment | Context::Heredoc { .. })
        ) || stack.contains(&Context::Interpolation);
        if let Some(Context::Heredoc { marker }) = stack.last() {
            if raw.trim() == marker {
                stack.pop();
            }
            out.push(Line {
                depth: 0,
                kind: LineKind::Verbatim(raw.trim_end().to_owned()),
            });
            continue;
        }
        let depth_before = structural_depth(&stack);
        let trimmed = raw.trim();
        scan(raw, &mut stack);
        if inside_literal {
            out.push(Line {
                depth: 0,
                kind: LineKind::Verbatim(raw.to_owned()),
            });
            continue;
        }
        if trimmed.is_empty() {
            out.push(Line {
                depth: 0,
                kind: LineKind::Blank,
            });
            continue;
        }
        let closes_first = trimmed.starts_with(['}', ']', ')']);
        let depth = if closes_first {
            depth_before.saturating_sub(1)
        } else {
            depth_before
        };
        let in_body = depth_before == 0
            || matches!(
                last_structural(&stack_before_line(raw, &stack)),
                Some(Context::Brace)
            );
        let kind = match attribute_parts(trimmed) {
            Some((key, value)) if in_body && !closes_first => LineKind::Attribute {
                key: key.to_owned(),
                value: value.to_owned(),
            },
            _ => LineKind::Code(trimmed.to_owned()),
        };
        out.push(Line { depth, kind });
    }
    out
}

/// The innermost bracket context of the line's start, recomputed cheaply: the stack after the
/// line minus what the line itself opened is not tracked, so scan the line's own effect.
fn stack_before_line(raw: &str, after: &[Context]) -> Vec<Context> {
    // Re-scan the line from the stack it ends with is not possible backwards; instead, callers
    // only need the innermost structural context at the start of the line, which is the same
    // as at the end for lines that open and close nothing. For lines that change nesting, the
    // `key = ` prefix appears before any bracket, so the context at the start is what remains
    // after removing the brackets this line opened.
    let mut opened = Vec::new();
    scan(raw, &mut opened);
    let keep = after.len().saturating_sub(opened.len());
    after[..keep].to_vec()
}

fn structural_depth(stack: &[Context]) -> usize {
    stack
        .iter()
        .filter(|c| matches!(c, Context::Brace | Context::Bracket | Context::Paren))
        .count()
}

fn last_structural(stack: &[Context]) -> Option<&Context> {
    stack
        .iter()
        .rev()
        .find(|c| matches!(c, Context::Brace | Context::Bracket | Context::Paren))
}

/// `key = value` at the start of a line: an identifier or quoted key, then `=` (not `==`).
fn attribute_parts(line: &str) -> Option<(&str, &str)> {
    let key_end = if let Some(rest) = line.strip_prefix('"') {
        let close = rest.find('"')?;
        close + 2
    } else {
        let first = line.chars().next()?;
        if !(first.is_alphabetic() || first == '_') {
            return None;
        }
        line.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(line.len())
    };
    let key = &line[..key_end];
    let rest = line[key_end..].trim_start();
    let value = rest.strip_prefix('=')?;
    if value.starts_with('=') {
        return None;
    }
    Some((key, value.trim()))
}

/// Updates the context stack with one line's characters.
fn scan(line: &str, stack: &mut Vec<Context>) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        match stack.last() {
            Some(Context::String) => match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'$' | b'%' if next == Some(b'{') => {
                    if i > 0 && bytes[i - 1] == c && !(i > 1 && bytes[i - 2] == c) {
                        // `$${` and `%%{` are escapes for a literal `${` / `%{`.
                    } else {
                        stack.push(Context::Interpolation);
                        i += 1;
                    }
                }
                _ => {}
            },
            Some(Context::BlockComment) => {
                if c == b'*' && next == Some(b'/') {
                    stack.pop();
                    i += 1;
                }
            }
            Some(Context::Heredoc { .. }) => return,
            _ => match c {
                b'#' => return,
                b'/' if next == Some(b'/') => return,
                b'/' if next == Some(b'*') => {
                    stack.push(Context::BlockComment);
                    i += 1;
                }
                b'"' => stack.push(Context::String),
                b'{' => stack.push(Context::Brace),
                b'[' => stack.push(Context::Bracket),
                b'(' => stack.push(Context::Paren),
                b'}' => {
                    if matches!(stack.last(), Some(Context::Brace | Context::Interpolation)) {
                        stack.pop();
                    }
                }
                b']' if stack.last() == Some(&Context::Bracket) => {
                    stack.pop();
                }
                b')' if stack.last() == Some(&Context::Paren) => {
                    stack.pop();
                }
                b'<' if next == Some(b'<') => {
                    let rest = &line[i + 2..];
                    let rest = rest.strip_prefix('-').unwrap_or(rest);
                    let marker: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !marker.is_empty() && rest[marker.len()..].trim().is_empty() {
                        stack.push(Context::Heredoc { marker });
                        return;
                    }
                    i += 1;
                }
                _ => {}
            },
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_and_aligns() {
        let input = "aml_compute \"cpu\" {\nvm_size = \"STANDARD_D2_V2\"\n      max_nodes=4\n  # keep me\n\n\n  tags = {\n owner = \"me\"\n  }\n}\n";
        let expected = "aml_compute \"cpu\" {\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 4\n  # keep me\n\n\n  tags = {\n    owner = \"me\"\n  }\n}\n";
        assert_eq!(format_source(input).unwrap(), expected);
        assert_eq!(format_source(expected).unwrap(), expected);
    }

    #[test]
    fn keeps_heredocs_and_strings_verbatim() {
        let input = "locals {\n  script = <<EOT\n  keep   =   this\n    exactly\nEOT\n  s = \"a = b { [\"\n}\n";
        let formatted = format_source(input).unwrap();
        assert!(
            formatted.contains("  keep   =   this\n    exactly\nEOT\n"),
            "{formatted}"
        );
        assert!(
            formatted.contains("EOT\n  s = \"a = b { [\"\n"),
            "{formatted}"
        );
        assert_eq!(format_source(&formatted).unwrap(), formatted);
    }

    #[test]
    fn lists_are_indented_but_not_aligned() {
        let input = "locals {\n  ids = [\n\"a\",\n  ]\n  x = 1\n}\n";
        assert_eq!(
            format_source(input).unwrap(),
            "locals {\n  ids = [\n    \"a\",\n  ]\n  x = 1\n}\n"
        );
    }

    #[test]
    fn refuses_what_does_not_parse() {
        let error = format_source("a {\n  b = \n}\n").unwrap_err();
        assert_eq!(error.line, 2);
    }
}
