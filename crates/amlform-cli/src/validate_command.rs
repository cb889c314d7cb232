//! `amlform validate`: load, evaluate and check the configuration (and that the files it names
//! can be read); exit 0 when clean, 1 with errors.

use crate::cli::{DiagnosticFormat, ValidateArgs};
use crate::exit_status::ExitStatus;
use crate::settings::Settings;
use amlform_lang::RenderStyle;

pub fn run(args: &ValidateArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let mut module = crate::module_loader::load(&args.variables)?;
    // The files a plan reads are checked here too, so validate finds what plan would refuse.
    crate::plan_command::check_files(&mut module);
    let diagnostics = &module.diagnostics;
    let valid = !diagnostics.has_errors();
    let format = match (args.json, args.format) {
        (true, _) => DiagnosticFormat::Json,
        (false, format) => format.unwrap_or(DiagnosticFormat::Text),
    };
    if format == DiagnosticFormat::Sarif {
        let log = crate::diagnostic_formats::sarif(&diagnostics.to_json(&module.sources));
        println!("{}", serde_json::to_string_pretty(&log)?);
    } else if format == DiagnosticFormat::Github {
        print!(
            "{}",
            crate::diagnostic_formats::github(&diagnostics.to_json(&module.sources))
        );
    } else if format == DiagnosticFormat::Json {
        let report = serde_json::json!({
            "format_version": "1.0",
            "valid": valid,
            "error_count": diagnostics.error_count(),
            "warning_count": diagnostics.warning_count(),
            "diagnostics": diagnostics.to_json(&module.sources),
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        eprint!(
            "{}",
            diagnostics.render(&module.sources, RenderStyle::for_terminal(settings.color()))
        );
        if valid {
            let computes = module.evaluated.computes.len();
            let warnings = match diagnostics.warning_count() {
                0 => String::new(),
                n => format!(" with {n} warning(s)"),
            };
            println!(
                "The configuration is valid{warnings}: {computes} compute(s) in {} workspace(s).",
                module.evaluated.workspaces.len()
            );
        } else {
            eprintln!(
                "{} error(s), {} warning(s)",
                diagnostics.error_count(),
                diagnostics.warning_count()
            );
        }
    }
    Ok(ExitStatus::from_success(valid))
}
