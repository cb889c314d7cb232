//! `amlform graph`: the dependency graph as Graphviz DOT, sorted so it diffs cleanly.
//! Edges point from a compute to what it depends on.

use crate::exit_status::ExitStatus;
use crate::settings::Settings;
use std::collections::BTreeMap;
use std::fmt::Write;

use amlform_graph::Dag;
use amlform_plan::PlanOptions;
use amlform_state::StateStore;

use crate::cli::{GraphArgs, GraphKind};

pub fn run(args: &GraphArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    match args.kind {
        GraphKind::Plan => {
            let module = crate::module_loader::load(&args.variables)?;
            if module.diagnostics.has_errors() {
                settings.printer.diagnostics(&module);
                return Ok(ExitStatus::Failure);
            }
            let mut dag = Dag::new();
            let mut labels = BTreeMap::new();
            for (address, instance) in &module.evaluated.computes {
                dag.add_node(address.clone());
                labels.insert(
                    address.clone(),
                    format!("{address}\n(workspace {})", instance.workspace),
                );
                for dependency in &instance.depends_on {
                    dag.add_dependency(address.clone(), dependency.clone());
                }
            }
            print!("{}", dot(&[("configuration", &dag)], &labels));
        }
        GraphKind::Apply => {
            let mut timings = crate::timings::Timings::start();
            let Some(planned) = crate::plan_command::prepare(
                &args.variables,
                args.lock_timeout,
                "graph",
                PlanOptions::default(),
                false,
                settings,
                &mut timings,
            )?
            else {
                return Ok(ExitStatus::Failure);
            };
            let records = planned
                .store
                .records()?
                .into_iter()
                .map(|record| (record.address.clone(), record))
                .collect();
            let graph =
                amlform_engine::apply_graph(&planned.plan, &planned.module.evaluated, &records);
            let labels = planned
                .plan
                .changes
                .iter()
                .map(|change| {
                    (
                        change.address.clone(),
                        format!("{}\n({})", change.address, change.action.name()),
                    )
                })
                .collect();
            print!(
                "{}",
                dot(
                    &[
                        ("removals (dependents first)", &graph.removals),
                        ("changes (dependencies first)", &graph.others)
                    ],
                    &labels
                )
            );
        }
    }
    Ok(ExitStatus::Success)
}

/// A DOT quoted string: `aml_compute.pool["big"]` keeps its quotes, a line break is `\n`.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

fn dot(clusters: &[(&str, &Dag<String>)], labels: &BTreeMap<String, String>) -> String {
    let mut out = String::from("digraph amlform {\n  rankdir = \"RL\";\n  node [shape = box];\n");
    for (index, (name, dag)) in clusters.iter().enumerate() {
        // Drawn even with a cycle: the picture is how one finds it.
        let mut nodes: Vec<&String> = dag.nodes().collect();
        if nodes.is_empty() {
            continue;
        }
        nodes.sort();
        let _ = writeln!(
            out,
            "  subgraph cluster_{index} {{\n    label = {};",
            quoted(name)
        );
        for node in &nodes {
            let label = labels
                .get(*node)
                .cloned()
                .unwrap_or_else(|| (*node).clone());
            let _ = writeln!(out, "    {} [label = {}];", quoted(node), quoted(&label));
        }
        out.push_str("  }\n");
        for node in &nodes {
            for dependency in dag.dependencies(node) {
                let _ = writeln!(out, "  {} -> {};", quoted(node), quoted(dependency));
            }
        }
    }
    out.push_str("}\n");
    out
}
