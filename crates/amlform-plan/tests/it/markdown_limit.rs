//! A Markdown plan of 5,000 changes fits a pull-request comment and still names every
//! destructive change.

use amlform_plan::{
    Action, AttributeChange, MARKDOWN_LIMIT, MarkdownTarget, Plan, ResourceChange, Shown,
    render_markdown, render_markdown_for,
};
use serde_json::json;

fn change(index: usize, action: Action) -> ResourceChange {
    ResourceChange {
        address: format!("aml_compute.pool[\"cluster-{index:04}\"]"),
        kind: "aml_compute".to_owned(),
        workspace: format!("ws{}", index % 50),
        name: format!("cluster-{index:04}"),
        action,
        reason: matches!(action, Action::Replace { .. })
            .then(|| "vm_size cannot change in place".to_owned()),
        attributes: vec![AttributeChange {
            name: "vm_size".into(),
            before: Shown::Value(json!("STANDARD_D2_V2")),
            after: Shown::Value(json!("STANDARD_D3_V2")),
            changed: true,
            forces_replacement: matches!(action, Action::Replace { .. }),
        }],
        arm_id: None,
        import_id: None,
        hourly_cost: None,
        previous_address: None,
    }
}

#[test]
fn five_thousand_changes_fit_and_list_every_destructive_one() {
    let changes: Vec<ResourceChange> = (0..5000)
        .map(|index| match index % 25 {
            0 => change(
                index,
                Action::Replace {
                    attached: false,
                    create_before_destroy: false,
                },
            ),
            1 => change(index, Action::Delete),
            _ => change(index, Action::Update),
        })
        .collect();
    let destructive: Vec<String> = changes
        .iter()
        .filter(|change| change.action.is_destructive())
        .map(|change| change.address.clone())
        .collect();
    assert_eq!(destructive.len(), 400);
    let plan = Plan {
        changes,
        ..Plan::default()
    };
    let markdown = render_markdown(&plan);
    assert!(
        markdown.len() <= MARKDOWN_LIMIT,
        "{} characters",
        markdown.len()
    );
    for address in &destructive {
        assert!(
            markdown.contains(&format!("`{address}`")),
            "{address} is not listed"
        );
    }
    assert!(
        markdown.contains("are not listed") || markdown.contains("left out"),
        "it says what was summarised"
    );
    assert!(markdown.starts_with(
        "<!-- amlform-plan -->\n### amlform plan: 200 to add, 4600 to change, 400 to destroy"
    ));
    // A job summary holds 1 MiB: every change is in its table, and more of the details.
    let summary = render_markdown_for(&plan, MarkdownTarget::GithubSummary);
    assert!(summary.len() <= 1024 * 1024, "{} bytes", summary.len());
    assert!(summary.len() > MARKDOWN_LIMIT);
    assert!(!summary.contains("are not listed"), "every row fits");
    for index in [2, 2500, 4999] {
        assert!(summary.contains(&format!("| `aml_compute.pool[\"cluster-{index:04}\"]` |")));
    }
    let note = render_markdown_for(&plan, MarkdownTarget::GitlabNote);
    assert!(note.len() <= 1_000_000 && note.len() > MARKDOWN_LIMIT);
}

#[test]
fn a_small_plan_is_shown_whole() {
    let plan = Plan {
        changes: vec![change(1, Action::Update)],
        ..Plan::default()
    };
    let markdown = render_markdown(&plan);
    assert!(markdown.contains("<details>"));
    assert!(markdown.contains("~ vm_size = \"STANDARD_D2_V2\" -> \"STANDARD_D3_V2\""));
    assert!(!markdown.contains("left out"));
}
