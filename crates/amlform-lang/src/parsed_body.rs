//! The structure of a parsed file as the loader walks it: blocks, labels and attributes, each
//! with its span, and every attribute value parsed into an [`Expr`].
//!
//! Two parsers produce it: [`crate::plain_parser`] for the plain layout most files have, and
//! hcl-edit (through [`ParsedBody::from_hcl`]) for everything else and for syntax errors.

use crate::config::Expr;
use crate::source_map::{Origin, Span};
use hcl_edit::Decorate;
use hcl_edit::structure::{BlockLabel, Body, Structure};

/// The blocks and attributes of a file (or of a piece of one), or of a block.
#[derive(Debug, Default)]
pub(crate) struct ParsedBody {
    pub items: Vec<ParsedItem>,
}

#[derive(Debug)]
pub(crate) enum ParsedItem {
    Attribute(ParsedAttribute),
    Block(ParsedBlock),
}

/// `key = value`.
#[derive(Debug)]
pub(crate) struct ParsedAttribute {
    pub key: String,
    pub key_span: Span,
    pub value: Expr,
}

/// `ident "label" ... { body }`.
#[derive(Debug)]
pub(crate) struct ParsedBlock {
    pub ident: String,
    pub ident_span: Span,
    /// Each label's text (without quotes) and span (with them).
    pub labels: Vec<(String, Span)>,
    pub body: ParsedBody,
}

impl ParsedBody {
    /// What hcl-edit parsed from the text that starts at `origin`, taken apart without copying
    /// the expressions.
    pub fn from_hcl(origin: Origin, body: Body) -> ParsedBody {
        let items = body
            .into_iter()
            .map(|structure| match structure {
                Structure::Attribute(attribute) => {
                    let mut expr = attribute.value;
                    // The spaces and comments around a value are the formatter's business; the
                    // plain parser leaves them out too.
                    expr.decor_mut().clear();
                    ParsedItem::Attribute(ParsedAttribute {
                        key: attribute.key.as_str().to_owned(),
                        key_span: origin.span(&attribute.key),
                        value: Expr { origin, expr },
                    })
                }
                Structure::Block(block) => ParsedItem::Block(ParsedBlock {
                    ident: block.ident.as_str().to_owned(),
                    ident_span: origin.span(&block.ident),
                    labels: block
                        .labels
                        .iter()
                        .map(|label| {
                            let text = match label {
                                BlockLabel::Ident(ident) => ident.as_str(),
                                BlockLabel::String(text) => text.as_str(),
                            };
                            (text.to_owned(), origin.span(label))
                        })
                        .collect(),
                    body: ParsedBody::from_hcl(origin, block.body),
                }),
            })
            .collect();
        ParsedBody { items }
    }

    pub fn has_attributes(&self) -> bool {
        self.items
            .iter()
            .any(|item| matches!(item, ParsedItem::Attribute(_)))
    }
}
