//! Diagnostics for code scanning and CI annotations: `validate -format sarif` (SARIF 2.1.0,
//! what GitHub code scanning uploads) and `-format github` (workflow commands that annotate
//! the line in a pull request). Both are built from the diagnostics' JSON form, whose
//! messages are already free of secrets.

use amlform_lang::{JsonDiagnostic, Severity};
use serde_json::{Value, json};

/// A SARIF 2.1.0 log with one run: a rule per code met, a result per diagnostic.
pub fn sarif(diagnostics: &[JsonDiagnostic]) -> Value {
    let mut codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    codes.sort_unstable();
    codes.dedup();
    let results: Vec<Value> = (diagnostics.iter())
        .map(|diagnostic| {
            let mut result = json!({
                "ruleId": diagnostic.code,
                "level": level(diagnostic.severity),
                "message": { "text": message(diagnostic) },
            });
            if let Some(range) = &diagnostic.range {
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": range.filename },
                        "region": {
                            "startLine": range.start.line,
                            "startColumn": range.start.column,
                            "endLine": range.end.line,
                            "endColumn": range.end.column,
                        },
                    },
                }]);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "amlform",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": codes.iter().map(|code| json!({ "id": code })).collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    })
}

/// `::error file=main.aml.hcl,line=9,col=3,endLine=9,endColumn=14,title=AML005::message`,
/// one line per diagnostic.
pub fn github(diagnostics: &[JsonDiagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let command = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut properties = Vec::new();
        if let Some(range) = &diagnostic.range {
            properties.push(format!("file={}", property(&range.filename)));
            properties.push(format!("line={}", range.start.line));
            properties.push(format!("col={}", range.start.column));
            properties.push(format!("endLine={}", range.end.line));
            properties.push(format!("endColumn={}", range.end.column));
        }
        properties.push(format!("title={}", diagnostic.code));
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            data(&message(diagnostic))
        ));
    }
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn message(diagnostic: &JsonDiagnostic) -> String {
    match &diagnostic.detail {
        Some(detail) => format!("{}\n{detail}", diagnostic.summary),
        None => diagnostic.summary.clone(),
    }
}

/// A workflow command's message, escaped as the runner unescapes it.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}
