//! Accepting drift into the state (`amlform refresh`): records follow what the service now
//! reports, and records of computes gone from the service are forgotten. Nothing is sent to
//! the service.

use std::collections::BTreeMap;

use amlform_provider::RemoteCompute;
use amlform_state::{ChangeSet, RecordStatus, StateRecord};

/// The state change that makes every record of a refreshed workspace match the service.
pub fn accept_drift(
    state: &[StateRecord],
    remote: &BTreeMap<String, Vec<RemoteCompute>>,
) -> ChangeSet {
    follow_service(state.iter(), remote, "refresh")
}

/// The state change that settles what an interrupted apply left `Pending`: a compute the
/// service has is adopted as the service reports it (keeping the fingerprints of the secrets
/// that were sent), and one it does not have is forgotten, so the next plan creates it (or,
/// for an interrupted delete, is done with it). Records that are `Ready` are left alone.
pub fn reconcile_interrupted(
    state: &[StateRecord],
    remote: &BTreeMap<String, Vec<RemoteCompute>>,
) -> ChangeSet {
    let pending = state
        .iter()
        .filter(|record| matches!(record.status, RecordStatus::Pending { .. }));
    follow_service(pending, remote, "reconcile")
}

/// Records follow the service: updated from what it reports, forgotten where it has nothing.
fn follow_service<'a>(
    records: impl Iterator<Item = &'a StateRecord>,
    remote: &BTreeMap<String, Vec<RemoteCompute>>,
    operation: &str,
) -> ChangeSet {
    let mut change = ChangeSet {
        operation: operation.to_owned(),
        ..ChangeSet::default()
    };
    for record in records {
        let name = record
            .attributes
            .get("name")
            .and_then(|name| name.as_str())
            .or_else(|| {
                record
                    .arm_id
                    .as_deref()
                    .and_then(|id| id.rsplit('/').next())
            })
            .unwrap_or_default();
        // A workspace that was not read says nothing about its computes: leave them be.
        let Some(computes) = remote.get(&record.workspace) else {
            continue;
        };
        let found = computes
            .iter()
            .find(|compute| compute.name.eq_ignore_ascii_case(name));
        let Some(found) = found else {
            change.remove.push(record.address.clone());
            continue;
        };
        let mut updated = record.clone();
        for (attribute, value) in &found.attributes {
            updated
                .attributes
                .insert((*attribute).to_owned(), value.clone());
        }
        updated.arm_id = Some(found.arm_id.clone());
        updated.status = RecordStatus::Ready;
        if updated != *record {
            change.put.push(updated);
        }
    }
    change
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(address: &str, workspace: &str, max: i64) -> StateRecord {
        StateRecord {
            address: address.to_owned(),
            kind: "aml_compute".to_owned(),
            workspace: workspace.to_owned(),
            arm_id: None,
            attributes: [
                ("name".to_owned(), json!(address.split('.').nth(1).unwrap())),
                ("max_nodes".to_owned(), json!(max)),
            ]
            .into_iter()
            .collect(),
            dependencies: vec![],
            secret_fingerprints: BTreeMap::new(),
            status: RecordStatus::Ready,
        }
    }

    #[test]
    fn follows_the_service_forgets_the_deleted_and_leaves_unread_workspaces_alone() {
        let state = vec![
            record("aml_compute.a", "dev", 2),
            record("aml_compute.b", "dev", 2),
            record("aml_compute.c", "gone", 2),
        ];
        let resource = json!({"id": "/x/computes/a", "name": "a", "properties": {"computeType": "AmlCompute", "properties": {"scaleSettings": {"maxNodeCount": 9}}}});
        let remote = BTreeMap::from([(
            "dev".to_owned(),
            vec![amlform_azure::remote_compute(&resource)],
        )]);
        let change = accept_drift(&state, &remote);
        assert_eq!(change.put.len(), 1);
        assert_eq!(change.put[0].attributes["max_nodes"], 9);
        assert_eq!(change.remove, vec!["aml_compute.b".to_owned()]);
    }

    #[test]
    fn an_interrupted_apply_is_settled_by_what_the_service_has() {
        let pending = |address: &str| StateRecord {
            status: RecordStatus::Pending {
                operation: "create or update".to_owned(),
            },
            secret_fingerprints: BTreeMap::from([("password".to_owned(), "f1".to_owned())]),
            ..record(address, "dev", 2)
        };
        let state = vec![
            pending("aml_compute.a"),
            pending("aml_compute.b"),
            record("aml_compute.c", "dev", 2),
        ];
        let resource = json!({"id": "/x/computes/a", "name": "a", "properties": {"computeType": "AmlCompute", "properties": {"scaleSettings": {"maxNodeCount": 2}}}});
        let remote = BTreeMap::from([(
            "dev".to_owned(),
            vec![amlform_azure::remote_compute(&resource)],
        )]);
        let change = reconcile_interrupted(&state, &remote);
        assert_eq!(
            change.put.len(),
            1,
            "only the pending record the service has"
        );
        let adopted = &change.put[0];
        assert_eq!(adopted.address, "aml_compute.a");
        assert_eq!(adopted.status, RecordStatus::Ready);
        assert_eq!(adopted.arm_id.as_deref(), Some("/x/computes/a"));
        assert_eq!(adopted.secret_fingerprints["password"], "f1");
        // b never reached the service; c is Ready and its absence is drift, not this.
        assert_eq!(change.remove, vec!["aml_compute.b".to_owned()]);
    }
}
