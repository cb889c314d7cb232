//! No input makes the loader, the evaluator, the renderer or the formatter panic: random and
//! mutated fixture bytes always come back as diagnostics (or formatted text).

use amlform_lang::{LoadOptions, Module, RenderStyle, format_source};
use std::path::Path;

/// Deterministic xorshift, so a failure reproduces from its case number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "=",
    "${",
    "%{",
    "}",
    "#",
    "//",
    "/*",
    "*/",
    "<<EOT\n",
    "\nEOT\n",
    "\n",
    "var.",
    "local.",
    "each.key",
    "count.index",
    "aml_compute.cpu.id",
    "for x in [1] : x",
    "? 1 : 2",
    "...",
    "*",
    "-",
    "!",
    "null",
    "true",
    "1e999",
    "-1",
    "0",
    "lower(",
    "file(\"/dev/null\")",
    "file(\"/dev/zero\")",
    "\ncount = 1000000000000000000\n",
    "\ncount = 100000000\n",
    "\u{1F600}",
    "\\",
];

fn mutate(rng: &mut Rng, corpus: &[String]) -> String {
    let mut bytes = corpus[rng.below(corpus.len())].clone().into_bytes();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if !bytes.is_empty() => {
                let at = at.min(bytes.len() - 1);
                bytes[at] = rng.next() as u8;
            }
            1 => {
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                bytes.splice(at..at, piece.bytes());
            }
            2 => {
                let end = (at + rng.below(40)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let other = corpus[rng.below(corpus.len())].as_bytes();
                let start = rng.below(other.len());
                let end = (start + rng.below(200)).min(other.len());
                bytes.splice(at..at, other[start..end].iter().copied());
            }
            4 => bytes = (0..rng.below(200)).map(|_| rng.next() as u8).collect(),
            _ => bytes.truncate(at),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn ten_thousand_mutated_inputs_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/config");
    let mut corpus = Vec::new();
    for dir in ["valid", "invalid"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            corpus.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
    }
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let cases = 10_000;
    let mut parsed = 0;
    for case in 0..cases {
        let input = mutate(&mut rng, &corpus);
        let result = std::panic::catch_unwind(|| {
            let module = Module::load_sources(
                vec![("fuzz.aml.hcl".into(), input.clone())],
                Path::new("/nonexistent"),
                &[],
                &LoadOptions::default(),
            );
            let _ = module
                .diagnostics
                .render(&module.sources, RenderStyle::PLAIN);
            let _ = module.evaluated.to_string();
            if let Ok(once) = format_source(&input) {
                let twice = format_source(&once).expect("formatted text parses");
                assert_eq!(once, twice, "fmt is idempotent");
                return true;
            }
            false
        });
        match result {
            Ok(true) => parsed += 1,
            Ok(false) => {}
            Err(_) => panic!("case {case} panicked on input:\n{input}"),
        }
    }
    // The mutations must exercise both paths: inputs that parse and inputs that do not.
    assert!(
        parsed > cases / 20 && parsed < cases,
        "{parsed} of {cases} inputs parsed"
    );
}

fn load(text: &str, base: &Path) -> Module {
    Module::load_sources(
        vec![("main.aml.hcl".into(), text.to_owned())],
        base,
        &[],
        &LoadOptions::default(),
    )
}

const WORKSPACE: &str = "workspace \"dev\" {\n  name = \"w\"\n  resource_group = \"r\"\n  location = \"eastus\"\n  endpoint = \"embedded\"\n}\n";

fn cluster_with(extra: &str) -> String {
    format!(
        "{WORKSPACE}aml_compute \"c\" {{\n  name      = \"cc\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 2\n{extra}\n}}\n"
    )
}

/// Shapes that once panicked, aborted or hung: each is a diagnostic now.
#[test]
fn huge_counts_long_lines_and_special_files_are_diagnostics() {
    let nowhere = Path::new("/nonexistent");
    for count in ["1000000000000000000", "100000000", "100001"] {
        let text = cluster_with("").replace(
            "  name      = \"cc\"",
            &format!("  count = {count}\n  name = \"c-${{count.index}}\""),
        );
        let module = load(&text, nowhere);
        let rendered = module
            .diagnostics
            .render(&module.sources, RenderStyle::PLAIN);
        assert!(rendered.contains("at most 100000"), "{rendered}");
        assert!(module.evaluated.computes.is_empty());
    }
    // A caret past column 65,535 (miette panics drawing it).
    let long = cluster_with(&format!(
        "  tags = {{ a = \"{}\", b = var.nope }}",
        "x".repeat(70_000)
    ));
    let module = load(&long, nowhere);
    let rendered = module
        .diagnostics
        .render(&module.sources, RenderStyle::PLAIN);
    assert!(
        rendered.contains("the line is too long to show"),
        "{rendered}"
    );
    assert!(rendered.len() < 1_000, "the line itself is not printed");

    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    std::fs::create_dir(dir.path().join("subdir")).unwrap();
    for (path, says) in [
        ("fifo", "not a regular file"),
        ("/dev/zero", "not a regular file"),
        ("subdir", "is a directory"),
        ("missing", "does not exist"),
    ] {
        let module = load(
            &cluster_with(&format!("  description = file(\"{path}\")")),
            dir.path(),
        );
        let rendered = module
            .diagnostics
            .render(&module.sources, RenderStyle::PLAIN);
        assert!(rendered.contains(says), "{path}: {rendered}");
    }
}

/// Canary secrets in every place a configuration holds one: no rendered diagnostic, JSON
/// diagnostic or source snippet shows any of them.
#[test]
fn no_diagnostic_shows_a_sensitive_value() {
    let text = format!(
        r#"{WORKSPACE}
variable "dbx_token" {{
  type      = string
  sensitive = true
  default   = "dapi-CANARY-ONE"
}}

variable "num" {{
  type      = number
  sensitive = true
  default   = "CANARY-TWO"
}}

databricks_compute "dbx" {{
  name           = "dbx"
  workspace_name = "dbx-ws"
  resource_group = "dbx-rg"
  access_token   = tonumber(var.dbx_token)
}}

databricks_compute "dbx2" {{
  name           = "dbx2"
  workspace_name = "dbx-ws2"
  resource_group = "dbx-rg"
  access_token   = "CANARY-THREE"
}}

aml_compute "c" {{
  name        = "cc"
  vm_size     = "STANDARD_D2_V2"
  max_nodes   = 2
  description = file(var.dbx_token)
  tags        = {{ a = var.dbx_token + 1 }}
}}
"#
    );
    let module = load(&text, Path::new("/nonexistent"));
    let rendered = module
        .diagnostics
        .render(&module.sources, RenderStyle::PLAIN);
    let json = serde_json::to_string(&module.diagnostics.to_json(&module.sources)).unwrap();
    let debug = format!("{:?}", module.diagnostics);
    assert!(module.diagnostics.error_count() >= 3, "{rendered}");
    for canary in ["CANARY-ONE", "CANARY-TWO", "CANARY-THREE"] {
        assert!(!rendered.contains(canary), "{canary} in\n{rendered}");
        assert!(!json.contains(canary), "{canary} in {json}");
        assert!(!debug.contains(canary), "{canary} in {debug}");
    }
    // The snippets are still there, masked in place.
    assert!(
        rendered.contains(r#"default   = "**********""#),
        "{rendered}"
    );
    assert!(rendered.contains("(sensitive value)"), "{rendered}");
}
