//! The built-in function library.

use crate::value::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// What a function may use besides its arguments.
#[derive(Debug)]
pub struct FunctionContext<'a> {
    /// Directory `file()` paths are relative to.
    pub base_dir: &'a Path,
}

type Function = fn(&[Value], &FunctionContext<'_>) -> Result<Value, String>;

/// Every function: name, arity (min, max; `None` is variadic) and implementation.
const FUNCTIONS: &[(&str, usize, Option<usize>, Function)] = &[
    ("abs", 1, Some(1), |a, _| {
        Ok(Value::Number(number(&a[0])?.abs()))
    }),
    ("ceil", 1, Some(1), |a, _| {
        Ok(Value::Number(number(&a[0])?.ceil()))
    }),
    ("coalesce", 1, None, coalesce),
    ("concat", 0, None, concat),
    ("contains", 2, Some(2), |a, _| {
        Ok(Value::Bool(sequence(&a[0])?.contains(&a[1])))
    }),
    ("distinct", 1, Some(1), distinct),
    ("element", 2, Some(2), element),
    ("endswith", 2, Some(2), |a, _| {
        Ok(Value::Bool(string(&a[0])?.ends_with(string(&a[1])?)))
    }),
    ("file", 1, Some(1), file),
    ("flatten", 1, Some(1), |a, _| {
        Ok(Value::List(flatten(sequence(&a[0])?)))
    }),
    ("floor", 1, Some(1), |a, _| {
        Ok(Value::Number(number(&a[0])?.floor()))
    }),
    ("format", 1, None, format),
    ("join", 2, Some(2), join),
    ("jsonencode", 1, Some(1), |a, _| {
        Ok(Value::String(a[0].to_json().to_string()))
    }),
    ("keys", 1, Some(1), |a, _| {
        Ok(Value::List(
            map(&a[0])?
                .keys()
                .map(|k| Value::from(k.as_str()))
                .collect(),
        ))
    }),
    ("length", 1, Some(1), length),
    ("lookup", 2, Some(3), lookup),
    ("lower", 1, Some(1), |a, _| {
        Ok(Value::String(string(&a[0])?.to_lowercase()))
    }),
    ("max", 1, None, |a, _| extreme(a, f64::max)),
    ("merge", 0, None, merge),
    ("min", 1, None, |a, _| extreme(a, f64::min)),
    ("range", 1, Some(3), range),
    ("replace", 3, Some(3), |a, _| {
        Ok(Value::String(
            string(&a[0])?.replace(string(&a[1])?, string(&a[2])?),
        ))
    }),
    ("split", 2, Some(2), |a, _| {
        Ok(Value::List(
            string(&a[1])?
                .split(string(&a[0])?)
                .map(Value::from)
                .collect(),
        ))
    }),
    ("startswith", 2, Some(2), |a, _| {
        Ok(Value::Bool(string(&a[0])?.starts_with(string(&a[1])?)))
    }),
    ("substr", 3, Some(3), substr),
    ("tolist", 1, Some(1), |a, _| {
        Ok(Value::List(sequence(&a[0])?.to_vec()))
    }),
    ("tomap", 1, Some(1), |a, _| {
        Ok(Value::Map(map(&a[0])?.clone()))
    }),
    ("tonumber", 1, Some(1), tonumber),
    ("toset", 1, Some(1), |a, _| {
        Ok(Value::set(sequence(&a[0])?.to_vec()))
    }),
    ("tostring", 1, Some(1), tostring),
    ("trimspace", 1, Some(1), |a, _| {
        Ok(Value::String(string(&a[0])?.trim().to_owned()))
    }),
    ("upper", 1, Some(1), |a, _| {
        Ok(Value::String(string(&a[0])?.to_uppercase()))
    }),
    ("values", 1, Some(1), |a, _| {
        Ok(Value::List(map(&a[0])?.values().cloned().collect()))
    }),
];

/// Names of every function, for "did you mean".
pub fn function_names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|(name, ..)| *name)
}

/// Whether a function with this name exists.
pub fn is_function(name: &str) -> bool {
    FUNCTIONS.iter().any(|(n, ..)| *n == name)
}

/// Calls a function. `Err` is a message naming what is wrong with the call.
/// Any unknown argument makes the result unknown, except for `coalesce`'s later ones.
pub fn call(name: &str, args: &[Value], context: &FunctionContext<'_>) -> Result<Value, String> {
    let (_, min, max, function) = FUNCTIONS
        .iter()
        .find(|(n, ..)| *n == name)
        .ok_or_else(|| format!("there is no function named `{name}`"))?;
    if args.len() < *min || max.is_some_and(|max| args.len() > max) {
        let expected = match max {
            Some(max) if max == min => format!("{min}"),
            Some(max) => format!("{min} to {max}"),
            None => format!("at least {min}"),
        };
        return Err(format!(
            "`{name}` takes {expected} argument(s), not {}",
            args.len()
        ));
    }
    if args.iter().any(Value::is_unknown) {
        return Ok(Value::Unknown);
    }
    function(args, context).map_err(|e| format!("`{name}`: {e}"))
}

fn string(value: &Value) -> Result<&str, String> {
    value
        .as_str()
        .ok_or_else(|| format!("a string is required, not a {}", value.type_name()))
}

fn number(value: &Value) -> Result<f64, String> {
    match value {
        Value::Number(n) => Ok(*n),
        Value::String(s) => s
            .parse()
            .map_err(|_| format!("a number is required, not \"{s}\"")),
        other => Err(format!("a number is required, not a {}", other.type_name())),
    }
}

fn sequence(value: &Value) -> Result<&[Value], String> {
    value
        .as_sequence()
        .ok_or_else(|| format!("a list or set is required, not a {}", value.type_name()))
}

fn map(value: &Value) -> Result<&BTreeMap<String, Value>, String> {
    match value {
        Value::Map(map) => Ok(map),
        other => Err(format!("a map is required, not a {}", other.type_name())),
    }
}

fn coalesce(args: &[Value], _: &FunctionContext<'_>) -> Result<Value, String> {
    args.iter()
        .find(|v| !matches!(v, Value::Null) && v.as_str() != Some(""))
        .cloned()
        .ok_or_else(|| "every argument is null or an empty string".into())
}

fn concat(args: &[Value], _: &FunctionContext<'_>) -> Result<Value, String> {
    let mut out = Vec::new();
    for arg in args {
        out.extend_from_slice(sequence(arg)?);
    }
    Ok(Value::List(out))
}

fn distinct(args: &[Value], _: &FunctionContext<'_>) -> Result<Value, String> {
    let mut out: Vec<Value> = Vec::new();
    for item in sequence(&args[0])? {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    Ok(Value::List(out))
}

fn element(args: &[Value], _: &FunctionContext<'_>) -> Result<Value, String> {
    let items = sequence(&args[0])?;
    let index = args[1]
        .as_integer()
        .ok_or("the index must be a whole number")?;
    if items.is_empty() {
        return Err("the list is empty".into());
    }
    Ok(items[index.rem_euclid(items.len() as i64) as usize].clone())
}

fn file(args: &[Value], context: &FunctionContext<'_>) -> Result<Value, String> {
    let path = string(&args[0])?;
    let full = context.base_dir.join(path);
    // The path is not repeated: it may come from a sensitive variable, and the caret shows
    // the call.
    crate::local_file::read_text_file(&full)
        .map(Value::String)
        .map_err(|why| format!("cannot read the file: {why}"))
}

fn flatten(items: &[Value]) -> Vec<Value> {
    items
        .iter()
        .flat_map(|item| match item.as_sequence() {
            Some(inner) => flatten(inner),
            None => vec![item.clone()],
        })
        .collect()
}

fn format(args: &[Value], _: &FunctionContext<'_>) -> Result<Value, String> {
    let spec = string(&args[0])?;
    let mut out = String::new();
    let mut rest = args[1..].iter();
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut verb = String::new();
        while let Some(&next) = chars.peek() {
            chars.next();
            if next.is_ascii_alphabetic() || next == '%' {
                verb.push(next);
                break;
            }
            verb.push(next);
        }
        if verb == "%" {
            out.push('%');
            continue;
        }
        let arg = rest
            .next()
            .ok_or_else(|| format!("not enough arguments for `%{verb}`"))?;
        match verb.chars().last() {
            Some('s') | Some('v') => {
                out.push_str(&arg.to_template_string().unwrap_or_else(|| arg.to_string()))
            }
            Some('d') => out.push_str(&format!("{}", number(arg)? as i64)),
            Some('f') => {
                let precision = verb
                    .trim_start_matches('.')
                    .trim_end_matches('f')
                    .parse::<usize>()
                    .unwrap_or(6);
                out.push_str(&format!("{:.*}", precision, number(arg)?));
            }
            Some('q') => out.push_str(&format!("{:?}", string(arg)?)),
            _ => {
                return Err(format!(
                    "unsupported verb `%{verb}`; use %s, %d, %f, %q or %v"
                ));
            }
        }
    }
    if rest.next().is_some() {
        return Err("too many arguments for the format string".into());
    }
    Ok(Value::String(out))
}

fn join(args: &[Value], _: &FunctionContext<'_>) -> Result<Value, String> {
    let separator = string(&args[0])?;
    let parts = sequence(&args[1])?
        .iter()
        .map(|v| {
            v.to_template_string()
                .ok_or_else(|| format!("cannot join a {}", v.type_name()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Value::String(parts.join(separator)))
}

fn length(args: &[Value], _: &FunctionContext<'_>) -> Result<Value, String> {
    let len = match &args[0] {
        Value::String(s) => s.chars().count(),
        Value::List(items) | Value::Set(items) => items.len(),
        Value::Map(map) => map.len(),
        other => return Err(format!("cannot take the length of a {}", other.type_name())),
    };
    Ok(Value::Number(len as f64))
}

fn lookup(args: &[Value], _: &FunctionContext<'_>) -> Result<Value, String> {
    let key = string(&args[1])?;
    match (map(&args[0])?.get(key), args.get(2)) {
        (Some(value), _) => Ok(value.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(format!(
            "the map has no key \"{key}\" and no default was given"
        )),
    }
}

fn extreme(args: &[Value], pick: fn(f64, f64) -> f64) -> Result<Value, String> {
    let numbers: Vec<f64> = match args {
        [single] if single.as_sequence().is_some() => sequence(single)?
            .iter()
            .map(number)
            .collect::<Result<_, _>>()?,
        _ => args.iter().map(number).collect::<Result<_, _>>()?,
    };
    numbers
        .into_iter()
        .reduce(pick)
        .map(Value::Number)
        .ok_or_else(|| "no numbers given".into())
}

fn merge(args: &[Value], _: &FunctionContext<'_>) -> Result<Value, String> {
    let mut out = BTreeMap::new();
    for arg in args {
        if matches!(arg, Value::Null) {
            continue;
        }
        out.extend(map(arg)?.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Ok(Value::Map(out))
}

fn range(args: &[Value], _: &FunctionContext<'_>) -> Result<Value, String> {
    let numbers = args.iter().map(number).collect::<Result<Vec<_>, _>>()?;
    let (start, end, step) = match numbers.as_slice() {
        [end] => (0.0, *end, 1.0),
        [start, end] => (*start, *end, 1.0),
        [start, end, step] => (*start, *end, *step),
        _ => unreachable!("arity is checked"),
    };
    if step == 0.0 {
        return Err("the step must not be zero".into());
    }
    let count = ((end - start) / step).ceil().max(0.0);
    if count > 1024.0 {
        return Err(format!(
            "the range has {count} elements; at most 1024 are allowed"
        ));
    }
    Ok(Value::List(
        (0..count as usize)
            .map(|i| Value::Number(start + step * i as f64))
            .collect(),
    ))
}

fn substr(args: &[Value], _: &FunctionContext<'_>) -> Result<Value, String> {
    let s = string(&args[0])?;
    let offset = args[1]
        .as_integer()
        .ok_or("the offset must be a whole number")?;
    let length = args[2]
        .as_integer()
        .ok_or("the length must be a whole number")?;
    let chars: Vec<char> = s.chars().collect();
    let start = if offset < 0 {
        (chars.len() as i64 + offset).max(0)
    } else {
        offset.min(chars.len() as i64)
    } as usize;
    let end = if length < 0 {
        chars.len()
    } else {
        (start + length as usize).min(chars.len())
    };
    Ok(Value::String(chars[start..end].iter().collect()))
}

fn tonumber(args: &[Value], _: &FunctionContext<'_>) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        other => number(other).map(Value::Number),
    }
}

fn tostring(args: &[Value], _: &FunctionContext<'_>) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        other => other
            .to_template_string()
            .map(Value::String)
            .ok_or_else(|| format!("a {} cannot be converted to a string", other.type_name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, args: Vec<Value>) -> Result<Value, String> {
        call(
            name,
            &args,
            &FunctionContext {
                base_dir: Path::new("."),
            },
        )
    }

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::from(*s)).collect())
    }

    #[test]
    fn string_functions() {
        assert_eq!(run("lower", vec!["ABC".into()]), Ok("abc".into()));
        assert_eq!(run("upper", vec!["abc".into()]), Ok("ABC".into()));
        assert_eq!(
            run(
                "format",
                vec![
                    "%s-%d-%.1f%%".into(),
                    "a".into(),
                    Value::Number(3.0),
                    Value::Number(2.25)
                ]
            ),
            Ok("a-3-2.2%".into())
        );
        assert_eq!(
            run("join", vec!["-".into(), list(&["a", "b"])]),
            Ok("a-b".into())
        );
        assert_eq!(
            run("split", vec![",".into(), "a,b".into()]),
            Ok(list(&["a", "b"]))
        );
        assert_eq!(
            run("replace", vec!["a_b".into(), "_".into(), "-".into()]),
            Ok("a-b".into())
        );
        assert_eq!(
            run(
                "substr",
                vec!["hello".into(), Value::Number(1.0), Value::Number(3.0)]
            ),
            Ok("ell".into())
        );
    }

    #[test]
    fn collection_functions() {
        let m = |pairs: &[(&str, f64)]| {
            Value::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::Number(*v)))
                    .collect(),
            )
        };
        assert_eq!(
            run("length", vec![list(&["a", "b"])]),
            Ok(Value::Number(2.0))
        );
        assert_eq!(
            run("lookup", vec![m(&[("a", 1.0)]), "a".into()]),
            Ok(Value::Number(1.0))
        );
        assert_eq!(
            run(
                "lookup",
                vec![m(&[("a", 1.0)]), "b".into(), Value::Number(7.0)]
            ),
            Ok(Value::Number(7.0))
        );
        assert!(
            run("lookup", vec![m(&[]), "b".into()])
                .unwrap_err()
                .contains("no key")
        );
        assert_eq!(
            run(
                "merge",
                vec![m(&[("a", 1.0)]), m(&[("a", 2.0), ("b", 3.0)])]
            ),
            Ok(m(&[("a", 2.0), ("b", 3.0)]))
        );
        assert_eq!(
            run("concat", vec![list(&["a"]), list(&["b"])]),
            Ok(list(&["a", "b"]))
        );
        assert_eq!(
            run("contains", vec![list(&["a"]), "a".into()]),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            run("coalesce", vec![Value::Null, "".into(), "x".into()]),
            Ok("x".into())
        );
        assert_eq!(
            run("min", vec![Value::Number(3.0), Value::Number(1.0)]),
            Ok(Value::Number(1.0))
        );
        assert_eq!(
            run("max", vec![Value::Number(3.0), Value::Number(1.0)]),
            Ok(Value::Number(3.0))
        );
        assert_eq!(
            run("toset", vec![list(&["b", "a", "b"])]),
            Ok(Value::Set(vec!["a".into(), "b".into()]))
        );
    }

    #[test]
    fn conversions_and_errors() {
        assert_eq!(run("tostring", vec![Value::Number(5.0)]), Ok("5".into()));
        assert_eq!(run("tonumber", vec!["5".into()]), Ok(Value::Number(5.0)));
        assert!(run("tonumber", vec!["five".into()]).is_err());
        assert!(
            run("lower", vec![])
                .unwrap_err()
                .contains("takes 1 argument")
        );
        assert_eq!(run("lower", vec![Value::Unknown]), Ok(Value::Unknown));
        assert!(
            run("file", vec!["does/not/exist".into()])
                .unwrap_err()
                .contains("cannot read")
        );
    }
}
