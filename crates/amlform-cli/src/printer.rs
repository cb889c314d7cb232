//! [`Printer`]: how results reach the terminal. It owns colour and quiet, and renders the
//! diagnostics, plans (as text, JSON or Markdown) and notes every command shares, so the
//! commands say what to show, not how.

use std::io::Write;

use amlform_engine::PlanEvent;
use amlform_lang::{Diagnostic, Module, RenderStyle, codes};
use amlform_plan::{MarkdownTarget, Plan};

/// The form a plan is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanForm {
    Text,
    Json,
    Markdown(MarkdownTarget),
}

impl PlanForm {
    /// From `--json` and `--markdown[=WHERE]` (whose values clap has checked).
    pub fn of(json: bool, markdown: Option<&str>) -> PlanForm {
        match (json, markdown) {
            (true, _) => PlanForm::Json,
            (false, Some(target)) => {
                PlanForm::Markdown(MarkdownTarget::parse(target).unwrap_or_default())
            }
            (false, None) => PlanForm::Text,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Printer {
    pub color: bool,
    /// `--quiet`: no notes, no apply progress.
    pub quiet: bool,
}

impl Printer {
    /// A note on stderr (`note: ...`, a saved plan's name), unless quiet.
    pub fn note(&self, note: &str) {
        if !self.quiet {
            eprintln!("{note}");
        }
    }

    /// Prints the configuration's diagnostics on stderr; false when there are errors.
    pub fn diagnostics(&self, module: &Module) -> bool {
        eprint!(
            "{}",
            module
                .diagnostics
                .render(&module.sources, RenderStyle::for_terminal(self.color))
        );
        if module.diagnostics.has_errors() {
            eprintln!(
                "the configuration has errors; `amlform validate` shows the same without contacting any service"
            );
            return false;
        }
        true
    }

    /// Prints a plan in the form asked for, on stdout.
    pub fn plan(&self, plan: &Plan, form: PlanForm) -> anyhow::Result<()> {
        match form {
            PlanForm::Json => {
                let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
                serde_json::to_writer_pretty(&mut stdout, &amlform_plan::render_json(plan))?;
                writeln!(stdout)?;
                stdout.flush()?;
            }
            PlanForm::Markdown(target) => {
                print!("{}", amlform_plan::render_markdown_for(plan, target))
            }
            PlanForm::Text => {
                // A piece at a time: a plan of 50,000 changes is never one 35 MB string.
                let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
                let mut written = Ok(());
                amlform_plan::write_text(plan, self.color, &mut |piece| {
                    if written.is_ok() {
                        written = stdout.write_all(piece.as_bytes());
                    }
                });
                written.and_then(|()| stdout.flush())?;
            }
        }
        Ok(())
    }

    /// A plan's errors as diagnostics: at the attribute's line (or the block's label) with a
    /// caret and a hint, on stderr; as JSON or Markdown, a document of them on stdout, so a
    /// CI job posts why the plan failed instead of an empty comment.
    pub fn plan_errors(&self, module: &Module, plan: &Plan, form: PlanForm) -> anyhow::Result<()> {
        let mut diagnostics = module.diagnostics.empty_like();
        for error in &plan.errors {
            let span = (module.evaluated.computes.get(&error.address)).map(|instance| match &error
                .attribute
            {
                Some(attribute) => instance.span_of(attribute),
                None => instance.label_span.clone(),
            });
            diagnostics.push(
                Diagnostic::error(codes::PLAN, format!("{}: {}", error.address, error.message))
                    .at_opt(span)
                    .hint(error.hint.clone()),
            );
        }
        for warning in &plan.warnings {
            diagnostics.push(Diagnostic::warning(codes::PLAN, warning.clone()));
        }
        let errors = diagnostics.error_count();
        match form {
            PlanForm::Json => {
                let document = serde_json::json!({
                    "format_version": "1.0",
                    "errored": true,
                    "error_count": errors,
                    "diagnostics": diagnostics.to_json(&module.sources),
                });
                println!("{}", serde_json::to_string_pretty(&document)?);
            }
            PlanForm::Markdown(_) => {
                let mut out = format!(
                    "{}\n### amlform plan failed: {errors} error(s)\n\n",
                    amlform_plan::MARKER
                );
                for item in diagnostics.to_json(&module.sources) {
                    let place = item.range.map_or(String::new(), |range| {
                        format!(" (`{}:{}`)", range.filename, range.start.line)
                    });
                    out.push_str(&format!(
                        "> [!CAUTION]\n> **{}**{place}: {}  \n> {}\n\n",
                        item.code,
                        item.summary.replace('\n', " "),
                        item.detail.unwrap_or_default().replace('\n', " ")
                    ));
                }
                out.push_str("Nothing was planned or saved.\n");
                print!("{out}");
            }
            PlanForm::Text => {
                eprint!(
                    "{}",
                    diagnostics.render(&module.sources, RenderStyle::for_terminal(self.color))
                );
                eprintln!("the plan has {errors} error(s); nothing was planned or saved");
            }
        }
        Ok(())
    }

    /// What the plan pipeline tells as it goes, as a note on stderr.
    pub fn plan_event(&self, event: &PlanEvent) {
        self.note(&match event {
            PlanEvent::WaitingForInterrupted { addresses } => format!(
                "note: waiting for {} operation(s) an interrupted apply left running on the service to end ({})",
                addresses.len(),
                addresses.join(", ")
            ),
            PlanEvent::Reconciled {
                adopted,
                forgotten,
                recorded,
            } => format!(
                "note: an earlier apply was interrupted: {adopted} compute(s) it had started are adopted as the service reports them, {forgotten} it never created (or finished deleting) are forgotten{}",
                if *recorded { "" } else { " (apply records this)" }
            ),
        });
    }

    /// Says so when the state's lock was taken over from a process that is no longer running.
    pub fn stale_lock(&self, store: &crate::state_backend::Store) {
        let Some(stale) = store.taken_over_lock() else {
            return;
        };
        if stale.pid == 0 {
            self.note(
                "note: replaced a state lock file that was empty or unreadable (amlform never writes one like that, so no process held it)",
            );
            return;
        }
        self.note(&format!(
            "note: took over the state lock that pid {} left for `{}` {}; that process is no longer running. `amlform plan` reconciles anything it left unfinished.",
            stale.pid,
            stale.operation,
            stale.since()
        ));
    }
}
