//! A plan saved with `plan --out FILE`: the changes plus what they were computed from (the
//! state's lineage and serial, and a keyed hash of the configuration and variable values), so
//! `show` can render it later and `apply FILE` can refuse it once it is stale. Holds no
//! secret: sensitive values are only ever `(sensitive value)` markers in a plan, and the hash
//! is keyed by the state's fingerprint key.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::plan::Plan;

const FORMAT: &str = "amlform-plan";
/// 2: the configuration's files and each variable's value are hashed apart, so a stale plan
/// says which variable differs.
pub const SAVED_PLAN_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format: String,
    pub format_version: u32,
    pub lineage: String,
    pub serial: u64,
    pub inputs: PlanInputs,
    pub plan: Plan,
}

/// What a plan was made from, as keyed hashes (they reveal no value, secret or not).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlanInputs {
    /// Every configuration file's name and text.
    pub files: String,
    /// Each variable's value, by name.
    pub variables: BTreeMap<String, String>,
}

impl SavedPlan {
    pub fn new(plan: Plan, lineage: &str, serial: u64, inputs: PlanInputs) -> SavedPlan {
        SavedPlan {
            format: FORMAT.to_owned(),
            format_version: SAVED_PLAN_VERSION,
            lineage: lineage.to_owned(),
            serial,
            inputs,
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
        if version < u64::from(SAVED_PLAN_VERSION) {
            return Err(format!(
                "{} was written by an older amlform (plan format {version}); make a new one with `amlform plan --out {}`",
                path.display(),
                path.display()
            ));
        }
        if version > u64::from(SAVED_PLAN_VERSION) {
            return Err(format!(
                "{} was written by a newer amlform (plan format {version}); upgrade amlform to read it",
                path.display()
            ));
        }
        serde_json::from_value(value)
            .map_err(|error| format!("{} is damaged: {error}", path.display()))
    }

    /// Why the plan no longer describes what would happen, if it does not. Variables are
    /// named, never their values.
    pub fn staleness(&self, lineage: &str, serial: u64, inputs: &PlanInputs) -> Option<String> {
        if self.lineage != lineage {
            return Some("it was made for another state (its lineage differs)".to_owned());
        }
        if self.serial != serial {
            return Some(format!(
                "the state has changed since it was made (serial {} then, {serial} now)",
                self.serial
            ));
        }
        if self.inputs.files != inputs.files {
            return Some("the configuration files have changed since it was made".to_owned());
        }
        let names: std::collections::BTreeSet<&String> = (self.inputs.variables.keys())
            .chain(inputs.variables.keys())
            .collect();
        let differ: Vec<String> = names
            .into_iter()
            .filter(|name| self.inputs.variables.get(*name) != inputs.variables.get(*name))
            .map(|name| format!("`{name}`"))
            .collect();
        if !differ.is_empty() {
            return Some(format!(
                "variable {} has another value than when it was made (give it as then: `--var`, a `*.amlvars.hcl` file or `AMLFORM_VAR_<name>`)",
                differ.join(", ")
            ));
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
        let inputs = |files: &str, token: &str| PlanInputs {
            files: files.to_owned(),
            variables: [("token".to_owned(), token.to_owned())]
                .into_iter()
                .collect(),
        };
        let saved = SavedPlan::new(Plan::default(), "lineage-1", 3, inputs("hash-a", "t1"));
        saved.write(&path).unwrap();
        let read = SavedPlan::read(&path).unwrap();
        assert_eq!(read, saved);
        assert_eq!(
            read.staleness("lineage-1", 3, &inputs("hash-a", "t1")),
            None
        );
        assert!(
            read.staleness("lineage-2", 3, &inputs("hash-a", "t1"))
                .unwrap()
                .contains("another state")
        );
        assert!(
            read.staleness("lineage-1", 4, &inputs("hash-a", "t1"))
                .unwrap()
                .contains("serial 3 then, 4 now")
        );
        assert!(
            read.staleness("lineage-1", 3, &inputs("hash-b", "t1"))
                .unwrap()
                .contains("configuration files")
        );
        let why = read
            .staleness("lineage-1", 3, &inputs("hash-a", "t2"))
            .unwrap();
        assert!(why.contains("variable `token`"), "{why}");
        assert!(!why.contains("t2") && !why.contains("t1"), "{why}");
        std::fs::write(&path, "{\"format\": \"something-else\"}").unwrap();
        assert!(
            SavedPlan::read(&path)
                .unwrap_err()
                .contains("not a plan file")
        );
    }
}
