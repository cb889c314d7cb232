//! Terraform's spelling of flags: one dash before a long name (`-out=tf.plan`,
//! `-auto-approve`, `-var 'a=1'`, `-chdir=DIR`). They are rewritten to clap's two dashes before
//! parsing, from the names clap itself knows, so none is ever read as a short flag with a value
//! (`-out=tf.plan` as `-o ut=tf.plan`). A one-dash word that is not a flag of the command is an
//! error, never a guess.

use std::ffi::OsString;

use clap::{Arg, Command};

pub fn rewrite(command: &Command, args: Vec<OsString>) -> Result<Vec<OsString>, String> {
    let mut current = command.clone();
    current.build();
    let globals: Vec<Arg> = current
        .get_arguments()
        .filter(|arg| arg.is_global_set())
        .cloned()
        .collect();
    let mut out = Vec::with_capacity(args.len());
    let mut args = args.into_iter();
    out.extend(args.next());
    let mut value_expected = false;
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str().map(str::to_owned) else {
            out.push(arg);
            value_expected = false;
            continue;
        };
        if text == "--" {
            out.push(arg);
            out.extend(args);
            break;
        }
        if std::mem::take(&mut value_expected) {
            out.push(arg);
            continue;
        }
        let (dashes, rest) = if let Some(rest) = text.strip_prefix("--") {
            (2, rest)
        } else if let Some(rest) = text.strip_prefix('-') {
            (1, rest)
        } else {
            if let Some(sub) = current.find_subcommand(&text) {
                current = sub.clone();
            }
            out.push(arg);
            continue;
        };
        let (name, value) = match rest.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (rest, None),
        };
        if dashes == 2 {
            value_expected = value.is_none()
                && find(&current, &globals, |arg| arg.get_long() == Some(name))
                    .is_some_and(takes_value);
            out.push(arg);
            continue;
        }
        if rest.chars().count() < 2 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            // `-C DIR`, `-o FILE`, `-h`, or a negative number: clap's to read.
            let short = rest.chars().next();
            value_expected =
                find(&current, &globals, |arg| arg.get_short() == short).is_some_and(takes_value);
            out.push(arg);
            continue;
        }
        match find(&current, &globals, |arg| arg.get_long() == Some(name)) {
            Some(found) => {
                value_expected = value.is_none() && takes_value(found);
                out.push(format!("-{text}").into());
            }
            None => {
                return Err(format!(
                    "unknown flag `{text}` for `{}`\n  hint: `{} --help` lists its flags; one dash or two both work before a long name (`-out=FILE` or `--out=FILE`), and a short flag takes its value apart (`-C DIR`)",
                    current.get_name(),
                    current.get_bin_name().unwrap_or(current.get_name())
                ));
            }
        }
    }
    Ok(out)
}

/// The argument of `command` (or a global one) that `matches`.
fn find<'a>(
    command: &'a Command,
    globals: &'a [Arg],
    matches: impl Fn(&Arg) -> bool,
) -> Option<&'a Arg> {
    command
        .get_arguments()
        .chain(globals)
        .find(|arg| matches(arg))
}

/// Whether the next word is this flag's value: not for a flag whose value, if any, must be
/// joined with `=` (`-markdown=github-summary`).
fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values() && !arg.is_require_equals_set()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn rewritten(args: &[&str]) -> Result<Vec<String>, String> {
        let args = std::iter::once("amlform")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        rewrite(&crate::cli::Cli::command(), args).map(|args| {
            args.into_iter()
                .skip(1)
                .map(|arg| arg.into_string().unwrap())
                .collect()
        })
    }

    #[test]
    fn terraform_spellings_become_long_flags() {
        assert_eq!(
            rewritten(&["plan", "-out=tf.plan", "-detailed-exitcode", "-no-color"]).unwrap(),
            ["plan", "--out=tf.plan", "--detailed-exitcode", "--no-color"]
        );
        assert_eq!(
            rewritten(&[
                "-chdir=dir",
                "apply",
                "-auto-approve",
                "-var",
                "a=1",
                "-input=false"
            ])
            .unwrap(),
            [
                "--chdir=dir",
                "apply",
                "--auto-approve",
                "--var",
                "a=1",
                "--input=false"
            ]
        );
        assert_eq!(
            rewritten(&[
                "plan",
                "-target",
                "aml_compute.a",
                "-lock-timeout=5s",
                "-json"
            ])
            .unwrap(),
            [
                "plan",
                "--target",
                "aml_compute.a",
                "--lock-timeout=5s",
                "--json"
            ]
        );
        // A value that looks like a flag is left alone.
        assert_eq!(
            rewritten(&["plan", "--var", "-json"]).unwrap(),
            ["plan", "--var", "-json"]
        );
        assert_eq!(
            rewritten(&["-C", "-dir", "plan", "-o", "f"]).unwrap(),
            ["-C", "-dir", "plan", "-o", "f"]
        );
        assert_eq!(
            rewritten(&[
                "plan",
                "-markdown",
                "-detailed-exitcode",
                "-markdown=gitlab-note"
            ])
            .unwrap(),
            [
                "plan",
                "--markdown",
                "--detailed-exitcode",
                "--markdown=gitlab-note"
            ]
        );
        assert_eq!(
            rewritten(&["state", "rm", "-lock-timeout=1s", "aml_compute.a"]).unwrap(),
            ["state", "rm", "--lock-timeout=1s", "aml_compute.a"]
        );
    }

    #[test]
    fn a_one_dash_word_that_is_no_flag_is_an_error() {
        for args in [
            &["plan", "-output=x"][..],
            &["apply", "-auto-aprove"],
            &["-Cdir", "plan"],
        ] {
            let error = rewritten(args).unwrap_err();
            assert!(error.contains("unknown flag"), "{error}");
        }
    }
}
