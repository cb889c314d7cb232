//! One managed compute as the state remembers it, and the versioned form it is stored in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::StateError;
use amlform_schema::AttributeMap;

/// The record format this build writes. Older formats are upgraded when read.
pub const RECORD_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateRecord {
    /// `aml_compute.cpu`, `aml_compute.pool["a"]`.
    pub address: String,
    /// The block name of its kind (`aml_compute`).
    pub kind: String,
    /// The workspace block's label.
    pub workspace: String,
    /// The compute's ARM id once the service has it.
    pub arm_id: Option<String>,
    /// Attribute values as last known (config names, JSON values), secrets absent. Stored
    /// as a JSON object.
    #[serde(with = "attribute_object")]
    pub attributes: AttributeMap<String, Value>,
    /// Addresses this one depends on, for destroy order when it leaves the configuration.
    pub dependencies: Vec<String>,
    /// Keyed fingerprints of secret attributes, by attribute name.
    pub secret_fingerprints: BTreeMap<String, String>,
    pub status: RecordStatus,
}

/// Whether the service is known to match the record, or a request was in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RecordStatus {
    Ready,
    /// An operation was sent and its outcome is not recorded (the process may have died):
    /// the next refresh asks the service what happened.
    Pending {
        operation: String,
    },
}

#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    format: u32,
    record: std::borrow::Cow<'a, StateRecord>,
}

impl StateRecord {
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(&Stored {
            format: RECORD_FORMAT,
            record: std::borrow::Cow::Borrowed(self),
        })
        .expect("a state record always serialises")
    }

    /// Reads any format up to [`RECORD_FORMAT`], upgrading older ones.
    pub fn decode(address: &str, bytes: &[u8]) -> Result<StateRecord, StateError> {
        #[derive(Deserialize)]
        struct Current {
            format: u32,
            record: StateRecord,
        }
        #[derive(Deserialize)]
        struct Format {
            format: u32,
        }
        let damaged = |reason: String| StateError::Damaged {
            address: address.to_owned(),
            reason,
        };
        // The text is checked to be UTF-8 once, not string by string as the parser would.
        let text = std::str::from_utf8(bytes).map_err(|error| damaged(error.to_string()))?;
        // The current format decodes in one pass, with no intermediate JSON tree; only a
        // record that does not fit it is read again to learn its format.
        let format = match serde_json::from_str::<Current>(text) {
            Ok(Current { format, record }) if format == RECORD_FORMAT => return Ok(record),
            Ok(Current { format, .. }) => format,
            Err(error) => match serde_json::from_str::<Format>(text) {
                Ok(Format { format }) if format != RECORD_FORMAT => format,
                _ => return Err(damaged(error.to_string())),
            },
        };
        if format > RECORD_FORMAT {
            return Err(StateError::NewerFormat {
                address: address.to_owned(),
                found: format,
                supported: RECORD_FORMAT,
            });
        }
        let value: Value =
            serde_json::from_str(text).map_err(|error| damaged(error.to_string()))?;
        serde_json::from_value(upgrade(format, value["record"].clone()))
            .map_err(|error| damaged(error.to_string()))
    }
}

/// An `AttributeMap` as the JSON object a `BTreeMap` would be (and was, in earlier builds).
mod attribute_object {
    use amlform_schema::AttributeMap;
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};
    use serde_json::Value;

    pub fn serialize<S: Serializer>(
        attributes: &AttributeMap<String, Value>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(attributes.len()))?;
        for (name, value) in attributes {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<AttributeMap<String, Value>, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = AttributeMap<String, Value>;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("an object of attribute values")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(entries.into_iter().collect())
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// Moves a record of an older format to the current one, one format at a time.
fn upgrade(format: u32, record: Value) -> Value {
    // Format 1 is the first; each later format adds a step here: `if format < 2 { ... }`.
    let _ = format;
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> StateRecord {
        StateRecord {
            address: "aml_compute.cpu".into(),
            kind: "aml_compute".into(),
            workspace: "dev".into(),
            arm_id: Some("/subscriptions/s/.../computes/cpu".into()),
            attributes: [("max_nodes".to_owned(), Value::from(4))]
                .into_iter()
                .collect(),
            dependencies: vec![],
            secret_fingerprints: BTreeMap::new(),
            status: RecordStatus::Ready,
        }
    }

    #[test]
    fn round_trips_and_refuses_newer_formats() {
        let bytes = record().encode();
        assert_eq!(
            StateRecord::decode("aml_compute.cpu", &bytes).unwrap(),
            record()
        );
        let newer = serde_json::to_vec(&serde_json::json!({"format": 99, "record": {}})).unwrap();
        assert!(matches!(
            StateRecord::decode("aml_compute.cpu", &newer),
            Err(StateError::NewerFormat { found: 99, .. })
        ));
        assert!(matches!(
            StateRecord::decode("x", b"{not json"),
            Err(StateError::Damaged { .. })
        ));
        assert!(matches!(
            StateRecord::decode("x", b"{\"format\": 1, \"record\": \"\xff\"}"),
            Err(StateError::Damaged { .. })
        ));
    }
}
