//! Every example, which together cover every compute kind, end to end on the embedded
//! emulator: formatted; apply; the next plan is empty; an in-place change is an update (for
//! the kinds that have one); a forcing change is a replacement (detach and attach again for
//! attached kinds); destroy leaves an empty state and an emulator with no compute, while the
//! resources that were attached still exist.

use std::path::Path;
use std::process::{Command, Output};

use amlform_emulator::Emulator;

struct Example {
    dir: &'static str,
    /// A text edit that changes an attribute Azure updates in place.
    in_place: Option<(&'static str, &'static str)>,
    /// A text edit that changes an attribute that forces replacement.
    forcing: (&'static str, &'static str),
    /// What the plan says of the forcing change.
    forcing_says: &'static str,
}

const EXAMPLES: &[Example] = &[
    Example {
        dir: "quickstart",
        in_place: Some((
            "max_nodes                     = 4",
            "max_nodes                     = 6",
        )),
        forcing: ("\"STANDARD_D2_V2\"", "\"STANDARD_D3_V2\""),
        forcing_says: "aml_compute.cpu must be replaced",
    },
    Example {
        dir: "hdinsight",
        in_place: None,
        forcing: ("ssh_port    = 22", "ssh_port    = 2222"),
        forcing_says: "hdinsight_compute.spark must be detached and attached again",
    },
    Example {
        dir: "databricks",
        in_place: None,
        forcing: ("\"dbx-analytics\"", "\"dbx-analytics-2\""),
        forcing_says: "databricks_compute.dbx must be detached and attached again",
    },
    Example {
        dir: "data-lake-analytics",
        in_place: None,
        forcing: ("\"mladlaaccount\"", "\"mladlaaccount2\""),
        forcing_says: "adla_compute.adla must be detached and attached again",
    },
    Example {
        dir: "aks",
        in_place: None,
        forcing: ("\"DevTest\"", "\"FastProd\""),
        forcing_says: "aks_compute.inference must be replaced",
    },
];

fn amlform(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_amlform"))
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn succeeds(dir: &Path, args: &[&str]) -> String {
    let output = amlform(dir, args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{} {args:?}:\n{stdout}\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn assert_plan_is_empty(dir: &Path, after: &str) {
    let plan = amlform(dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}: the plan after {after} is not empty:\n{}",
        dir.display(),
        String::from_utf8_lossy(&plan.stdout)
    );
}

fn edit(dir: &Path, (from, to): (&str, &str)) {
    let path = dir.join("main.aml.hcl");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{from} in {}", dir.display());
    std::fs::write(&path, text.replace(from, to)).unwrap();
}

fn copy_of(example: &str) -> tempfile::TempDir {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(example);
    let dir = tempfile::Builder::new()
        .prefix(&format!("amlform-example-{example}-"))
        .tempdir()
        .unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// The ARM ids of the resources attached to the emulator's computes.
fn attached_resources(dir: &Path) -> Vec<String> {
    embedded(dir)
        .computes()
        .iter()
        .filter(|compute| compute["properties"]["isAttachedCompute"] == true)
        .filter_map(|compute| {
            compute["properties"]["resourceId"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

fn embedded(dir: &Path) -> Emulator {
    Emulator::builder()
        .persist_in(dir.join(".amlform/emulator"))
        .build()
        .unwrap()
}

#[test]
fn every_example_applies_updates_replaces_and_destroys_cleanly() {
    let every_dir: Vec<&str> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .map(|name| {
                EXAMPLES
                    .iter()
                    .find(|example| example.dir == name)
                    .map_or("untested", |example| example.dir)
            })
            .collect();
    assert!(
        !every_dir.contains(&"untested"),
        "every example directory has a row here"
    );
    for example in EXAMPLES {
        let temp = copy_of(example.dir);
        let dir = temp.path();
        succeeds(dir, &["fmt", "--check"]);
        let applied = succeeds(dir, &["apply", "--auto-approve"]);
        assert!(applied.contains("Apply complete!"), "{applied}");
        assert_plan_is_empty(dir, "apply");

        if let Some(change) = example.in_place {
            edit(dir, change);
            let plan = succeeds(dir, &["plan"]);
            assert!(plan.contains("will be updated in-place"), "{plan}");
            assert!(!plan.contains("must be"), "{plan}");
            succeeds(dir, &["apply", "--auto-approve"]);
            assert_plan_is_empty(dir, "an in-place update");
        }

        edit(dir, example.forcing);
        let plan = succeeds(dir, &["plan"]);
        assert!(plan.contains(example.forcing_says), "{plan}");
        succeeds(dir, &["apply", "--auto-approve"]);
        assert_plan_is_empty(dir, "a replacement");

        // Every example attaches something, so each shows a detach keeping its resource.
        let attached = attached_resources(dir);
        assert!(!attached.is_empty(), "{}", example.dir);
        let destroyed = succeeds(dir, &["destroy", "--auto-approve"]);
        assert!(destroyed.contains("Destroy complete!"), "{destroyed}");
        assert!(succeeds(dir, &["state", "list"]).is_empty());
        let emulator = embedded(dir);
        assert_eq!(
            emulator.computes(),
            Vec::<serde_json::Value>::new(),
            "{}",
            example.dir
        );
        for resource in attached {
            assert_eq!(
                emulator.underlying_resource_exists(&resource),
                Some(true),
                "{resource} outlives its detach"
            );
        }
    }
}
