//! The plan as Markdown for a pull-request comment: destructive changes called out first, a
//! summary table (address, action, reason), then each change's details in a collapsible
//! section. Always at most the [`MarkdownTarget`]'s limit (a GitHub comment's 65,536
//! characters, a job summary's 1 MiB, a GitLab note's 1,000,000): when the whole plan does not
//! fit, details and then table rows are summarised, never the list of destructive changes. It
//! opens with [`MARKER`], a hidden comment a bot finds to update its comment in place.

use std::fmt::Write;

use crate::plan::{Action, Plan, ResourceChange};
use crate::text_view::render_text;

pub const MARKDOWN_LIMIT: usize = 65_536;

/// The hidden first line of every Markdown plan.
pub const MARKER: &str = "<!-- amlform-plan -->";

/// Where the Markdown goes, which sets how long it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MarkdownTarget {
    /// A pull-request comment: at most 65,536 characters.
    #[default]
    GithubComment,
    /// `$GITHUB_STEP_SUMMARY`: at most 1 MiB.
    GithubSummary,
    /// A merge-request note: at most 1,000,000 characters.
    GitlabNote,
}

impl MarkdownTarget {
    pub const NAMES: [&'static str; 3] = ["github-comment", "github-summary", "gitlab-note"];

    pub fn parse(name: &str) -> Option<MarkdownTarget> {
        match name {
            "github-comment" => Some(MarkdownTarget::GithubComment),
            "github-summary" => Some(MarkdownTarget::GithubSummary),
            "gitlab-note" => Some(MarkdownTarget::GitlabNote),
            _ => None,
        }
    }

    /// The most it may hold (bytes: a limit in characters is never exceeded by fewer bytes).
    pub fn limit(self) -> usize {
        match self {
            MarkdownTarget::GithubComment => MARKDOWN_LIMIT,
            MarkdownTarget::GithubSummary => 1024 * 1024,
            MarkdownTarget::GitlabNote => 1_000_000,
        }
    }
}

/// Room kept for the closing lines that say what was left out.
const RESERVE: usize = 600;

/// The plan as a pull-request comment ([`MarkdownTarget::GithubComment`]).
pub fn render_markdown(plan: &Plan) -> String {
    render_markdown_for(plan, MarkdownTarget::GithubComment)
}

pub fn render_markdown_for(plan: &Plan, target: MarkdownTarget) -> String {
    let limit = target.limit();
    let summary = plan.summary();
    let mut out = format!("{MARKER}\n");
    let imports = if summary.import > 0 {
        format!("{} to import, ", summary.import)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "### amlform plan: {imports}{} to add, {} to change, {} to destroy\n",
        summary.add, summary.change, summary.destroy
    );
    for error in &plan.errors {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> **Error** in `{}`: {}  \n> {}\n",
            error.address,
            escape(&error.message),
            escape(&error.hint)
        );
    }
    for warning in &plan.warnings {
        let _ = writeln!(out, "> [!NOTE]\n> {}\n", escape(warning));
    }
    if !plan.drift.is_empty() {
        let drifted: Vec<String> = plan
            .drift
            .iter()
            .map(|drift| format!("`{}` ({})", drift.address, escape(&drift.description)))
            .collect();
        let _ = writeln!(out, "**Changed outside amlform:** {}\n", drifted.join(", "));
    }
    let changes: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|change| change.action != Action::NoOp)
        .collect();
    if changes.is_empty() {
        out.push_str(if plan.refresh_only {
            "This is a refresh-only plan: no compute changes.\n"
        } else {
            "No changes. The computes match the configuration.\n"
        });
        return clamp(out, limit);
    }

    // Destructive changes are listed in full, always, compactly.
    let destructive: Vec<&ResourceChange> = changes
        .iter()
        .copied()
        .filter(|change| change.action.is_destructive())
        .collect();
    if !destructive.is_empty() {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> **{} destructive change(s):**",
            destructive.len()
        );
        let names: Vec<String> = destructive
            .iter()
            .map(|change| format!("`{}` ({})", change.address, change.action.name()))
            .collect();
        let _ = writeln!(out, "> {}\n", names.join(", "));
    }
    if let Some((before, after)) = plan.hourly_cost()
        && (before - after).abs() > 0.0005
    {
        let _ = writeln!(
            out,
            "**Always-on nodes:** ${before:.2}/h → ${after:.2}/h (estimate)\n"
        );
    }

    // The table, destructive rows first, as many rows as fit.
    let mut ordered = destructive.clone();
    ordered.extend(
        changes
            .iter()
            .copied()
            .filter(|change| !change.action.is_destructive()),
    );
    out.push_str("| Address | Action | Reason |\n|---|---|---|\n");
    let mut rows_left_out = 0;
    for change in &ordered {
        let row = format!(
            "| `{}` | {} | {} |\n",
            change.address,
            change.action.name(),
            escape(change.reason.as_deref().unwrap_or(""))
        );
        if out.len() + row.len() + RESERVE > limit {
            rows_left_out += 1;
        } else {
            out.push_str(&row);
        }
    }
    if rows_left_out > 0 {
        let _ = writeln!(
            out,
            "\n_{rows_left_out} more change(s) are not listed: the plan is larger than a comment can hold. Run `amlform plan` for all of them._"
        );
    }
    out.push('\n');

    // Details, while they fit.
    let mut details_left_out = 0;
    for change in &ordered {
        let single = Plan {
            changes: vec![(*change).clone()],
            ..Plan::default()
        };
        let text = render_text(&single, false);
        let body: String = text
            .lines()
            .skip_while(|line| !line.trim_start().starts_with('#'))
            .take_while(|line| !line.starts_with("Plan:"))
            .collect::<Vec<_>>()
            .join("\n");
        let section = format!(
            "<details><summary><code>{}</code> ({})</summary>\n\n```diff\n{}\n```\n\n</details>\n",
            change.address,
            change.action.name(),
            body.trim_end().replace("```", "'''")
        );
        if details_left_out > 0 || out.len() + section.len() + RESERVE > limit {
            details_left_out += 1;
        } else {
            out.push_str(&section);
        }
    }
    if details_left_out > 0 {
        let _ = writeln!(
            out,
            "\n_Details of {details_left_out} change(s) are left out to fit the comment limit._"
        );
    }
    clamp(out, limit)
}

/// Table cells and quotes cannot hold newlines or bare pipes.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A last guard: never over the limit, whatever the content.
fn clamp(mut out: String, limit: usize) -> String {
    if out.len() > limit {
        let mut cut = limit - 80;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("\n\n_The rest of the plan is left out to fit the comment limit._\n");
    }
    out
}
