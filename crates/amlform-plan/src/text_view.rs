//! The plan as text, in Terraform's shape: a block per resource with `+`, `~`, `-/+`, `-`,
//! `# forces replacement`, `(sensitive value)`, `(known after apply)`, and a summary line.

use std::fmt::Write;

use serde_json::Value;

use crate::plan::{Action, AttributeChange, Plan, ResourceChange, Shown};
use crate::plan_context::OutputChange;

struct Palette {
    color: bool,
}

impl Palette {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn add(&self, text: &str) -> String {
        self.paint("32", text)
    }
    fn change(&self, text: &str) -> String {
        self.paint("33", text)
    }
    fn remove(&self, text: &str) -> String {
        self.paint("31", text)
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
}

pub fn render_text(plan: &Plan, color: bool) -> String {
    let mut text = String::new();
    write_text(plan, color, &mut |piece| text.push_str(piece));
    text
}

/// [`render_text`] a piece at a time: `emit` gets the text in pieces of about 64 KiB, so a plan
/// of 50,000 changes goes to the terminal without ever being one string of 35 MB.
pub fn write_text(plan: &Plan, color: bool, emit: &mut dyn FnMut(&str)) {
    let palette = Palette { color };
    let mut out = String::new();
    for error in &plan.errors {
        let _ = writeln!(
            out,
            "{} {}: {}",
            palette.remove("Error:"),
            error.address,
            error.message
        );
        if let Some(location) = &error.location {
            let _ = writeln!(out, "  --> {location}");
        }
        let _ = writeln!(out, "  hint: {}\n", error.hint);
    }
    for warning in &plan.warnings {
        let _ = writeln!(out, "{} {warning}\n", palette.change("Warning:"));
    }
    if !plan.drift.is_empty() {
        let _ = writeln!(
            out,
            "{}\n",
            palette.bold(if plan.refresh_only {
                "Objects have changed outside of amlform:"
            } else {
                "Note: Objects have changed outside of amlform since the last apply:"
            })
        );
        for drift in &plan.drift {
            let _ = writeln!(out, "  # {} {}", drift.address, drift.description);
            for change in &drift.changes {
                let _ = writeln!(
                    out,
                    "    {} {} = {} -> {}",
                    palette.change("~"),
                    change.name,
                    value_text(&change.before),
                    value_text(&change.after)
                );
            }
        }
        out.push('\n');
    }
    if plan.refresh_only {
        if plan.drift.is_empty() {
            out.push_str("No changes. Your computes still match the last known state.\n");
        } else {
            out.push_str("This is a refresh-only plan: `amlform apply --refresh-only` records these changes in the state without changing any compute.\n");
        }
        emit(&out);
        return;
    }
    let changes: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|change| change.does_something())
        .collect();
    let outputs: Vec<&OutputChange> = (plan.outputs.iter())
        .filter(|output| output.changed)
        .collect();
    if changes.is_empty() {
        if plan.errors.is_empty() {
            out.push_str("No changes. Your computes match the configuration.\n");
        }
        emit(&out);
        return;
    }
    legend(&mut out, &changes, &palette);
    out.push_str("amlform will perform the following actions:\n\n");
    let mut module = "";
    for change in changes {
        // Grouped by module: the changes are in address order, so a module's are together.
        let this = amlform_schema::module_of(&change.address);
        if this != module {
            module = this;
            if !module.is_empty() {
                let _ = writeln!(out, "  {}\n", palette.bold(&format!("## {module}")));
            }
        }
        render_change(&mut out, change, &palette);
        if out.len() >= 64 * 1024 {
            emit(&out);
            out.clear();
        }
    }
    let summary = plan.summary();
    let imports = if summary.import > 0 {
        format!("{} to import, ", summary.import)
    } else {
        String::new()
    };
    let mut also = String::new();
    if summary.forget > 0 {
        also += &format!(" {} to forget.", summary.forget);
    }
    if summary.moved > 0 {
        also += &format!(" {} moved.", summary.moved);
    }
    let _ = writeln!(
        out,
        "{} {imports}{} to add, {} to change, {} to destroy.{also}",
        palette.bold("Plan:"),
        summary.add,
        summary.change,
        summary.destroy
    );
    if let Some((before, after)) = plan.hourly_cost()
        && (before - after).abs() > 0.0005
    {
        let _ = writeln!(
            out,
            "Always-on nodes: ${before:.2}/h -> ${after:.2}/h (estimate)."
        );
    }
    if !outputs.is_empty() {
        out.push('\n');
        render_outputs(&mut out, &outputs, &palette);
    }
    emit(&out);
}

/// Terraform's legend: the symbols this plan uses, before its changes.
fn legend(out: &mut String, changes: &[&ResourceChange], palette: &Palette) {
    let uses = |wanted: fn(&Action) -> bool| changes.iter().any(|change| wanted(&change.action));
    let symbols: [(bool, String, &str); 5] = [
        (
            uses(|action| matches!(action, Action::Create | Action::Attach)),
            palette.add("+"),
            "create (or attach)",
        ),
        (
            uses(|action| matches!(action, Action::Update | Action::Start | Action::Stop)),
            palette.change("~"),
            "update in-place (or start, stop)",
        ),
        (
            uses(|action| matches!(action, Action::Delete | Action::Detach)),
            palette.remove("-"),
            "destroy (or detach)",
        ),
        (
            uses(|action| {
                matches!(
                    action,
                    Action::Replace {
                        create_before_destroy: false,
                        ..
                    }
                )
            }),
            format!("{}/{}", palette.remove("-"), palette.add("+")),
            "destroy and then create replacement",
        ),
        (
            uses(|action| {
                matches!(
                    action,
                    Action::Replace {
                        create_before_destroy: true,
                        ..
                    }
                )
            }),
            format!("{}/{}", palette.add("+"), palette.remove("-")),
            "create replacement and then destroy",
        ),
    ];
    if !symbols.iter().any(|(used, _, _)| *used) {
        return; // only moves, imports or forgets: they have no symbol
    }
    out.push_str("Resource actions are indicated with the following symbols:\n");
    for (used, symbol, meaning) in symbols {
        if used {
            let pad = if symbol.contains('/') { "" } else { "  " };
            let _ = writeln!(out, "{pad}{symbol} {meaning}");
        }
    }
    out.push('\n');
}

/// `Changes to Outputs:`, one line per output whose value changes.
fn render_outputs(out: &mut String, outputs: &[&OutputChange], palette: &Palette) {
    let _ = writeln!(out, "{}", palette.bold("Changes to Outputs:"));
    let width = (outputs.iter())
        .map(|output| output.name.len())
        .max()
        .unwrap_or(0);
    for output in outputs {
        let name = format!("{:width$}", output.name);
        let line = match (&output.before, &output.after) {
            (Shown::Absent, after) => {
                format!("{} {name} = {}", palette.add("+"), value_text(after))
            }
            (before, Shown::Absent) => {
                format!(
                    "{} {name} = {} -> null",
                    palette.remove("-"),
                    value_text(before)
                )
            }
            (before, after) => format!(
                "{} {name} = {} -> {}",
                palette.change("~"),
                value_text(before),
                value_text(after)
            ),
        };
        let _ = writeln!(out, "  {line}");
    }
}

fn render_change(out: &mut String, change: &ResourceChange, palette: &Palette) {
    let (symbol, verb) = match change.action {
        Action::Create => (palette.add("+"), "will be created".to_owned()),
        Action::Attach => (palette.add("+"), "will be attached".to_owned()),
        Action::Update => (palette.change("~"), "will be updated in-place".to_owned()),
        Action::Start => (palette.change("~"), "will be started".to_owned()),
        Action::Stop => (palette.change("~"), "will be stopped".to_owned()),
        Action::Replace {
            attached,
            create_before_destroy,
        } => (
            if create_before_destroy {
                format!("{}/{}", palette.add("+"), palette.remove("-"))
            } else {
                format!("{}/{}", palette.remove("-"), palette.add("+"))
            },
            if attached {
                "must be detached and attached again".to_owned()
            } else {
                "must be replaced".to_owned()
            },
        ),
        Action::Delete => (palette.remove("-"), "will be destroyed".to_owned()),
        Action::Detach => (
            palette.remove("-"),
            "will be detached (the resource itself is kept)".to_owned(),
        ),
        Action::Import => (
            " ".to_owned(),
            format!(
                "will be imported from {}",
                change.import_id.as_deref().unwrap_or("the service")
            ),
        ),
        Action::Forget => {
            let _ = writeln!(
                out,
                "  {} will no longer be managed by amlform (the compute itself is kept)",
                palette.bold(&format!("# {}", change.address))
            );
            let _ = writeln!(
                out,
                "  # ({})\n",
                change.reason.as_deref().unwrap_or("removed")
            );
            return;
        }
        Action::NoOp => {
            if let Some(previous) = &change.previous_address {
                let _ = writeln!(
                    out,
                    "  {} has moved to {}",
                    palette.bold(&format!("# {previous}")),
                    palette.bold(&change.address)
                );
                let _ = writeln!(
                    out,
                    "  # (the state follows it; the compute is untouched)\n"
                );
            }
            return;
        }
    };
    let _ = writeln!(
        out,
        "  {} {verb}",
        palette.bold(&format!("# {}", change.address))
    );
    if let Some(previous) = &change.previous_address {
        let _ = writeln!(out, "  # (moved from {previous})");
    }
    if let Some(reason) = &change.reason {
        let _ = writeln!(out, "  # ({reason})");
    }
    let indent = if symbol.chars().filter(|c| "+-/~".contains(*c)).count() > 1 {
        ""
    } else {
        "  "
    };
    let (_, label, key) = amlform_schema::resource_parts(&change.address);
    let label = match key {
        Some(key) => format!("\"{label}\" [{key}]"),
        None => format!("\"{label}\""),
    };
    let _ = writeln!(out, "{indent}{symbol} {} {label} {{", change.kind);

    let shown: Vec<&AttributeChange> = match change.action {
        Action::Create | Action::Attach => change
            .attributes
            .iter()
            .filter(|attribute| attribute.after != Shown::Absent)
            .collect(),
        Action::Delete | Action::Detach => change
            .attributes
            .iter()
            .filter(|attribute| attribute.before != Shown::Absent)
            .collect(),
        Action::Replace { .. } => change
            .attributes
            .iter()
            .filter(|attribute| attribute.changed || attribute.after == Shown::KnownAfterApply)
            .collect(),
        _ => change.changed().collect(),
    };
    let width = shown
        .iter()
        .map(|attribute| attribute.name.len())
        .max()
        .unwrap_or(0);
    let hidden = (change.attributes.iter())
        .filter(|attribute| attribute.before != Shown::Absent || attribute.after != Shown::Absent)
        .count()
        .saturating_sub(shown.len());
    for attribute in shown {
        let name = format!("{:width$}", attribute.name);
        let line = match change.action {
            Action::Create | Action::Attach => format!(
                "{} {name} = {}",
                palette.add("+"),
                value_text(&attribute.after)
            ),
            Action::Delete | Action::Detach => format!(
                "{} {name} = {} -> null",
                palette.remove("-"),
                value_text(&attribute.before)
            ),
            _ => match (&attribute.before, &attribute.after) {
                (Shown::Value(Value::String(before)), Shown::Value(Value::String(after)))
                    if before.contains('\n') || after.contains('\n') =>
                {
                    format!(
                        "{} {name} = <<-EOT\n{}        EOT",
                        palette.change("~"),
                        line_diff(before, after, palette)
                    )
                }
                (Shown::Absent, after) => {
                    format!("{} {name} = {}", palette.add("+"), value_text(after))
                }
                (before, Shown::Absent) => format!(
                    "{} {name} = {} -> null",
                    palette.remove("-"),
                    value_text(before)
                ),
                (before, after) => format!(
                    "{} {name} = {} -> {}",
                    palette.change("~"),
                    value_text(before),
                    value_text(after)
                ),
            },
        };
        let same_text =
            attribute.before == attribute.after && !matches!(attribute.after, Shown::Sensitive);
        let note = match (same_text, attribute.forces_replacement) {
            (true, true) => format!(
                " {}",
                palette.remove("# contents changed, forces replacement")
            ),
            (true, false) => " # contents changed".to_owned(),
            (false, true) => format!(" {}", palette.remove("# forces replacement")),
            (false, false) => String::new(),
        };
        let _ = writeln!(out, "      {line}{note}");
    }
    if let Some((before, after)) = change.hourly_cost
        && (before - after).abs() > f64::EPSILON
    {
        let _ = writeln!(
            out,
            "      # always-on nodes: ${before:.2}/h -> ${after:.2}/h"
        );
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "\n        # ({hidden} unchanged attribute{} hidden)",
            if hidden == 1 { "" } else { "s" }
        );
    }
    out.push_str("    }\n\n");
}

/// A multi-line value's change, line by line (`similar`), indented under its attribute.
fn line_diff(before: &str, after: &str, palette: &Palette) -> String {
    let mut out = String::new();
    for change in similar::TextDiff::from_lines(before, after).iter_all_changes() {
        let line = change.value().trim_end_matches('\n');
        let _ = writeln!(
            out,
            "          {}",
            match change.tag() {
                similar::ChangeTag::Delete => palette.remove(&format!("- {line}")),
                similar::ChangeTag::Insert => palette.add(&format!("+ {line}")),
                similar::ChangeTag::Equal => format!("  {line}"),
            }
        );
    }
    out
}

/// A value as HCL would spell it; secrets and unknowns as words in parentheses.
pub fn value_text(shown: &Shown) -> String {
    match shown {
        Shown::Absent => "null".to_owned(),
        Shown::Sensitive => "(sensitive value)".to_owned(),
        Shown::KnownAfterApply => "(known after apply)".to_owned(),
        Shown::Value(value) => hcl(value),
    }
}

fn hcl(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::String(text) => format!("{text:?}"),
        Value::Array(items) => {
            format!("[{}]", items.iter().map(hcl).collect::<Vec<_>>().join(", "))
        }
        Value::Object(map) => {
            if map.is_empty() {
                "{}".to_owned()
            } else {
                format!(
                    "{{ {} }}",
                    map.iter()
                        .map(|(key, value)| format!("{key} = {}", hcl(value)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, AttributeChange, Shown};
    use std::borrow::Cow;

    #[test]
    fn a_large_plan_is_written_in_bounded_pieces_that_add_up_to_the_text() {
        let change = |index: usize| ResourceChange {
            address: format!("aml_compute.c{index}"),
            kind: "aml_compute".to_owned(),
            workspace: "dev".to_owned(),
            name: format!("c{index}"),
            action: Action::Create,
            reason: None,
            attributes: vec![AttributeChange {
                name: Cow::Borrowed("vm_size"),
                before: Shown::Absent,
                after: Shown::Value("STANDARD_D2_V2".into()),
                changed: true,
                forces_replacement: false,
            }],
            arm_id: None,
            import_id: None,
            hourly_cost: None,
            previous_address: None,
        };
        let plan = Plan {
            changes: (0..5_000).map(change).collect(),
            ..Plan::default()
        };
        let mut pieces = Vec::new();
        write_text(&plan, false, &mut |piece| pieces.push(piece.to_owned()));
        assert!(pieces.len() > 5, "{} pieces", pieces.len());
        assert!(pieces.iter().all(|piece| piece.len() < 65 * 1024));
        assert_eq!(pieces.concat(), render_text(&plan, false));
        assert!(
            pieces
                .concat()
                .ends_with("Plan: 5000 to add, 0 to change, 0 to destroy.\n")
        );
    }
}
