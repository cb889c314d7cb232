//! Variable type constraints (`string`, `list(string)`, `object({...})`, ...) and conversion.

use crate::value::Value;
use hcl_edit::expr::{Expression, ObjectKey};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum TypeConstraint {
    Any,
    String,
    Number,
    Bool,
    List(Box<TypeConstraint>),
    Set(Box<TypeConstraint>),
    Map(Box<TypeConstraint>),
    Object(BTreeMap<String, TypeConstraint>),
}

impl TypeConstraint {
    /// Reads a type expression; `Err` carries a message naming what is wrong.
    pub fn parse(expr: &Expression) -> Result<TypeConstraint, String> {
        match expr {
            Expression::Variable(ident) => match ident.as_str() {
                "any" => Ok(TypeConstraint::Any),
                "string" => Ok(TypeConstraint::String),
                "number" => Ok(TypeConstraint::Number),
                "bool" => Ok(TypeConstraint::Bool),
                "list" | "set" | "map" => Ok(Self::collection(ident.as_str(), TypeConstraint::Any)),
                other => Err(format!("`{other}` is not a type")),
            },
            Expression::FuncCall(call) => {
                let name = call.name.name.as_str();
                let args: Vec<&Expression> = call.args.iter().collect();
                match (name, args.as_slice()) {
                    ("list" | "set" | "map", [inner]) => {
                        Ok(Self::collection(name, TypeConstraint::parse(inner)?))
                    }
                    ("object", [Expression::Object(object)]) => {
                        let mut fields = BTreeMap::new();
                        for (key, value) in object.iter() {
                            let key = match key {
                                ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                                ObjectKey::Expression(Expression::String(s)) => {
                                    s.as_str().to_owned()
                                }
                                _ => return Err("object type keys must be names".into()),
                            };
                            fields.insert(key, TypeConstraint::parse(value.expr())?);
                        }
                        Ok(TypeConstraint::Object(fields))
                    }
                    _ => Err(format!(
                        "`{name}(...)` is not a type constructor with these arguments"
                    )),
                }
            }
            _ => Err(
                "a type is a keyword such as `string` or a constructor such as `list(string)`"
                    .into(),
            ),
        }
    }

    fn collection(name: &str, inner: TypeConstraint) -> TypeConstraint {
        match name {
            "list" => TypeConstraint::List(Box::new(inner)),
            "set" => TypeConstraint::Set(Box::new(inner)),
            _ => TypeConstraint::Map(Box::new(inner)),
        }
    }

    /// Converts a value to this type the way HCL does (`"5"` to 5 for a number, ...).
    pub fn convert(&self, value: Value) -> Result<Value, String> {
        if matches!(value, Value::Unknown | Value::Null) {
            return Ok(value);
        }
        match self {
            TypeConstraint::Any => Ok(value),
            TypeConstraint::String => match value.to_template_string() {
                Some(s) => Ok(Value::String(s)),
                None => Err(format!("a string is required, not a {}", value.type_name())),
            },
            TypeConstraint::Number => match &value {
                Value::Number(_) => Ok(value),
                Value::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .map(Value::Number)
                    .map_err(|_| format!("a number is required, not the string \"{s}\"")),
                other => Err(format!("a number is required, not a {}", other.type_name())),
            },
            TypeConstraint::Bool => match &value {
                Value::Bool(_) => Ok(value),
                Value::String(s) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
                other => Err(format!("a bool is required, not {other}")),
            },
            TypeConstraint::List(inner) | TypeConstraint::Set(inner) => {
                let Some(items) = value.as_sequence() else {
                    return Err(format!("a {self} is required, not a {}", value.type_name()));
                };
                let items = items
                    .iter()
                    .cloned()
                    .enumerate()
                    .map(|(i, item)| inner.convert(item).map_err(|e| format!("element {i}: {e}")))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(match self {
                    TypeConstraint::Set(_) => Value::set(items),
                    _ => Value::List(items),
                })
            }
            TypeConstraint::Map(inner) => match value {
                Value::Map(map) => map
                    .into_iter()
                    .map(|(k, v)| {
                        inner
                            .convert(v)
                            .map(|v| (k.clone(), v))
                            .map_err(|e| format!("key \"{k}\": {e}"))
                    })
                    .collect::<Result<_, _>>()
                    .map(Value::Map),
                other => Err(format!("a {self} is required, not a {}", other.type_name())),
            },
            TypeConstraint::Object(fields) => match value {
                Value::Map(mut map) => {
                    let mut out = BTreeMap::new();
                    for (name, ty) in fields {
                        let field = map.remove(name).unwrap_or(Value::Null);
                        out.insert(
                            name.clone(),
                            ty.convert(field)
                                .map_err(|e| format!("attribute \"{name}\": {e}"))?,
                        );
                    }
                    if let Some(extra) = map.keys().next() {
                        return Err(format!("attribute \"{extra}\" is not in the object type"));
                    }
                    Ok(Value::Map(out))
                }
                other => Err(format!(
                    "an object is required, not a {}",
                    other.type_name()
                )),
            },
        }
    }

    /// Whether a raw string (from `--var` or the environment) must be parsed as an expression.
    pub fn wants_expression(&self) -> bool {
        // An untyped variable takes a raw string as it is, as Terraform does.
        !matches!(
            self,
            TypeConstraint::Any
                | TypeConstraint::String
                | TypeConstraint::Number
                | TypeConstraint::Bool
        )
    }
}

impl fmt::Display for TypeConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeConstraint::Any => f.write_str("any"),
            TypeConstraint::String => f.write_str("string"),
            TypeConstraint::Number => f.write_str("number"),
            TypeConstraint::Bool => f.write_str("bool"),
            TypeConstraint::List(inner) => write!(f, "list({inner})"),
            TypeConstraint::Set(inner) => write!(f, "set({inner})"),
            TypeConstraint::Map(inner) => write!(f, "map({inner})"),
            TypeConstraint::Object(fields) => {
                f.write_str("object({")?;
                for (i, (name, ty)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{name} = {ty}")?;
                }
                f.write_str("})")
            }
        }
    }
}
