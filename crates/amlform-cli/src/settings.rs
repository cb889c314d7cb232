//! [`Settings`]: what the global flags resolve to, handed to every command (no process-wide
//! state: `--credential` reaches the connection as an argument).

use crate::printer::Printer;

/// The resolved global flags.
#[derive(Debug, Clone)]
pub struct Settings {
    pub printer: Printer,
    /// `--credential`: overrides every workspace's `credential`.
    pub credential: Option<String>,
    /// `-input`: whether a command may ask (false: it stops where it would have asked).
    pub input: bool,
}

impl Settings {
    pub fn color(&self) -> bool {
        self.printer.color
    }
}
