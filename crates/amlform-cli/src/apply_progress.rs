//! What an apply shows while it runs. Plain: a line per resource as it starts and finishes,
//! and every ten seconds a `Still creating... [20s elapsed]` line for what is still in flight
//! (for CI logs). On a terminal the same lines, plus a progress bar on stderr kept below them.
//! JSON: one event object per line for machines (`apply_start`, `apply_state`,
//! `apply_progress`, `apply_complete`, `apply_errored`, `apply_skipped`, `change_summary`),
//! in Terraform's machine-readable UI shape ([`crate::ui_event`]). The service's provisioning state (`Creating`)
//! shows in the still-running lines.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use amlform_engine::{ApplyEvent, ApplyReport};
use amlform_plan::Action;
use serde_json::{Value, json};

use crate::ui_event::{hook, ui_event};

/// How often a line says what is still in flight.
pub const STILL_RUNNING_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressStyle {
    Plain,
    /// Plain lines plus a progress bar on stderr.
    Terminal,
    Json,
    /// `--quiet`: only failures.
    Quiet,
}

#[derive(Debug)]
pub struct Progress {
    style: ProgressStyle,
    total: usize,
    state: Mutex<Tally>,
}

#[derive(Debug, Default)]
struct Tally {
    /// Action, start, and the service's latest state of each operation in flight.
    in_flight: BTreeMap<String, (Action, Instant, Option<String>)>,
    finished: usize,
    failed: usize,
    skipped: usize,
    bar_shown: bool,
}

impl Progress {
    /// For an apply of `total` changes.
    pub fn new(style: ProgressStyle, total: usize) -> Progress {
        Progress {
            style,
            total,
            state: Mutex::new(Tally::default()),
        }
    }

    pub fn event(&self, event: &ApplyEvent) {
        let mut tally = self.tally();
        match event {
            ApplyEvent::Started { address, action } => {
                tally
                    .in_flight
                    .insert(address.clone(), (*action, Instant::now(), None));
            }
            ApplyEvent::ServiceState { address, state } => {
                if let Some((_, _, latest)) = tally.in_flight.get_mut(address) {
                    *latest = Some(state.clone());
                }
                if self.style != ProgressStyle::Json {
                    return; // shown in the still-running lines
                }
            }
            ApplyEvent::Finished { address, .. } => {
                tally.in_flight.remove(address);
                tally.finished += 1;
            }
            ApplyEvent::Failed { address, .. } => {
                tally.in_flight.remove(address);
                tally.failed += 1;
            }
            ApplyEvent::Skipped { .. } => tally.skipped += 1,
        }
        let line = match self.style {
            ProgressStyle::Json => {
                let level = match event {
                    ApplyEvent::Failed { .. } => "error",
                    _ => "info",
                };
                ui_event(
                    level,
                    &describe(event),
                    event_kind(event),
                    event_json(event),
                )
                .to_string()
            }
            ProgressStyle::Quiet if !matches!(event, ApplyEvent::Failed { .. }) => return,
            _ => describe(event),
        };
        self.print(&mut tally, &[line]);
    }

    /// Says what has been in flight for a while (called every [`STILL_RUNNING_EVERY`]).
    pub fn tick(&self) {
        if self.style == ProgressStyle::Quiet {
            return;
        }
        let mut tally = self.tally();
        let lines: Vec<String> = tally
            .in_flight
            .iter()
            .filter(|(_, (_, started, _))| started.elapsed() >= STILL_RUNNING_EVERY)
            .map(|(address, (action, started, state))| {
                still_running(
                    address,
                    *action,
                    started.elapsed(),
                    state.as_deref(),
                    self.style,
                )
            })
            .collect();
        self.print(&mut tally, &lines);
    }

    /// Clears the progress bar, before the summary.
    pub fn finish(&self) {
        let mut tally = self.tally();
        self.clear_bar(&mut tally);
    }

    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn print(&self, tally: &mut Tally, lines: &[String]) {
        self.clear_bar(tally);
        let mut stdout = std::io::stdout().lock();
        for line in lines {
            let _ = writeln!(stdout, "{line}");
        }
        let _ = stdout.flush();
        if self.style == ProgressStyle::Terminal {
            let _ = write!(std::io::stderr(), "{}", bar(tally, self.total));
            tally.bar_shown = true;
        }
    }

    fn clear_bar(&self, tally: &mut Tally) {
        if tally.bar_shown {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            tally.bar_shown = false;
        }
    }
}

/// `[#######-------------] 7/20 done, 3 in flight, 1 failed`, 20 cells wide.
fn bar(tally: &Tally, total: usize) -> String {
    const CELLS: usize = 20;
    let settled = tally.finished + tally.failed + tally.skipped;
    let filled = (settled * CELLS)
        .checked_div(total)
        .unwrap_or(CELLS)
        .min(CELLS);
    let mut text = format!(
        "[{}{}] {settled}/{total} done, {} in flight",
        "#".repeat(filled),
        "-".repeat(CELLS - filled),
        tally.in_flight.len()
    );
    if tally.failed > 0 {
        text.push_str(&format!(", {} failed", tally.failed));
    }
    text
}

/// `aml_compute.cpu: Creating...`, `aml_compute.cpu: Creation complete after 2s [id=...]`.
fn describe(event: &ApplyEvent) -> String {
    match event {
        ApplyEvent::Started { address, action } => format!("{address}: {}", verbs(*action).0),
        ApplyEvent::Finished {
            address,
            action,
            elapsed,
            arm_id,
        } => format!(
            "{address}: {} after {}{}",
            verbs(*action).2,
            duration(*elapsed),
            arm_id
                .as_ref()
                .map(|id| format!(" [id={id}]"))
                .unwrap_or_default()
        ),
        ApplyEvent::Failed {
            address, message, ..
        } => format!("{address}: failed: {message}"),
        ApplyEvent::Skipped {
            address,
            because_of,
        } => format!("{address}: skipped, because {because_of} failed"),
        ApplyEvent::ServiceState { address, state } => format!("{address}: service: {state}"),
    }
}

/// `aml_compute.cpu: Still creating... [20s elapsed, service: Creating]`, or its JSON event.
fn still_running(
    address: &str,
    action: Action,
    elapsed: Duration,
    state: Option<&str>,
    style: ProgressStyle,
) -> String {
    let line = format!(
        "{address}: {} [{} elapsed{}]",
        verbs(action).1,
        duration(Duration::from_secs(elapsed.as_secs())),
        state
            .map(|state| format!(", service: {state}"))
            .unwrap_or_default()
    );
    if style == ProgressStyle::Json {
        let seconds = elapsed.as_secs();
        let body = json!({
            "address": address,
            "action": action.name(),
            "elapsed_seconds": seconds,
            "service_state": state,
            "hook": hook(address, action, json!({ "elapsed_seconds": seconds })),
        });
        ui_event("info", &line, "apply_progress", body).to_string()
    } else {
        line
    }
}

/// The UI's `type` of an event.
fn event_kind(event: &ApplyEvent) -> &'static str {
    match event {
        ApplyEvent::Started { .. } => "apply_start",
        ApplyEvent::Finished { .. } => "apply_complete",
        ApplyEvent::Failed { .. } => "apply_errored",
        ApplyEvent::ServiceState { .. } => "apply_state",
        ApplyEvent::Skipped { .. } => "apply_skipped",
    }
}

/// An event's own keys (the UI's are added by [`ui_event`]).
fn event_json(event: &ApplyEvent) -> Value {
    match event {
        ApplyEvent::Started { address, action } => json!({
            "address": address,
            "action": action.name(),
            "hook": hook(address, *action, json!({})),
        }),
        ApplyEvent::Finished {
            address,
            action,
            elapsed,
            arm_id,
        } => json!({
            "address": address,
            "action": action.name(),
            "elapsed_seconds": elapsed.as_secs_f64(),
            "id": arm_id,
            "hook": hook(address, *action, json!({
                "id_key": "id",
                "id_value": arm_id,
                "elapsed_seconds": elapsed.as_secs(),
            })),
        }),
        ApplyEvent::Failed {
            address,
            action,
            message,
        } => json!({
            "address": address,
            "action": action.name(),
            "message": message,
            "hook": hook(address, *action, json!({})),
        }),
        ApplyEvent::ServiceState { address, state } => json!({
            "address": address,
            "service_state": state,
        }),
        ApplyEvent::Skipped {
            address,
            because_of,
        } => json!({
            "address": address,
            "because_of": because_of,
        }),
    }
}

/// The closing `change_summary` event (Terraform's `changes` object, and amlform's keys).
pub fn summary_json(operation: &str, counts: [usize; 3], report: &ApplyReport) -> Value {
    let [add, change, remove] = counts;
    let verb = if operation == "destroy" {
        "Destroy"
    } else {
        "Apply"
    };
    let (level, message) = if report.is_success() {
        (
            "info",
            format!(
                "{verb} complete! Resources: {add} added, {change} changed, {remove} destroyed."
            ),
        )
    } else {
        (
            "error",
            format!(
                "{verb} incomplete: {add} added, {change} changed, {remove} destroyed; {} failed.",
                report.failed.len()
            ),
        )
    };
    let body = json!({
        "changes": {"add": add, "change": change, "import": 0, "remove": remove, "operation": operation},
        "operation": operation,
        "add": add,
        "change": change,
        "remove": remove,
        "failed": report.failed.iter().map(|(address, message)| json!({"address": address, "message": message})).collect::<Vec<_>>(),
        "skipped": report.skipped,
        "not_started": report.not_started,
        "abandoned": report.abandoned,
        "success": report.is_success(),
    });
    ui_event(level, &message, "change_summary", body)
}

/// Start, still running, and finished forms of an action, as Terraform words them.
fn verbs(action: Action) -> (&'static str, &'static str, &'static str) {
    match action {
        Action::Create => ("Creating...", "Still creating...", "Creation complete"),
        Action::Attach => ("Attaching...", "Still attaching...", "Attach complete"),
        Action::Update => (
            "Modifying...",
            "Still modifying...",
            "Modifications complete",
        ),
        Action::Replace { attached: true, .. } => (
            "Detaching and attaching again...",
            "Still reattaching...",
            "Reattach complete",
        ),
        Action::Replace { .. } => ("Replacing...", "Still replacing...", "Replacement complete"),
        Action::Delete => (
            "Destroying...",
            "Still destroying...",
            "Destruction complete",
        ),
        Action::Detach => ("Detaching...", "Still detaching...", "Detach complete"),
        Action::Start => ("Starting...", "Still starting...", "Start complete"),
        Action::Stop => ("Stopping...", "Still stopping...", "Stop complete"),
        Action::Import => ("Importing...", "Still importing...", "Import complete"),
        Action::Forget => ("Forgetting...", "Still forgetting...", "Forgotten"),
        Action::NoOp => ("", "", ""),
    }
}

/// `2m14s`, `3s`, `120ms`.
fn duration(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    match seconds {
        0 => format!("{}ms", elapsed.as_millis()),
        1..=59 => format!("{seconds}s"),
        _ => format!("{}m{}s", seconds / 60, seconds % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_counts_what_settled_and_what_runs() {
        let mut tally = Tally {
            finished: 6,
            failed: 1,
            ..Tally::default()
        };
        tally.in_flight.insert(
            "aml_compute.a".to_owned(),
            (Action::Create, Instant::now(), None),
        );
        assert_eq!(
            bar(&tally, 20),
            "[#######-------------] 7/20 done, 1 in flight, 1 failed"
        );
        assert_eq!(
            bar(&Tally::default(), 0),
            "[####################] 0/0 done, 0 in flight"
        );
    }

    #[test]
    fn still_running_lines_say_how_long_in_each_style() {
        let elapsed = Duration::from_millis(134_600);
        assert_eq!(
            still_running(
                "aml_compute.cpu",
                Action::Create,
                elapsed,
                Some("Creating"),
                ProgressStyle::Plain
            ),
            "aml_compute.cpu: Still creating... [2m14s elapsed, service: Creating]"
        );
        let event: Value = serde_json::from_str(&still_running(
            "remote_compute.vm",
            Action::Replace {
                attached: true,
                create_before_destroy: false,
            },
            elapsed,
            None,
            ProgressStyle::Json,
        ))
        .unwrap();
        assert_eq!(
            (&event["type"], &event["address"], &event["action"]),
            (
                &json!("apply_progress"),
                &json!("remote_compute.vm"),
                &json!("reattach")
            )
        );
        assert_eq!(
            (&event["elapsed_seconds"], &event["service_state"]),
            (&json!(134), &Value::Null)
        );
        assert_eq!(
            event["@message"],
            "remote_compute.vm: Still reattaching... [2m14s elapsed]"
        );
        assert_eq!(event["hook"]["action"], "replace");
        assert_eq!(event["hook"]["elapsed_seconds"], 134);
    }
}
