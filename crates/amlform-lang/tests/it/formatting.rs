//! `fmt` round trips: formatting every fixture and example is idempotent, keeps every comment,
//! and what it writes still parses to the same evaluated configuration.

use amlform_lang::{LoadOptions, Module, format_source};
use std::path::{Path, PathBuf};

fn hcl_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(hcl_files(&path));
        } else if path.to_string_lossy().ends_with(".hcl") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn comments(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.find('#').map(|i| line[i..].trim_end().to_owned()))
        .collect()
}

fn evaluated(name: &str, text: &str, dir: &Path) -> String {
    let module = Module::load_sources(
        vec![(name.into(), text.into())],
        dir,
        &[],
        &LoadOptions::default(),
    );
    format!(
        "{}\n{:?}",
        module.evaluated,
        module
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>()
    )
}

#[test]
fn formatting_is_idempotent_and_keeps_comments_and_meaning() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = hcl_files(&root.join("testdata/config"));
    files.extend(hcl_files(&root.join("examples")));
    let mut formatted_count = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(once) = format_source(&text) else {
            continue;
        };
        formatted_count += 1;
        let twice = format_source(&once)
            .unwrap_or_else(|e| panic!("{}: formatted text does not parse: {e}", path.display()));
        assert_eq!(once, twice, "{}: fmt is not idempotent", path.display());
        assert_eq!(
            comments(&text),
            comments(&once),
            "{}: a comment was lost or changed",
            path.display()
        );
        let name = path.file_name().unwrap().to_string_lossy();
        let dir = path.parent().unwrap();
        assert_eq!(
            evaluated(&name, &text, dir),
            evaluated(&name, &once, dir),
            "{}: fmt changed the meaning",
            path.display()
        );
    }
    assert!(
        formatted_count >= 70,
        "only {formatted_count} fixtures were formatted"
    );
}

#[test]
fn examples_are_already_formatted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for path in hcl_files(&root) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            format_source(&text).unwrap(),
            text,
            "{} is not formatted; run `amlform fmt --recursive examples`",
            path.display()
        );
    }
}
