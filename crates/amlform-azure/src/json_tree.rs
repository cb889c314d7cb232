//! [`JsonTree`]: a JSON document whose keys and strings are borrowed from its text where
//! they can be (without escapes), and whose objects are vectors of entries: what the refresh
//! reads each listed compute into. A compute is read for a few dozen fields and then dropped,
//! so a `serde_json::Value`, which allocates every key and sorts every object, cost most of
//! the refresh's time.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// A JSON value borrowed from the text it was read from (or from a `Value`).
#[derive(Debug, Clone, PartialEq)]
pub enum JsonTree<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Text(Cow<'a, str>),
    Array(Vec<JsonTree<'a>>),
    /// Entries in the document's order; a repeated key's last entry counts, as in `Value`.
    Object(Vec<(Cow<'a, str>, JsonTree<'a>)>),
}

impl<'a> JsonTree<'a> {
    /// The entry `key` of an object.
    pub fn get(&self, key: &str) -> Option<&JsonTree<'a>> {
        match self {
            JsonTree::Object(entries) => (entries.iter().rev())
                .find(|(name, _)| name == key)
                .map(|(_, value)| value),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            JsonTree::Text(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            JsonTree::Bool(value) => Some(*value),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[JsonTree<'a>]> {
        match self {
            JsonTree::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, JsonTree::Null)
    }

    /// The same value as a `serde_json::Value` (owned).
    pub fn to_value(&self) -> Value {
        match self {
            JsonTree::Null => Value::Null,
            JsonTree::Bool(value) => Value::Bool(*value),
            JsonTree::Number(number) => Value::Number(number.clone()),
            JsonTree::Text(text) => Value::String(text.clone().into_owned()),
            JsonTree::Array(items) => Value::Array(items.iter().map(JsonTree::to_value).collect()),
            JsonTree::Object(entries) => Value::Object(
                (entries.iter())
                    .map(|(name, value)| (name.clone().into_owned(), value.to_value()))
                    .collect(),
            ),
        }
    }
}

impl<'a> From<&'a Value> for JsonTree<'a> {
    fn from(value: &'a Value) -> JsonTree<'a> {
        match value {
            Value::Null => JsonTree::Null,
            Value::Bool(value) => JsonTree::Bool(*value),
            Value::Number(number) => JsonTree::Number(number.clone()),
            Value::String(text) => JsonTree::Text(Cow::Borrowed(text)),
            Value::Array(items) => JsonTree::Array(items.iter().map(JsonTree::from).collect()),
            Value::Object(entries) => JsonTree::Object(
                (entries.iter())
                    .map(|(name, value)| (Cow::Borrowed(name.as_str()), JsonTree::from(value)))
                    .collect(),
            ),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JsonTree<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TreeVisitor)
    }
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = JsonTree<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(JsonTree::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(JsonTree::Null)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Self::Value, E> {
        Ok(JsonTree::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Self::Value, E> {
        Ok(JsonTree::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Self::Value, E> {
        Ok(JsonTree::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Self::Value, E> {
        // JSON text has no NaN or infinity, so every number read is finite.
        Ok(serde_json::Number::from_f64(value).map_or(JsonTree::Null, JsonTree::Number))
    }

    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(JsonTree::Text(Cow::Borrowed(text)))
    }

    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(JsonTree::Text(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
        Ok(JsonTree::Text(Cow::Owned(text)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(JsonTree::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key::<JsonTree<'de>>()? {
            let JsonTree::Text(name) = key else {
                return Err(de::Error::custom("an object key that is not a string"));
            };
            entries.push((name, map.next_value()?));
        }
        Ok(JsonTree::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_a_value_does() {
        let text = r#"{"name": "c\"1", "n": -3, "f": 1.5, "big": 18446744073709551615,
            "list": [true, null, {"k": "v"}], "dup": 1, "dup": 2, "empty": {}}"#;
        let tree: JsonTree<'_> = serde_json::from_str(text).unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(tree.to_value(), value);
        assert_eq!(JsonTree::from(&value).to_value(), value);
        assert_eq!(tree.get("name").and_then(JsonTree::as_str), Some("c\"1"));
        assert_eq!(
            tree.get("dup"),
            Some(&JsonTree::Number(2.into())),
            "the last one"
        );
        assert_eq!(
            tree.get("list")
                .and_then(JsonTree::as_array)
                .map(<[_]>::len),
            Some(3)
        );
        assert!(tree.get("absent").is_none() && tree.get("list").unwrap().get("k").is_none());
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let tree: JsonTree<'_> =
            serde_json::from_str(r#"{"plain": "a", "escaped": "\n"}"#).unwrap();
        let JsonTree::Object(entries) = &tree else {
            panic!("{tree:?}")
        };
        assert!(matches!(
            entries[0],
            (Cow::Borrowed("plain"), JsonTree::Text(Cow::Borrowed("a")))
        ));
        assert!(matches!(entries[1].1, JsonTree::Text(Cow::Owned(_))));
    }

    #[test]
    fn not_json_is_an_error() {
        assert!(serde_json::from_str::<JsonTree<'_>>(r#"{"a": }"#).is_err());
        assert!(serde_json::from_str::<JsonTree<'_>>("[1, 2").is_err());
    }
}
