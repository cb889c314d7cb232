//! `amlform fmt`: rewrite files canonically; `--check` exits 3 when a file would change.

use crate::cli::FmtArgs;
use crate::exit_status::ExitStatus;
use crate::settings::Settings;
use amlform_lang::{CONFIG_SUFFIX, VARS_SUFFIX, format_source};
use anyhow::Context;
use std::path::{Path, PathBuf};

pub fn run(args: &FmtArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut files = Vec::new();
    for root in &roots {
        collect(root, args.recursive, &mut files)
            .with_context(|| format!("cannot read {}", root.display()))?;
    }
    let mut changed = 0;
    let mut failed = 0;
    for path in &files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let formatted = match format_source(&text) {
            Ok(formatted) => formatted,
            Err(error) => {
                eprintln!(
                    "error: {} does not parse, so it was not formatted: {error}",
                    path.display()
                );
                eprintln!("hint: run `amlform validate` for the full diagnostic");
                failed += 1;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        changed += 1;
        println!("{}", path.display());
        if args.diff {
            print!(
                "{}",
                unified_diff(path, &text, &formatted, settings.color())
            );
        }
        if !args.check {
            std::fs::write(path, &formatted)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(if failed > 0 {
        ExitStatus::Failure
    } else if args.check && changed > 0 {
        ExitStatus::Unformatted
    } else {
        ExitStatus::Success
    })
}

fn collect(path: &Path, recursive: bool, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_file() {
        files.push(path.to_owned());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for entry in entries {
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if entry.is_dir() {
            if recursive && !name.starts_with('.') {
                collect(&entry, recursive, files)?;
            }
        } else if name.ends_with(CONFIG_SUFFIX) || name.ends_with(VARS_SUFFIX) {
            files.push(entry);
        }
    }
    Ok(())
}

fn unified_diff(path: &Path, old: &str, new: &str, color: bool) -> String {
    let name = path.display().to_string();
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&name, &name)
        .to_string();
    if !color {
        return text;
    }
    text.lines()
        .map(|line| match line.chars().next() {
            Some('+') if !line.starts_with("+++") => format!("\x1b[32m{line}\x1b[0m\n"),
            Some('-') if !line.starts_with("---") => format!("\x1b[31m{line}\x1b[0m\n"),
            _ => format!("{line}\n"),
        })
        .collect()
}
