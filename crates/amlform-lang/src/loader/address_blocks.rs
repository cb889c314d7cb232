//! The blocks that name addresses instead of declaring computes: `import`, `moved` and
//! `removed` (Terraform's spelling and meaning).

use super::{Loader, static_traversal};
use crate::codes;
use crate::config::{ImportBlock, MovedBlock, RemovedBlock};
use crate::diagnostic::Diagnostic;
use crate::parsed_body::ParsedBlock;
use amlform_schema::compute_kind;
use hcl_edit::expr::{Expression, TraversalOperator};

impl Loader {
    pub(super) fn import(&mut self, block: ParsedBlock) {
        if self.labels(&block, 0, "").is_none() {
            return;
        }
        let (mut attributes, _) =
            self.attributes(block.body, &"an `import` block", &["to", "id"], &[]);
        let block_span = block.ident_span;
        let (Some(to), Some(id)) = (attributes.remove("to"), attributes.remove("id")) else {
            self.error(
                Diagnostic::error(
                    codes::MISSING_ATTRIBUTE,
                    "an `import` block needs `to` and `id`",
                )
                .at(block_span)
                .hint("write `to = aml_compute.cpu` and `id = \"<ARM id of the compute>\"`"),
            );
            return;
        };
        match static_traversal(&to.value.expr) {
            Some(parts) if parts.len() == 2 && compute_kind(&parts[0]).is_some() => {
                self.config.imports.push(ImportBlock {
                    to: parts.join("."),
                    to_span: to.value.span(),
                    id: id.value,
                });
            }
            _ => self.error(
                Diagnostic::error(codes::INVALID_REFERENCE, "`to` must name a compute block")
                    .at(to.value.span())
                    .hint("write it without quotes, e.g. `to = aml_compute.cpu`"),
            ),
        }
    }

    pub(super) fn moved(&mut self, block: ParsedBlock) {
        if self.labels(&block, 0, "").is_none() {
            return;
        }
        let (mut attributes, _) =
            self.attributes(block.body, &"a `moved` block", &["from", "to"], &[]);
        let (Some(from), Some(to)) = (attributes.remove("from"), attributes.remove("to")) else {
            self.error(
                Diagnostic::error(
                    codes::MISSING_ATTRIBUTE,
                    "a `moved` block needs `from` and `to`",
                )
                .at(block.ident_span)
                .hint("write `from = aml_compute.old` and `to = aml_compute.new`"),
            );
            return;
        };
        let (Some(from_address), Some(to_address)) =
            (self.address(&from.value), self.address(&to.value))
        else {
            return;
        };
        let kinds = (
            amlform_schema::resource_parts(&from_address).0,
            amlform_schema::resource_parts(&to_address).0,
        );
        if kinds.0 != kinds.1 {
            self.error(
                Diagnostic::error(
                    codes::INVALID_REFERENCE,
                    format!("`{from_address}` cannot move to `{to_address}`: a compute keeps its kind"),
                )
                .at(to.value.span())
                .hint("a different kind is a different compute: remove the old block and declare the new one"),
            );
            return;
        }
        self.config.moves.push(MovedBlock {
            from: from_address,
            from_span: from.value.span(),
            to: to_address,
            to_span: to.value.span(),
        });
    }

    pub(super) fn removed(&mut self, block: ParsedBlock) {
        if self.labels(&block, 0, "").is_none() {
            return;
        }
        let (mut attributes, nested) =
            self.attributes(block.body, &"a `removed` block", &["from"], &["lifecycle"]);
        let Some(from) = attributes.remove("from") else {
            self.error(
                Diagnostic::error(codes::MISSING_ATTRIBUTE, "a `removed` block needs `from`")
                    .at(block.ident_span)
                    .hint("write `from = aml_compute.old`, and `lifecycle { destroy = false }` to keep the compute"),
            );
            return;
        };
        let mut destroy = true;
        for lifecycle in nested {
            let (settings, _) = self.attributes(
                lifecycle.body,
                &"a `removed` block's `lifecycle`",
                &["destroy"],
                &[],
            );
            if let Some(setting) = settings.get("destroy") {
                match &setting.value.expr {
                    Expression::Bool(value) => destroy = *value.value(),
                    _ => self.error(
                        Diagnostic::error(codes::WRONG_TYPE, "`destroy` must be `true` or `false`")
                            .at(setting.value.span())
                            .hint("write `destroy = false` to forget the compute and keep it"),
                    ),
                }
            }
        }
        if let Some(address) = self.address(&from.value) {
            self.config.removals.push(RemovedBlock {
                from: address,
                from_span: from.value.span(),
                destroy,
            });
        }
    }

    /// A compute block or instance address written as a reference: `aml_compute.cpu`,
    /// `aml_compute.c[0]`, `aml_compute.pool["a"]`; an error otherwise.
    fn address(&mut self, value: &crate::config::Expr) -> Option<String> {
        let address = resource_address(&value.expr);
        if address.is_none() {
            self.error(
                Diagnostic::error(codes::INVALID_REFERENCE, "this must name a compute block or one of its instances")
                    .at(value.span())
                    .hint("write it without quotes: `aml_compute.cpu`, `aml_compute.cpu[0]`, `aml_compute.cpu[\"key\"]`, `module.team[\"a\"].aml_compute.cpu` or `module.team`"),
            );
        }
        address
    }
}

/// `KIND.LABEL` with an optional index (`[0]`, `["key"]`), under any module path
/// (`module.team["a"].aml_compute.cpu`), or a module path alone (`module.team`), as the
/// address it names.
fn resource_address(expr: &Expression) -> Option<String> {
    let Expression::Traversal(traversal) = expr else {
        return None;
    };
    let Expression::Variable(root) = &traversal.expr else {
        return None;
    };
    // The traversal as names and keys.
    let mut parts = vec![(root.as_str().to_owned(), false)];
    for operator in traversal.operators.iter().map(|operator| operator.value()) {
        parts.push(match operator {
            TraversalOperator::GetAttr(name) => (name.as_str().to_owned(), false),
            TraversalOperator::LegacyIndex(index) => (format!("[{}]", index.value()), true),
            TraversalOperator::Index(Expression::Number(number)) => {
                (format!("[{}]", number.value().as_u64()?), true)
            }
            TraversalOperator::Index(Expression::String(key)) => {
                (format!("[\"{}\"]", key.value()), true)
            }
            _ => return None,
        });
    }
    let mut address = String::new();
    let mut rest = parts.as_slice();
    while let [(module, false), (name, false), tail @ ..] = rest
        && module == "module"
    {
        address += &format!("module.{name}");
        rest = tail;
        if let [(key, true), tail @ ..] = rest {
            address += key;
            rest = tail;
        }
        if rest.is_empty() {
            return Some(address);
        }
        address.push('.');
    }
    let [(kind, false), (label, false), tail @ ..] = rest else {
        return None;
    };
    compute_kind(kind)?;
    address += &format!("{kind}.{label}");
    match tail {
        [] => Some(address),
        [(key, true)] => Some(address + key),
        _ => None,
    }
}

/// The block address of an instance address: `aml_compute.pool["a"]` -> `aml_compute.pool`.
pub fn block_of(address: &str) -> &str {
    amlform_schema::block_of(address)
}
