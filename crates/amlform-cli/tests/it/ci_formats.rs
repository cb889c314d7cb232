//! Output sized and shaped for CI: `plan --markdown=WHERE` with its hidden marker, and
//! `validate -format sarif | github`.

use serde_json::Value;

use crate::cli::{amlform, quickstart_copy, scratch};

const BROKEN: &str = "workspace \"w\" {\n  name           = \"ws-broken\"\n  resource_group = \"rg\"\n  location       = \"eastus\"\n  endpoint       = \"embedded\"\n}\n\nvariable \"token\" {\n  sensitive = true\n  default   = \"canary-sarif-secret\"\n}\n\naml_compute \"cpu\" {\n  name      = var.token\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 2\n  min_nodes = 5\n}\n";

#[test]
fn validate_speaks_sarif_and_github_annotations() {
    let temp = scratch("ci-formats", &[("main.aml.hcl", BROKEN)]);
    let dir = temp.path();
    let sarif = amlform(dir, &["validate", "-format=sarif"]);
    assert_eq!(sarif.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "amlform");
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    let nodes = results
        .iter()
        .find(|result| {
            result["message"]["text"]
                .as_str()
                .unwrap()
                .contains("min_nodes")
        })
        .unwrap_or_else(|| panic!("{log}"));
    assert_eq!(nodes["level"], "error");
    let location = &nodes["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "main.aml.hcl");
    assert!(
        location["region"]["startLine"].as_u64().unwrap() >= 15,
        "{location}"
    );
    let rules: Vec<&str> = (run["tool"]["driver"]["rules"].as_array().unwrap().iter())
        .map(|rule| rule["id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&nodes["ruleId"].as_str().unwrap()));

    let github = amlform(dir, &["validate", "-format", "github"]);
    assert_eq!(github.status.code(), Some(1));
    let lines = String::from_utf8_lossy(&github.stdout).into_owned();
    let annotation = lines
        .lines()
        .find(|line| line.contains("min_nodes"))
        .unwrap_or_else(|| panic!("{lines}"));
    assert!(
        annotation.starts_with("::error file=main.aml.hcl,line="),
        "{annotation}"
    );
    assert!(!annotation[2..].contains('\n'));
    for text in [String::from_utf8_lossy(&sarif.stdout).into_owned(), lines] {
        assert!(
            !text.contains("canary"),
            "a secret reached an annotation: {text}"
        );
    }
}

#[test]
fn markdown_is_sized_for_where_it_goes_and_carries_its_marker() {
    let temp = quickstart_copy("markdown-targets");
    let dir = temp.path();
    let cli = crate::cli();
    for flag in [
        "-markdown",
        "-markdown=github-comment",
        "-markdown=github-summary",
        "-markdown=gitlab-note",
    ] {
        let markdown = cli.succeeds(dir, &["plan", flag, "-out=tf.plan"]);
        assert!(
            markdown.starts_with("<!-- amlform-plan -->\n### amlform plan: 4 to add"),
            "{flag}: {markdown}"
        );
    }
    let shown = cli.succeeds(dir, &["show", "-markdown=gitlab-note", "tf.plan"]);
    assert!(shown.starts_with("<!-- amlform-plan -->\n"));
    let shown = cli.succeeds(dir, &["show", "--markdown", "tf.plan"]);
    assert!(
        shown.starts_with("<!-- amlform-plan -->\n"),
        "a bare --markdown takes no file name as its value"
    );
    let wrong = amlform(dir, &["plan", "-markdown=slack"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("github-summary"));
}
