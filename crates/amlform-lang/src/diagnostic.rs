//! Problems found in a configuration: a code, a span in the right file, a message and a hint.

use crate::evaluated_config::REDACTED;
use crate::source_map::{SourceMap, Span};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code, e.g. `AML101`; listed in `docs/language.md`.
    pub code: &'static str,
    /// Names the problem, no final period.
    pub message: String,
    pub span: Option<Span>,
    /// Short text shown under the caret.
    pub label: Option<String>,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            label: None,
            hint: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    pub fn at_opt(mut self, span: Option<Span>) -> Diagnostic {
        self.span = span;
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Every diagnostic of one run, in the order they were found.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    secrets: Secrets,
}

/// The sensitive values of a configuration (sensitive variables, secret attributes), so no
/// message and no source snippet shows one. `Debug` shows only how many there are.
#[derive(Clone, Default)]
struct Secrets(std::collections::BTreeSet<String>);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} redacted)", self.0.len())
    }
}

/// Secrets shorter than this are not searched for in text: they would blank out ordinary
/// words, and a value that short protects nothing.
const MIN_REDACTED_LENGTH: usize = 4;

impl Secrets {
    /// `text` with every secret replaced by `replacement(secret)`, longest secrets first.
    fn scrub(&self, text: &str, replacement: impl Fn(&str) -> String) -> Option<String> {
        let mut secrets: Vec<&String> = self
            .0
            .iter()
            .filter(|secret| text.contains(secret.as_str()))
            .collect();
        if secrets.is_empty() {
            return None;
        }
        secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        let mut out = text.to_owned();
        for secret in secrets {
            out = out.replace(secret.as_str(), &replacement(secret));
        }
        Some(out)
    }

    fn redact(&self, diagnostic: &mut Diagnostic) {
        let redacted = |_: &str| REDACTED.to_owned();
        if let Some(message) = self.scrub(&diagnostic.message, redacted) {
            diagnostic.message = message;
        }
        for text in [&mut diagnostic.label, &mut diagnostic.hint]
            .into_iter()
            .flatten()
        {
            if let Some(scrubbed) = self.scrub(text, redacted) {
                *text = scrubbed;
            }
        }
    }
}

impl Diagnostics {
    /// Whether `text` holds the value of a sensitive variable or a secret attribute.
    pub fn holds_secret(&self, text: &str) -> bool {
        self.secrets.scrub(text, |_| String::new()).is_some()
    }

    pub fn push(&mut self, mut diagnostic: Diagnostic) {
        self.secrets.redact(&mut diagnostic);
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.secrets.0.extend(other.secrets.0);
        self.items.extend(other.items);
        for item in &mut self.items {
            self.secrets.redact(item);
        }
    }

    /// No diagnostics, but the same secrets: for diagnostics made later from the same
    /// configuration (a plan's errors), which must not show them either.
    pub fn empty_like(&self) -> Diagnostics {
        Diagnostics {
            items: Vec::new(),
            secrets: self.secrets.clone(),
        }
    }

    /// Whether any string in `value` holds a secret's text (a value read from a module's
    /// sensitive output through a whole-module reference, say).
    pub fn value_holds_secret(&self, value: &crate::value::Value) -> bool {
        use crate::value::Value;
        if self.secrets.0.is_empty() {
            return false;
        }
        let mut stack = vec![value];
        while let Some(value) = stack.pop() {
            match value {
                Value::String(text) if self.holds_secret(text) => return true,
                Value::List(items) | Value::Set(items) => stack.extend(items),
                Value::Map(map) => stack.extend(map.values()),
                _ => {}
            }
        }
        false
    }

    /// Marks the text of `value` (each string in it) as secret: no message, label, hint or
    /// source snippet shows it, whether the diagnostic came before or comes after.
    pub fn add_secrets(&mut self, value: &crate::value::Value) {
        use crate::value::Value;
        let before = self.secrets.0.len();
        let mut stack = vec![value];
        while let Some(value) = stack.pop() {
            match value {
                Value::String(text)
                    if text.len() >= MIN_REDACTED_LENGTH && !self.secrets.0.contains(text) =>
                {
                    self.secrets.0.insert(text.clone());
                }
                Value::List(items) | Value::Set(items) => stack.extend(items),
                Value::Map(map) => stack.extend(map.values()),
                _ => {}
            }
        }
        if self.secrets.0.len() != before {
            for item in &mut self.items {
                self.secrets.redact(item);
            }
        }
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Sorts by file, position, then code, so output is deterministic whatever the order of
    /// discovery; duplicates (same code, span and message) are dropped.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            let key = |d: &Diagnostic| (d.span.clone(), d.code, d.message.clone());
            key(a).cmp(&key(b))
        });
        self.items.dedup();
    }

    /// Renders every diagnostic as text with the source line and a caret under the span.
    pub fn render(&self, sources: &SourceMap, style: RenderStyle) -> String {
        let mut out = String::new();
        for diagnostic in &self.items {
            out.push_str(&render_one(diagnostic, sources, &self.secrets, style));
        }
        out
    }

    /// Machine-readable form for `validate --json`.
    pub fn to_json(&self, sources: &SourceMap) -> Vec<JsonDiagnostic> {
        self.items
            .iter()
            .map(|d| {
                let range = d.span.as_ref().map(|span| {
                    let file = sources.get(span.file);
                    let (line, column) = sources.line_column(span.file, span.range.start);
                    let (end_line, end_column) = sources.line_column(span.file, span.range.end);
                    JsonRange {
                        filename: file.name.clone(),
                        start: JsonPos {
                            line,
                            column,
                            byte: span.range.start,
                        },
                        end: JsonPos {
                            line: end_line,
                            column: end_column,
                            byte: span.range.end,
                        },
                    }
                });
                JsonDiagnostic {
                    severity: d.severity,
                    code: d.code,
                    summary: d.message.clone(),
                    detail: d.hint.clone(),
                    range,
                }
            })
            .collect()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub summary: String,
    pub detail: Option<String>,
    pub range: Option<JsonRange>,
}

#[derive(Debug, Serialize)]
pub struct JsonRange {
    pub filename: String,
    pub start: JsonPos,
    pub end: JsonPos,
}

#[derive(Debug, Serialize)]
pub struct JsonPos {
    pub line: usize,
    pub column: usize,
    pub byte: usize,
}

/// How rendered diagnostics look.
#[derive(Debug, Clone, Copy)]
pub struct RenderStyle {
    pub color: bool,
    pub width: usize,
}

impl RenderStyle {
    /// No colour, 100 columns: what snapshots and CI logs use.
    pub const PLAIN: RenderStyle = RenderStyle {
        color: false,
        width: 100,
    };

    /// What the command line uses: 120 columns in colour, else [`RenderStyle::PLAIN`].
    pub fn for_terminal(color: bool) -> RenderStyle {
        if color {
            RenderStyle { color, width: 120 }
        } else {
            RenderStyle::PLAIN
        }
    }
}

/// The longest source line a diagnostic shows (miette draws no caret past column 65,535, and
/// such a line would not be readable anyway).
pub const MAX_SNIPPET_LINE: usize = 1_000;

/// Whether every line the snippet shows (the span's and one either side) is short enough.
fn snippet_fits(sources: &SourceMap, span: &Span) -> bool {
    let text = &sources.get(span.file).text;
    let (start, end) = (
        span.range.start.min(text.len()),
        span.range.end.min(text.len()),
    );
    let from = text[..start]
        .rfind('\n')
        .and_then(|at| text[..at].rfind('\n'))
        .map_or(0, |at| at + 1);
    let to = text[end..]
        .find('\n')
        .and_then(|at| {
            text[end + at + 1..]
                .find('\n')
                .map(|next| end + at + 1 + next)
        })
        .unwrap_or(text.len());
    text.get(from..to)
        .is_some_and(|lines| lines.split('\n').all(|line| line.len() <= MAX_SNIPPET_LINE))
}

fn render_one(
    diagnostic: &Diagnostic,
    sources: &SourceMap,
    secrets: &Secrets,
    style: RenderStyle,
) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::none()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_context_lines(1);
    let mut shown = std::borrow::Cow::Borrowed(diagnostic);
    let source = match diagnostic.span.as_ref() {
        Some(span) if snippet_fits(sources, span) => {
            let file = sources.get(span.file);
            // A secret in the lines shown is masked character by character, so every offset
            // (and the caret) stays where it was.
            let masked = secrets.scrub(&file.text, |secret| {
                secret.chars().map(|c| "*".repeat(c.len_utf8())).collect()
            });
            Some(NamedSource::new(
                file.name.clone(),
                masked.unwrap_or_else(|| file.text.clone()),
            ))
        }
        // A line too long to show: the place is named in the message instead.
        Some(span) => {
            let file = sources.get(span.file);
            let (line, column) = sources.line_column(span.file, span.range.start);
            let owned = shown.to_mut();
            owned.message = format!(
                "{} (at {}:{line}:{column}; the line is too long to show)",
                owned.message, file.name
            );
            owned.span = None;
            None
        }
        None => None,
    };
    let report = Report {
        diagnostic: &shown,
        source,
    };
    let mut out = String::new();
    handler
        .render_report(&mut out, &report)
        .expect("writing to a String cannot fail");
    out
}

/// Adapter that lets miette draw one [`Diagnostic`] with its source.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<NamedSource<String>>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .hint
            .as_ref()
            .map(|hint| Box::new(hint) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source
            .as_ref()
            .map(|source| source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.diagnostic.span.as_ref()?;
        let len = span.range.end.saturating_sub(span.range.start);
        let label = LabeledSpan::new(self.diagnostic.label.clone(), span.range.start, len);
        Some(Box::new(std::iter::once(label)))
    }
}
