//! Every example, which together cover every compute kind, end to end on the embedded
//! emulator, under each long-running-operation shape the API allows (`--lro-style`) with
//! operations that take time: formatted; apply, after which every compute is `Succeeded` on
//! the service; the next plan is empty; an in-place change is an update (for the kinds that
//! have one); a compute instance stops and starts; a forcing change is a replacement (detach
//! and attach again for attached kinds); destroy leaves an empty state and an emulator with no
//! compute, while the resources that were attached still exist. The first style runs each
//! example on the `azurerm` backend in Azurite too, where it is installed.

use std::path::Path;
use std::process::Output;

use amlform_emulator::Emulator;

struct Example {
    dir: &'static str,
    /// A text edit that changes an attribute Azure updates in place.
    in_place: Option<(&'static str, &'static str)>,
    /// A text edit that stops a compute instance (undone to start it again).
    power: Option<(&'static str, &'static str)>,
    /// A text edit that changes an attribute that forces replacement.
    forcing: (&'static str, &'static str),
    /// What the plan says of the forcing change.
    forcing_says: &'static str,
    /// Whether it attaches a resource (whose detach on destroy keeps it).
    attaches: bool,
}

const EXAMPLES: &[Example] = &[
    Example {
        dir: "quickstart",
        in_place: Some((
            "max_nodes                     = 4",
            "max_nodes                     = 6",
        )),
        power: Some((
            "state             = \"running\"",
            "state             = \"stopped\"",
        )),
        forcing: ("\"STANDARD_D2_V2\"", "\"STANDARD_D3_V2\""),
        forcing_says: "aml_compute.cpu must be replaced",
        attaches: true,
    },
    Example {
        dir: "hdinsight",
        in_place: None,
        power: None,
        forcing: ("ssh_port    = 22", "ssh_port    = 2222"),
        forcing_says: "hdinsight_compute.spark must be detached and attached again",
        attaches: true,
    },
    Example {
        dir: "databricks",
        in_place: None,
        power: None,
        forcing: ("\"dbx-analytics\"", "\"dbx-analytics-2\""),
        forcing_says: "databricks_compute.dbx must be detached and attached again",
        attaches: true,
    },
    Example {
        dir: "data-lake-analytics",
        in_place: None,
        power: None,
        forcing: ("\"mladlaaccount\"", "\"mladlaaccount2\""),
        forcing_says: "adla_compute.adla must be detached and attached again",
        attaches: true,
    },
    Example {
        dir: "kubernetes",
        in_place: None,
        power: None,
        forcing: ("\"azureml\"", "\"training\""),
        forcing_says: "kubernetes_compute.arc must be detached and attached again",
        attaches: true,
    },
    Example {
        dir: "synapse-spark",
        in_place: None,
        power: None,
        forcing: ("bigDataPools/mlpool", "bigDataPools/mlpool2"),
        forcing_says: "synapse_spark_compute.spark must be detached and attached again",
        attaches: true,
    },
    Example {
        dir: "data-factory",
        in_place: None,
        power: None,
        forcing: ("factories/ingest", "factories/ingest2"),
        forcing_says: "data_factory_compute.adf must be detached and attached again",
        attaches: true,
    },
    Example {
        dir: "modules",
        in_place: Some(("? 4 : 2", "? 5 : 2")),
        power: None,
        forcing: (
            "cpu_vm_size   = \"STANDARD_D2_V2\"",
            "cpu_vm_size   = \"STANDARD_D3_V2\"",
        ),
        forcing_says: "module.team[\"nlp\"].aml_compute.cpu must be replaced",
        attaches: false,
    },
    Example {
        dir: "aks",
        in_place: None,
        power: None,
        forcing: ("\"DevTest\"", "\"FastProd\""),
        forcing_says: "aks_compute.inference must be replaced",
        attaches: true,
    },
];

/// Every long-running-operation shape, each with operations that take a moment.
const STYLES: [&str; 3] = ["azure-async-operation", "location", "resource"];

fn amlform(dir: &Path, style: &str, args: &[&str]) -> Output {
    crate::cli()
        .env("ARM_ACCESS_KEY", amlform_test_support::AZURITE_KEY)
        .env(
            "AMLFORM_EMBEDDED_EMULATOR",
            &format!("--lro-style {style} --provisioning-delay 150ms"),
        )
        .run(dir, args)
}

fn succeeds(dir: &Path, style: &str, args: &[&str]) -> String {
    let output = amlform(dir, style, args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{} ({style}) {args:?}:\n{stdout}\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The next plan is empty, and every compute is done on the service: an apply returns only
/// once its operations have ended, whichever signal the service gave.
fn assert_applied(dir: &Path, style: &str, after: &str) {
    for compute in embedded(dir).computes() {
        assert_eq!(
            compute["properties"]["provisioningState"],
            "Succeeded",
            "{} ({style}): after {after}, {} is not done",
            dir.display(),
            compute["name"]
        );
    }
    let plan = amlform(dir, style, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{} ({style}): the plan after {after} is not empty:\n{}",
        dir.display(),
        String::from_utf8_lossy(&plan.stdout)
    );
}

/// The service's state of each compute instance.
fn instance_states(dir: &Path) -> Vec<String> {
    (embedded(dir).computes().iter())
        .filter_map(|compute| compute["properties"]["properties"]["state"].as_str())
        .map(str::to_owned)
        .collect()
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
    copy_tree(&source, dir.path());
    dir
}

/// The example's files and its modules' directories, without a local `.amlform`.
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_file() {
            std::fs::copy(&path, &target).unwrap();
        } else if path.is_dir() && path.file_name().is_some_and(|name| name != ".amlform") {
            copy_tree(&path, &target);
        }
    }
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
    if !amlform_test_support::slow_tests_enabled(
        "every_example_applies_updates_replaces_and_destroys_cleanly",
    ) {
        return;
    }
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
    // Each run is its own directory and embedded emulator, mostly waiting out provisioning
    // delays: four at a time, a failure reported as its own panic.
    let azurite = amlform_test_support::Azurite::start("the examples on the azurerm backend");
    if let Some(azurite) = &azurite {
        azurite.state("examples", "unused");
    }
    let remote = (azurite.iter()).flat_map(|azurite| {
        (EXAMPLES.iter()).map(move |example| (example, STYLES[0], Some(azurite)))
    });
    let runs: Vec<(&Example, &str, Option<&amlform_test_support::Azurite>)> = (STYLES.iter())
        .flat_map(|style| EXAMPLES.iter().map(move |example| (example, *style, None)))
        .chain(remote)
        .collect();
    let next = std::sync::Mutex::new(runs.into_iter());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                loop {
                    let Some((example, style, azurite)) = next.lock().unwrap().next() else {
                        return;
                    };
                    example_lifecycle(example, style, azurite);
                }
            });
        }
    });
}

fn example_lifecycle(
    example: &Example,
    style: &str,
    azurite: Option<&amlform_test_support::Azurite>,
) {
    let temp = copy_of(example.dir);
    let dir = temp.path();
    if let Some(azurite) = azurite {
        let backend = format!(
            "backend \"azurerm\" {{\n  storage_account_name = \"{}\"\n  container_name       = \"examples\"\n  key                  = \"{}.amlstate\"\n  endpoint             = \"{}\"\n}}\n",
            amlform_test_support::AZURITE_ACCOUNT,
            example.dir,
            azurite.endpoint
        );
        std::fs::write(dir.join("backend.aml.hcl"), backend).unwrap();
        succeeds(dir, style, &["init"]);
    }
    succeeds(dir, style, &["fmt", "--check"]);
    let applied = succeeds(dir, style, &["apply", "--auto-approve"]);
    assert!(applied.contains("Apply complete!"), "{applied}");
    assert_applied(dir, style, "apply");

    if let Some(change) = example.in_place {
        edit(dir, change);
        let plan = succeeds(dir, style, &["plan"]);
        assert!(plan.contains("will be updated in-place"), "{plan}");
        assert!(!plan.contains("must be"), "{plan}");
        succeeds(dir, style, &["apply", "--auto-approve"]);
        assert_applied(dir, style, "an in-place update");
    }

    if let Some((running, stopped)) = example.power {
        edit(dir, (running, stopped));
        succeeds(dir, style, &["apply", "--auto-approve"]);
        assert_eq!(instance_states(dir), ["Stopped"], "{style}");
        assert_applied(dir, style, "a stop");
        edit(dir, (stopped, running));
        succeeds(dir, style, &["apply", "--auto-approve"]);
        assert_eq!(instance_states(dir), ["Running"], "{style}");
        assert_applied(dir, style, "a start");
    }

    edit(dir, example.forcing);
    let plan = succeeds(dir, style, &["plan"]);
    assert!(plan.contains(example.forcing_says), "{plan}");
    succeeds(dir, style, &["apply", "--auto-approve"]);
    assert_applied(dir, style, "a replacement");

    // An example that attaches something shows a detach keeping its resource.
    let attached = attached_resources(dir);
    assert_eq!(!attached.is_empty(), example.attaches, "{}", example.dir);
    let destroyed = succeeds(dir, style, &["destroy", "--auto-approve"]);
    assert!(destroyed.contains("Destroy complete!"), "{destroyed}");
    assert!(succeeds(dir, style, &["state", "list"]).is_empty());
    assert_eq!(
        dir.join(".amlform/state").exists(),
        azurite.is_none(),
        "the state is where the backend says"
    );
    let emulator = embedded(dir);
    assert_eq!(
        emulator.computes(),
        Vec::<serde_json::Value>::new(),
        "{} ({style})",
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
