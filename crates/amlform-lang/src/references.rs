//! The references an expression makes (`var.x`, `local.y`, `aml_compute.cpu.id`, ...), found
//! without evaluating it, so the evaluator can order its work and report undefined names.

use crate::config::Expr;
use crate::source_map::Span;
use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};

/// One reference: the root name and the attribute names that follow it statically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `["aml_compute", "cpu", "id"]` for `aml_compute.cpu.id`.
    pub parts: Vec<String>,
    /// The span of the root and its first attribute.
    pub span: Span,
}

impl Reference {
    pub fn root(&self) -> &str {
        &self.parts[0]
    }

    /// The name after the root (`x` in `var.x`), if any.
    pub fn name(&self) -> Option<&str> {
        self.parts.get(1).map(String::as_str)
    }
}

/// Every reference in `expr`, in source order; names bound by `for` are not references.
pub fn references(expr: &Expr) -> Vec<Reference> {
    let mut walker = Walker {
        origin: expr.origin,
        bound: Vec::new(),
        out: Vec::new(),
    };
    walker.expr(&expr.expr);
    walker.out
}

/// The references of an expression's source text as Terraform's plan JSON lists them: each
/// traversal and its shorter prefixes down to a resource (`aml_compute.cpu.name`,
/// `aml_compute.cpu`) or a root value (`var.x`), in source order without repeats. Empty when
/// the text does not parse as one expression.
pub fn expression_references(text: &str) -> Vec<String> {
    let Ok(expr) = text.parse::<Expression>() else {
        return Vec::new();
    };
    let expr = Expr {
        origin: crate::source_map::Origin::file(crate::source_map::FileId(0)),
        expr,
    };
    let mut out: Vec<String> = Vec::new();
    for reference in references(&expr) {
        let parts = &reference.parts;
        // `var.x`, `each.key`: a root and its name; `aml_compute.cpu`: a kind and its label.
        let shortest = 2.min(parts.len());
        for length in (shortest..=parts.len()).rev() {
            let text = parts[..length].join(".");
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }
    out
}

struct Walker {
    origin: crate::source_map::Origin,
    bound: Vec<String>,
    out: Vec<Reference>,
}

impl Walker {
    fn reference(
        &mut self,
        root: &hcl_edit::Decorated<hcl_edit::Ident>,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
    ) {
        if self.bound.iter().any(|b| b == root.as_str()) {
            return;
        }
        let mut parts = vec![root.as_str().to_owned()];
        let mut end = root.span().map_or(0, |s| s.end);
        for operator in operators {
            match operator.value() {
                TraversalOperator::GetAttr(ident) => {
                    if parts.len() == 1 {
                        end = ident.span().map_or(end, |s| s.end);
                    }
                    parts.push(ident.as_str().to_owned());
                }
                _ => break,
            }
        }
        let start = root.span().map_or(0, |s| s.start);
        self.out.push(Reference {
            parts,
            span: self.origin.range(start..end),
        });
    }

    fn expr(&mut self, expr: &Expression) {
        match expr {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_) => {}
            Expression::Array(items) => items.iter().for_each(|item| self.expr(item)),
            Expression::Object(object) => {
                for (key, value) in object.iter() {
                    if let ObjectKey::Expression(key) = key {
                        // A bare name as key is a literal, not a reference.
                        if !matches!(key, Expression::Variable(_)) {
                            self.expr(key);
                        }
                    }
                    self.expr(value.expr());
                }
            }
            Expression::StringTemplate(template) => self.template(template),
            Expression::HeredocTemplate(heredoc) => self.template(&heredoc.template),
            Expression::Parenthesis(inner) => self.expr(inner.inner()),
            Expression::Variable(ident) => self.reference(ident, &[]),
            Expression::Traversal(traversal) => {
                match &traversal.expr {
                    Expression::Variable(ident) => self.reference(ident, &traversal.operators),
                    other => self.expr(other),
                }
                for operator in &traversal.operators {
                    if let TraversalOperator::Index(index) = operator.value() {
                        self.expr(index);
                    }
                }
            }
            Expression::Conditional(conditional) => {
                self.expr(&conditional.cond_expr);
                self.expr(&conditional.true_expr);
                self.expr(&conditional.false_expr);
            }
            Expression::FuncCall(call) => call.args.iter().for_each(|arg| self.expr(arg)),
            Expression::UnaryOp(op) => self.expr(&op.expr),
            Expression::BinaryOp(op) => {
                self.expr(&op.lhs_expr);
                self.expr(&op.rhs_expr);
            }
            Expression::ForExpr(for_expr) => {
                self.expr(&for_expr.intro.collection_expr);
                let before = self.bound.len();
                if let Some(key_var) = &for_expr.intro.key_var {
                    self.bound.push(key_var.as_str().to_owned());
                }
                self.bound
                    .push(for_expr.intro.value_var.as_str().to_owned());
                if let Some(key_expr) = &for_expr.key_expr {
                    self.expr(key_expr);
                }
                self.expr(&for_expr.value_expr);
                if let Some(cond) = &for_expr.cond {
                    self.expr(&cond.expr);
                }
                self.bound.truncate(before);
            }
        }
    }

    fn template(&mut self, template: &Template) {
        for element in template.iter() {
            match element {
                Element::Literal(_) => {}
                Element::Interpolation(interpolation) => self.expr(&interpolation.expr),
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(if_directive) => {
                        self.expr(&if_directive.if_expr.cond_expr);
                        self.template(&if_directive.if_expr.template);
                        if let Some(else_expr) = &if_directive.else_expr {
                            self.template(&else_expr.template);
                        }
                    }
                    Directive::For(for_directive) => {
                        let intro = &for_directive.for_expr;
                        self.expr(&intro.collection_expr);
                        let before = self.bound.len();
                        if let Some(key_var) = &intro.key_var {
                            self.bound.push(key_var.as_str().to_owned());
                        }
                        self.bound.push(intro.value_var.as_str().to_owned());
                        self.template(&intro.template);
                        self.bound.truncate(before);
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::expression_references;

    #[test]
    fn references_are_listed_as_terraform_lists_them() {
        assert_eq!(
            expression_references("\"${var.prefix}-${aml_compute.base.name}\""),
            ["var.prefix", "aml_compute.base.name", "aml_compute.base"]
        );
        assert_eq!(
            expression_references("[for k in local.keys : k if k != each.key]"),
            ["local.keys", "each.key"]
        );
        assert!(expression_references("3").is_empty());
        assert!(expression_references("{{").is_empty());
    }
}
