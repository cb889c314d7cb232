//! A compute instance's start and stop schedules (`schedules.computeStartStop` of the API
//! description): a list of objects, each a `Start` or `Stop` on a cron expression or a
//! recurrence, in a time zone. Checked here and written in one full shape (defaults filled in),
//! so what the configuration says compares equal to what the service reports.
//!
//! ```hcl
//! schedules = [
//!   { action = "Start", cron = "0 8 * * 1-5", time_zone = "W. Europe Standard Time" },
//!   { action = "Stop", recurrence = { frequency = "Day", interval = 1, hours = [19], minutes = [0] } },
//! ]
//! ```

use std::collections::BTreeMap;

use crate::value::Value;

/// `ComputePowerAction`.
const ACTIONS: &[&str] = &["Start", "Stop"];
/// `ComputeRecurrenceFrequency`.
const FREQUENCIES: &[&str] = &["Minute", "Hour", "Day", "Week", "Month"];
/// `ComputeWeekDay`.
const WEEK_DAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const FIELDS: &[&str] = &["action", "cron", "recurrence", "time_zone", "enabled"];
const RECURRENCE_FIELDS: &[&str] = &["frequency", "interval", "hours", "minutes", "week_days"];

/// The schedules in their full shape, or what is wrong (a message and a hint).
pub(crate) fn typed_schedules(value: &Value) -> Result<Value, (String, String)> {
    let Some(items) = value.as_sequence() else {
        return Err((
            format!(
                "`schedules` must be a list of schedules, not a {}",
                value.type_name()
            ),
            "write `schedules = [{ action = \"Stop\", cron = \"0 19 * * *\" }]`".to_owned(),
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        out.push(schedule(item).map_err(|(message, hint)| {
            (
                format!("schedule {} of `schedules`: {message}", index + 1),
                hint,
            )
        })?);
    }
    Ok(Value::List(out))
}

fn schedule(item: &Value) -> Result<Value, (String, String)> {
    let Value::Map(fields) = item else {
        return Err((
            format!("must be an object, not a {}", item.type_name()),
            "write `{ action = \"Stop\", cron = \"0 19 * * *\" }`".to_owned(),
        ));
    };
    unknown_fields(fields, FIELDS)?;
    let mut out = BTreeMap::new();
    let action = one_of(fields.get("action"), "action", ACTIONS, true)?;
    out.insert("action".to_owned(), action);
    match (fields.get("cron"), fields.get("recurrence")) {
        (Some(cron), None) => {
            let expression = cron.as_str().unwrap_or_default();
            if expression.split_whitespace().count() != 5 {
                return Err((
                    format!("`cron = {cron}` is not a cron expression of five fields"),
                    "write minute, hour, day of month, month and day of week, as `0 19 * * 1-5`"
                        .to_owned(),
                ));
            }
            out.insert("cron".to_owned(), Value::String(expression.to_owned()));
        }
        (None, Some(recurrence)) => {
            out.insert("recurrence".to_owned(), typed_recurrence(recurrence)?);
        }
        _ => {
            return Err((
                "needs exactly one of `cron` and `recurrence`".to_owned(),
                "a schedule triggers on a cron expression or on a recurrence".to_owned(),
            ));
        }
    }
    let time_zone = match fields.get("time_zone") {
        None | Some(Value::Null) => "UTC".to_owned(),
        Some(Value::String(zone)) if !zone.is_empty() => zone.clone(),
        Some(other) => {
            return Err((
                format!("`time_zone = {other}` is not a time zone name"),
                "use a Windows time zone name such as \"UTC\" or \"Pacific Standard Time\""
                    .to_owned(),
            ));
        }
    };
    out.insert("time_zone".to_owned(), Value::String(time_zone));
    let enabled = match fields.get("enabled") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(enabled)) => *enabled,
        Some(other) => {
            return Err((
                format!("`enabled = {other}` is not a bool"),
                "write `enabled = false` to keep a schedule without running it".to_owned(),
            ));
        }
    };
    out.insert("enabled".to_owned(), Value::Bool(enabled));
    Ok(Value::Map(out))
}

fn typed_recurrence(value: &Value) -> Result<Value, (String, String)> {
    let Value::Map(fields) = value else {
        return Err((
            "`recurrence` must be an object".to_owned(),
            "write `recurrence = { frequency = \"Day\", interval = 1, hours = [19], minutes = [0] }`"
                .to_owned(),
        ));
    };
    unknown_fields(fields, RECURRENCE_FIELDS)?;
    let mut out = BTreeMap::new();
    out.insert(
        "frequency".to_owned(),
        one_of(fields.get("frequency"), "frequency", FREQUENCIES, true)?,
    );
    let interval = match fields.get("interval") {
        Some(Value::Number(n)) if n.fract() == 0.0 && *n >= 1.0 => *n,
        _ => {
            return Err((
                "`recurrence.interval` must be a whole number of at least 1".to_owned(),
                "`interval = 1` with `frequency = \"Day\"` is every day".to_owned(),
            ));
        }
    };
    out.insert("interval".to_owned(), Value::Number(interval));
    for (name, max) in [("hours", 23.0), ("minutes", 59.0)] {
        let numbers = fields
            .get(name)
            .and_then(Value::as_sequence)
            .filter(|items| {
                !items.is_empty()
                && items.iter().all(|item| {
                    matches!(item, Value::Number(n) if n.fract() == 0.0 && (0.0..=max).contains(n))
                })
            });
        let Some(numbers) = numbers else {
            return Err((
                format!("`recurrence.{name}` must be a list of whole numbers from 0 to {max}"),
                "for 19:00 write `hours = [19], minutes = [0]`".to_owned(),
            ));
        };
        out.insert(name.to_owned(), Value::List(numbers.to_vec()));
    }
    if let Some(days) = fields.get("week_days").filter(|days| **days != Value::Null) {
        let mut typed = Vec::new();
        for day in days.as_sequence().unwrap_or_default() {
            typed.push(one_of(Some(day), "week_days", WEEK_DAYS, true)?);
        }
        if !typed.is_empty() {
            out.insert("week_days".to_owned(), Value::List(typed));
        }
    }
    Ok(Value::Map(out))
}

fn unknown_fields(
    fields: &BTreeMap<String, Value>,
    known: &[&str],
) -> Result<(), (String, String)> {
    match fields.keys().find(|key| !known.contains(&key.as_str())) {
        Some(key) => Err((
            format!("`{key}` is not a setting of a schedule"),
            format!("a schedule has {}", known.join(", ")),
        )),
        None => Ok(()),
    }
}

/// One of `allowed` (without regard to case), as written there.
fn one_of(
    value: Option<&Value>,
    name: &str,
    allowed: &[&str],
    required: bool,
) -> Result<Value, (String, String)> {
    let text = value.and_then(Value::as_str);
    match text.and_then(|text| allowed.iter().find(|a| a.eq_ignore_ascii_case(text))) {
        Some(found) => Ok(Value::String((*found).to_owned())),
        None if value.is_none() && !required => Ok(Value::Null),
        None => Err((
            match value {
                Some(value) => format!("`{name} = {value}` is not one of {}", allowed.join(", ")),
                None => format!("`{name}` is missing"),
            },
            format!("write one of {}", allowed.join(", ")),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::object(pairs)
    }

    fn text(value: &str) -> Value {
        Value::String(value.to_owned())
    }

    #[test]
    fn schedules_get_their_full_shape() {
        let typed = typed_schedules(&Value::List(vec![
            map(&[("action", text("stop")), ("cron", text("0 19 * * 1-5"))]),
            map(&[
                ("action", text("Start")),
                ("time_zone", text("W. Europe Standard Time")),
                (
                    "recurrence",
                    map(&[
                        ("frequency", text("week")),
                        ("interval", Value::Number(1.0)),
                        ("hours", Value::List(vec![Value::Number(8.0)])),
                        ("minutes", Value::List(vec![Value::Number(0.0)])),
                        ("week_days", Value::List(vec![text("monday")])),
                    ]),
                ),
            ]),
        ]))
        .unwrap();
        let Value::List(items) = typed else {
            panic!("a list")
        };
        assert_eq!(
            items[0],
            map(&[
                ("action", text("Stop")),
                ("cron", text("0 19 * * 1-5")),
                ("enabled", Value::Bool(true)),
                ("time_zone", text("UTC")),
            ])
        );
        let Value::Map(start) = &items[1] else {
            panic!("a map")
        };
        let recurrence = start["recurrence"].to_string();
        assert!(
            recurrence.contains("\"Week\"") && recurrence.contains("\"Monday\""),
            "{recurrence}"
        );
    }

    #[test]
    fn wrong_schedules_say_what_is_wrong() {
        for (schedule, says) in [
            (
                map(&[("action", text("Pause")), ("cron", text("0 1 * * *"))]),
                "not one of Start, Stop",
            ),
            (
                map(&[("action", text("Stop"))]),
                "exactly one of `cron` and `recurrence`",
            ),
            (
                map(&[("action", text("Stop")), ("cron", text("daily"))]),
                "five fields",
            ),
            (
                map(&[
                    ("action", text("Stop")),
                    ("cron", text("0 1 * * *")),
                    ("when", text("x")),
                ]),
                "`when` is not a setting",
            ),
            (
                map(&[
                    ("action", text("Stop")),
                    (
                        "recurrence",
                        map(&[
                            ("frequency", text("Day")),
                            ("interval", Value::Number(1.0)),
                            ("hours", Value::List(vec![Value::Number(25.0)])),
                            ("minutes", Value::List(vec![Value::Number(0.0)])),
                        ]),
                    ),
                ]),
                "from 0 to 23",
            ),
        ] {
            let (message, _) = typed_schedules(&Value::List(vec![schedule])).unwrap_err();
            assert!(message.contains(says), "{message}");
        }
    }
}
