//! `cargo bench -p amlform-lang --bench validate`: how long loading, evaluating and checking a
//! generated 5,000-compute configuration takes, and one `locals` block of 20k, 40k and 80k
//! entries (half reading another), whose time should grow linearly. Prints numbers; asserts
//! nothing about time.

#![allow(clippy::print_stdout)] // a benchmark reports by printing

use amlform_lang::{LoadOptions, ParsedModule};
use std::fmt::Write;
use std::path::Path;
use std::time::{Duration, Instant};

fn generate(workspaces: usize, computes_per_workspace: usize) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for w in 0..workspaces {
        let mut text = String::new();
        writeln!(text, "workspace \"ws{w}\" {{\n  name           = \"ml-ws-{w}\"\n  resource_group = \"rg-{w}\"\n  location       = \"eastus\"\n  endpoint       = \"embedded\"\n}}\n").unwrap();
        for c in 0..computes_per_workspace {
            let kind = c % 4;
            match kind {
                0 => writeln!(text, "aml_compute \"c{w}_{c}\" {{\n  workspace = workspace.ws{w}\n  name      = \"${{var.prefix}}-{w}-{c}\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = {}\n  tags      = local.tags\n}}\n", c % 8 + 1),
                1 => writeln!(text, "compute_instance \"c{w}_{c}\" {{\n  workspace = workspace.ws{w}\n  name      = \"ci-w{w}c{c}\"\n  vm_size   = \"STANDARD_D3_V2\"\n}}\n"),
                2 => writeln!(text, "remote_compute \"c{w}_{c}\" {{\n  workspace        = workspace.ws{w}\n  name             = \"vm-{w}-{c}\"\n  resource_id      = \"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm{w}x{c}\"\n  username         = \"azureuser\"\n  private_key_file = \"id_rsa\"\n}}\n"),
                _ => writeln!(text, "aml_compute \"c{w}_{c}\" {{\n  workspace = workspace.ws{w}\n  name      = \"dep-{w}-{c}\"\n  vm_size   = aml_compute.c{w}_{}.vm_size\n  max_nodes = 2\n  tags      = {{ peer = aml_compute.c{w}_{}.id }}\n}}\n", c - 3, c - 3),
            }
            .unwrap();
        }
        files.push((format!("ws{w}.aml.hcl"), text));
    }
    files.push((
        "vars.aml.hcl".into(),
        "variable \"prefix\" { default = \"p\" }\nlocals { tags = { owner = \"bench\" } }\n".into(),
    ));
    files
}

/// One `locals` block of `entries`, every odd one reading the one before it.
fn locals(entries: usize) -> Vec<(String, String)> {
    let mut text = String::from("locals {\n");
    for index in 0..entries {
        if index % 2 == 1 {
            writeln!(text, "  l{index} = \"${{local.l{}}}-x\"", index - 1).unwrap();
        } else {
            writeln!(text, "  l{index} = \"v{index}\"").unwrap();
        }
    }
    text.push_str("}\n");
    vec![("main.aml.hcl".into(), text)]
}

fn median_ms(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1e3
}

fn main() {
    let mut first = None;
    for entries in [20_000, 40_000, 80_000] {
        let files = locals(entries);
        let times: Vec<Duration> = (0..5)
            .map(|_| {
                let options = LoadOptions::default();
                let start = Instant::now();
                let parsed =
                    ParsedModule::parse_sources(files.clone(), Path::new("."), &[], &options);
                let module = parsed.evaluate(&options.known);
                assert!(!module.diagnostics.has_errors());
                start.elapsed()
            })
            .collect();
        let median = median_ms(times);
        let base = *first.get_or_insert(median);
        println!(
            "validate one locals block of {entries:>6} entries: median {median:>7.1} ms over 5 runs ({:.1}x the 20k time)",
            median / base
        );
    }
    for (workspaces, per_workspace) in [(10, 100), (50, 100)] {
        let files = generate(workspaces, per_workspace);
        let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
        let runs = 11;
        let (mut parse, mut evaluate, mut total) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let options = LoadOptions::default();
            let start = Instant::now();
            let parsed = ParsedModule::parse_sources(files.clone(), Path::new("."), &[], &options);
            let parsed_at = start.elapsed();
            let module = parsed.evaluate(&options.known);
            let done_at = start.elapsed();
            parse.push(parsed_at);
            evaluate.push(done_at - parsed_at);
            total.push(done_at);
            assert!(
                !module.diagnostics.has_errors(),
                "{:?}",
                module.diagnostics.iter().next()
            );
            assert_eq!(module.evaluated.computes.len(), workspaces * per_workspace);
        }
        let median = |times: &mut Vec<Duration>| {
            times.sort();
            times[runs / 2].as_secs_f64() * 1e3
        };
        println!(
            "validate {:>5} computes in {:>2} workspaces ({} KiB): median {:>6.1} ms (parse {:>5.1}, evaluate {:>5.1}) over {runs} runs",
            workspaces * per_workspace,
            workspaces,
            bytes / 1024,
            median(&mut total),
            median(&mut parse),
            median(&mut evaluate),
        );
    }
}
