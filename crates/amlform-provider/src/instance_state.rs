//! A compute instance's state as the service reports it (`ComputeInstanceState`, 15 values in
//! the 2024-10-01 API description), in the two power states a configuration declares.

/// What one of the service's states means for a declared `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceState {
    /// Running, busy or on its way there: what a configuration calls `running`. `settled` is
    /// false while a transition runs (a start or stop sent now is refused).
    Running { settled: bool },
    /// Stopped or stopping: `stopped`.
    Stopped { settled: bool },
    /// Its creation or setup failed, or it is unusable: neither start nor stop helps.
    Failed,
    /// Being deleted, `Unknown`, or a value newer than this client: nothing to act on.
    Other,
}

impl InstanceState {
    pub fn of(service_state: &str) -> InstanceState {
        let is = |name: &str| service_state.eq_ignore_ascii_case(name);
        if is("Running") || is("JobRunning") {
            InstanceState::Running { settled: true }
        } else if [
            "Creating",
            "Starting",
            "Restarting",
            "SettingUp",
            "UserSettingUp",
        ]
        .iter()
        .any(|name| is(name))
        {
            InstanceState::Running { settled: false }
        } else if is("Stopped") {
            InstanceState::Stopped { settled: true }
        } else if is("Stopping") {
            InstanceState::Stopped { settled: false }
        } else if ["CreateFailed", "SetupFailed", "UserSetupFailed", "Unusable"]
            .iter()
            .any(|name| is(name))
        {
            InstanceState::Failed
        } else {
            InstanceState::Other
        }
    }

    /// The configuration's `state` for it, where it has one.
    pub fn declared(self) -> Option<&'static str> {
        match self {
            InstanceState::Running { .. } => Some("running"),
            InstanceState::Stopped { .. } => Some("stopped"),
            InstanceState::Failed | InstanceState::Other => None,
        }
    }

    /// Whether a transition is under way, which a start or stop must wait out.
    pub fn in_transition(self) -> bool {
        matches!(
            self,
            InstanceState::Running { settled: false } | InstanceState::Stopped { settled: false }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value of `ComputeInstanceState` in the API description has a meaning here.
    #[test]
    fn every_state_of_the_api_description() {
        let cases = [
            ("Creating", Some("running"), true),
            ("CreateFailed", None, false),
            ("Deleting", None, false),
            ("Running", Some("running"), false),
            ("Restarting", Some("running"), true),
            ("JobRunning", Some("running"), false),
            ("SettingUp", Some("running"), true),
            ("SetupFailed", None, false),
            ("Starting", Some("running"), true),
            ("Stopped", Some("stopped"), false),
            ("Stopping", Some("stopped"), true),
            ("UserSettingUp", Some("running"), true),
            ("UserSetupFailed", None, false),
            ("Unknown", None, false),
            ("Unusable", None, false),
        ];
        for (service, declared, moving) in cases {
            let state = InstanceState::of(service);
            assert_eq!(state.declared(), declared, "{service}");
            assert_eq!(state.in_transition(), moving, "{service}");
        }
        assert_eq!(InstanceState::of("jobrunning").declared(), Some("running"));
        assert_eq!(InstanceState::of("Hibernating"), InstanceState::Other);
    }
}
