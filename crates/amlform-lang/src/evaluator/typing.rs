//! The schema's types on evaluated values: each attribute of a compute block checked (and
//! normalised: numbers to strings where a string is asked for, enums to their written case,
//! schedules and instance types to their one shape) before it joins an instance.

use super::{Evaluator, quoted};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::source_map::Span;
use crate::suggest::hint_for;
use crate::value::Value;
use amlform_schema::AttrType;

impl Evaluator<'_> {
    /// Converts a value to an attribute's type, reporting a mismatch at `at`.
    pub(super) fn typed(
        &mut self,
        kind: &str,
        attribute: &amlform_schema::Attribute,
        value: Value,
        at: Span,
    ) -> Option<Value> {
        if value == Value::Unknown || value == Value::Null {
            return Some(value);
        }
        let wrong = |this: &mut Self, code: &'static str, message: String, hint: String| {
            this.diagnostics
                .push(Diagnostic::error(code, message).at(at.clone()).hint(hint));
            None
        };
        let name = attribute.name;
        // Messages below show the value; a secret's is replaced, so it cannot leak.
        let shown = |value: &Value| {
            if attribute.sensitive {
                "(sensitive value)".to_owned()
            } else {
                value.to_string()
            }
        };
        match attribute.ty {
            AttrType::String => match value.to_template_string() {
                Some(s) => Some(Value::String(s)),
                None => wrong(
                    self,
                    codes::WRONG_TYPE,
                    format!("`{name}` must be a string, not a {}", value.type_name()),
                    format!("write `{name} = \"...\"`"),
                ),
            },
            AttrType::Integer { min } => {
                let number = match &value {
                    Value::String(s) => s.parse::<f64>().ok(),
                    Value::Number(n) => Some(*n),
                    _ => None,
                };
                match number {
                    Some(n) if n.fract() == 0.0 && n >= min as f64 => Some(Value::Number(n)),
                    Some(n) if n.fract() == 0.0 => {
                        let code = if name.ends_with("_nodes") {
                            codes::NODE_COUNTS
                        } else {
                            codes::WRONG_TYPE
                        };
                        wrong(
                            self,
                            code,
                            format!(
                                "`{name}` is {}, but it must be at least {min}",
                                crate::value::format_number(n)
                            ),
                            format!("set `{name}` to {min} or more"),
                        )
                    }
                    _ => wrong(
                        self,
                        codes::WRONG_TYPE,
                        format!("`{name}` must be a whole number, not {}", shown(&value)),
                        format!("write e.g. `{name} = {min}`"),
                    ),
                }
            }
            AttrType::Bool => match value {
                Value::Bool(_) => Some(value),
                Value::String(ref s) if s == "true" || s == "false" => {
                    Some(Value::Bool(s == "true"))
                }
                _ => wrong(
                    self,
                    codes::WRONG_TYPE,
                    format!("`{name}` must be `true` or `false`, not {}", shown(&value)),
                    format!("write `{name} = true`"),
                ),
            },
            AttrType::Enum(allowed) => {
                let Some(s) = value.as_str() else {
                    return wrong(
                        self,
                        codes::WRONG_TYPE,
                        format!("`{name}` must be a string, not a {}", value.type_name()),
                        format!("write one of {}", quoted(allowed)),
                    );
                };
                match allowed.iter().find(|a| a.eq_ignore_ascii_case(s)) {
                    Some(canonical) => Some(Value::from(*canonical)),
                    None => {
                        let hint = hint_for(s, allowed, || {
                            format!("`{kind}.{name}` takes {}", quoted(allowed))
                        });
                        wrong(
                            self,
                            codes::NOT_ALLOWED,
                            format!(
                                "`{name}` is \"{s}\", which is not one of {}",
                                quoted(allowed)
                            ),
                            hint,
                        )
                    }
                }
            }
            AttrType::StringList => match value.as_sequence() {
                Some(items)
                    if items
                        .iter()
                        .all(|i| i.to_template_string().is_some() || *i == Value::Unknown) =>
                {
                    Some(Value::List(
                        items
                            .iter()
                            .map(|i| i.to_template_string().map_or(Value::Unknown, Value::String))
                            .collect(),
                    ))
                }
                _ => wrong(
                    self,
                    codes::WRONG_TYPE,
                    format!("`{name}` must be a list of strings, not {}", shown(&value)),
                    format!("write `{name} = [\"...\"]`"),
                ),
            },
            AttrType::InstanceTypes => match crate::instance_types::typed_instance_types(&value) {
                Ok(typed) => Some(typed),
                Err((message, hint)) => wrong(self, codes::WRONG_TYPE, message, hint),
            },
            AttrType::Schedules => match crate::schedules::typed_schedules(&value) {
                Ok(typed) => Some(typed),
                Err((message, hint)) => wrong(self, codes::WRONG_TYPE, message, hint),
            },
            AttrType::StringMap => match value {
                Value::Map(ref map)
                    if map
                        .values()
                        .all(|v| v.to_template_string().is_some() || *v == Value::Unknown) =>
                {
                    Some(Value::Map(
                        map.iter()
                            .map(|(k, v)| {
                                (
                                    k.clone(),
                                    v.to_template_string().map_or(Value::Unknown, Value::String),
                                )
                            })
                            .collect(),
                    ))
                }
                _ => wrong(
                    self,
                    codes::WRONG_TYPE,
                    format!("`{name}` must be a map of strings, not {}", shown(&value)),
                    format!("write `{name} = {{ key = \"value\" }}`"),
                ),
            },
        }
    }
}
