//! A plan saved with `plan --out FILE`: the changes plus what they were computed from (the
//! state's lineage and serial, and a keyed hash of the configuration and variable values), so
//! `show` can render it later and `apply FILE` can refuse it once it is stale. Holds no
//! secret: sensitive values are only ever `(sensitive value)` markers in a plan, and the hash
//! is keyed by the state's fingerprint key.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::plan::Plan;

const FORMAT: &str = "amlform-plan";
pub const SAVED_PLAN_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format: String,
    pub format_version: u32,
    pub lineage: String,
    pub serial: u64,
    pub config_hash: String,
    pub plan: Plan,
}

impl SavedPlan {
    pub fn new(plan: Plan, lineage: &str, serial: u64, config_hash: String) -> SavedPlan {
        SavedPlan {
            format: FORMAT.to_owned(),
            format_version: SAVED_PLAN_VERSION,
            lineage: lineage.to_owned(),
            serial,
            config_hash,
            plan,
        }
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, bytes)
    }

    /// Reads a saved plan, with a message that says what is wrong when it is not one.
    pub fn read(path: &Path) -> Result<SavedPlan, String> {
        let bytes = std::fs::read(path)
            .map_err(|error| format!("cannot read the plan file {}: {error}", path.display()))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
            format!(
                "{} is not a plan file written by `amlform plan --out`",
                path.display()
            )
        })?;
        if value["format"] != FORMAT {
            return Err(format!(
                "{} is not a plan file written by `amlform plan --out`",
                path.display()
            ));
        }
        let version = value["format_version"].as_u64().unwrap_or(0);
        if version > u64::from(SAVED_PLAN_VERSION) {
            return Err(format!(
                "{} was written by a newer amlform (plan format {version}); upgrade amlform to read it",
                path.display()
            ));
        }
        serde_json::from_value(value)
            .map_err(|error| format!("{} is damaged: {error}", path.display()))
    }

    /// Why the plan no longer describes what would happen, if it does not.
    pub fn staleness(&self, lineage: &str, serial: u64, config_hash: &str) -> Option<String> {
        if self.lineage != lineage {
            return Some("it was made for another state (its lineage differs)".to_owned());
        }
        if self.serial != serial {
            return Some(format!(
                "the state has changed since it was made (serial {} then, {serial} now)",
                self.serial
            ));
        }
        if self.config_hash != config_hash {
            return Some(
                "the configuration or variable values have changed since it was made".to_owned(),
            );
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_says_when_it_is_stale() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("plan.json");
        let saved = SavedPlan::new(Plan::default(), "lineage-1", 3, "hash-a".to_owned());
        saved.write(&path).unwrap();
        let read = SavedPlan::read(&path).unwrap();
        assert_eq!(read, saved);
        assert_eq!(read.staleness("lineage-1", 3, "hash-a"), None);
        assert!(
            read.staleness("lineage-2", 3, "hash-a")
                .unwrap()
                .contains("another state")
        );
        assert!(
            read.staleness("lineage-1", 4, "hash-a")
                .unwrap()
                .contains("serial 3 then, 4 now")
        );
        assert!(
            read.staleness("lineage-1", 3, "hash-b")
                .unwrap()
                .contains("configuration")
        );
        std::fs::write(&path, "{\"format\": \"something-else\"}").unwrap();
        assert!(
            SavedPlan::read(&path)
                .unwrap_err()
                .contains("not a plan file")
        );
    }
}
