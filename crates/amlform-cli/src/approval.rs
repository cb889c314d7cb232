//! Asking for approval before a change: `yes` read from stdin, a terminal or a pipe
//! (`echo yes | amlform apply`, as with Terraform). With `-input=false`, or when stdin ends
//! before an answer, nothing is asked and nothing is approved.

use std::io::{BufRead, IsTerminal, Write};

/// Asks `question`; true only for `yes`. `action` names what is refused (`apply`) and
/// `hint` the way out, when no answer can be had.
pub fn approved(question: &str, action: &str, hint: &str, input: bool) -> anyhow::Result<bool> {
    if !input {
        anyhow::bail!(
            "refusing to {action} without confirmation: -input=false forbids asking for it\nhint: {hint}"
        );
    }
    print!("\n{question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer)? == 0 {
        println!();
        anyhow::bail!(
            "refusing to {action} without confirmation: stdin ended before an answer\nhint: {hint}, pipe the answer (`echo yes | amlform ...`), or run it in a terminal"
        );
    }
    if !std::io::stdin().is_terminal() {
        // A piped answer is not echoed: end the prompt's line.
        println!();
    }
    Ok(answer.trim() == "yes")
}
