//! Accepting drift into the state (`amlform refresh`): records follow what the service now
//! reports, and records of computes gone from the service are forgotten. Nothing is sent to
//! the service.

use std::collections::BTreeMap;

use amlform_azure::RemoteCompute;
use amlform_state::{ChangeSet, RecordStatus, StateRecord};

/// The state change that makes every record match the refreshed service.
pub fn accept_drift(
    state: &[StateRecord],
    remote: &BTreeMap<String, Vec<RemoteCompute>>,
) -> ChangeSet {
    let mut change = ChangeSet {
        operation: "refresh".to_owned(),
        ..ChangeSet::default()
    };
    for record in state {
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
        let found = remote.get(&record.workspace).and_then(|computes| {
            computes
                .iter()
                .find(|compute| compute.name.eq_ignore_ascii_case(name))
        });
        let Some(found) = found else {
            change.remove.push(record.address.clone());
            continue;
        };
        let mut updated = record.clone();
        for (attribute, value) in &found.attributes {
            updated.attributes.insert(attribute.clone(), value.clone());
        }
        updated.arm_id = Some(found.arm_id.clone());
        updated.status = RecordStatus::Ready;
        if updated != *record {
            change.put.push(updated);
        }
    }
    change
}
