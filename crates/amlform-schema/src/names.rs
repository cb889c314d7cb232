//! The service's rules for compute names (DOMAIN.md rule 1), per kind, each with its source.
//!
//! The API description amlform speaks (2024-10-01) gives `computeName` no pattern, so the
//! service's documented rules apply: 2 to 16 characters for a compute target (the seeds' tip,
//! 002), and for a compute instance 3 to 24 characters where a hyphen is followed by a letter
//! somewhere after it (Azure ML's "Create a compute instance"; the newest stable API,
//! 2026-09-01, has the same pattern: a name may not end in `-<digits>`).

/// What a kind's names must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameRule {
    pub min: usize,
    pub max: usize,
    /// Every hyphen is followed, somewhere after it, by a letter (no `-<digits>` ending).
    pub hyphen_before_a_letter: bool,
    /// Where the rule comes from, for the diagnostic.
    pub source: &'static str,
}

impl NameRule {
    /// The rule for a block kind (`compute_instance`) or a REST `computeType`
    /// (`ComputeInstance`).
    pub fn of(kind: &str) -> NameRule {
        if kind.eq_ignore_ascii_case("compute_instance")
            || kind.eq_ignore_ascii_case("ComputeInstance")
        {
            NameRule {
                min: 3,
                max: 24,
                hyphen_before_a_letter: true,
                source: "Azure ML's naming rule for compute instances, and the computeName pattern of API 2026-09-01",
            }
        } else {
            NameRule {
                min: 2,
                max: 16,
                hyphen_before_a_letter: false,
                source: "Azure ML's naming rule for compute targets",
            }
        }
    }

    /// The rule in a sentence, as a hint gives it.
    pub fn describe(&self) -> String {
        format!(
            "{} to {} letters, digits or hyphens, starting with a letter{}",
            self.min,
            self.max,
            if self.hyphen_before_a_letter {
                ", with a letter somewhere after each hyphen"
            } else {
                ""
            }
        )
    }
}

/// Why a compute name is not accepted by the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    Length(usize),
    FirstCharacter(char),
    Character(char),
    /// A hyphen with no letter after it (`nb-01`).
    DigitsAfterHyphen,
}

impl NameProblem {
    pub fn message(&self, name: &str, rule: &NameRule) -> String {
        let problem = match self {
            NameProblem::Length(len) => format!(
                "compute name `{name}` is {len} characters long; it must be {} to {}",
                rule.min, rule.max
            ),
            NameProblem::FirstCharacter(c) => {
                format!("compute name `{name}` starts with `{c}`; it must start with a letter")
            }
            NameProblem::Character(c) => format!(
                "compute name `{name}` contains `{c}`; only letters, digits and hyphens are allowed"
            ),
            NameProblem::DigitsAfterHyphen => format!(
                "compute name `{name}` ends in a hyphen and digits; a hyphen must be followed by a letter somewhere after it"
            ),
        };
        format!("{problem} (source: {})", rule.source)
    }
}

/// Checks a compute name against its kind's rule.
pub fn check_compute_name(name: &str, rule: &NameRule) -> Result<(), NameProblem> {
    let len = name.chars().count();
    if !(rule.min..=rule.max).contains(&len) {
        return Err(NameProblem::Length(len));
    }
    let first = name.chars().next().unwrap_or(' ');
    if !first.is_ascii_alphabetic() {
        return Err(NameProblem::FirstCharacter(first));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(NameProblem::Character(c));
    }
    if rule.hyphen_before_a_letter
        && let Some(last_hyphen) = name.rfind('-')
        && !name[last_hyphen..].chars().any(|c| c.is_ascii_alphabetic())
    {
        return Err(NameProblem::DigitsAfterHyphen);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_and_attached_names() {
        let rule = NameRule::of("aml_compute");
        let check = |name: &str| check_compute_name(name, &rule);
        assert_eq!(check("cpu-cluster"), Ok(()));
        assert_eq!(check("a1"), Ok(()));
        assert_eq!(
            check("gpu-01"),
            Ok(()),
            "digits after a hyphen are fine here"
        );
        assert_eq!(check("a"), Err(NameProblem::Length(1)));
        assert_eq!(check("a234567890123456"), Ok(()));
        assert_eq!(check("a2345678901234567"), Err(NameProblem::Length(17)));
        assert_eq!(check("1cpu"), Err(NameProblem::FirstCharacter('1')));
        assert_eq!(check("cpu_cluster"), Err(NameProblem::Character('_')));
        assert_eq!(NameRule::of("VirtualMachine"), rule);
    }

    #[test]
    fn compute_instance_names() {
        let rule = NameRule::of("compute_instance");
        assert_eq!(rule, NameRule::of("ComputeInstance"));
        let check = |name: &str| check_compute_name(name, &rule);
        assert_eq!(check("nb-ada-lovelace-research"), Ok(()), "24 characters");
        assert_eq!(check("ab"), Err(NameProblem::Length(2)));
        assert_eq!(
            check("nb-ada-lovelace-research1"),
            Err(NameProblem::Length(25))
        );
        assert_eq!(check("nb-01"), Err(NameProblem::DigitsAfterHyphen));
        assert_eq!(check("nb-01a"), Ok(()));
        assert!(
            NameProblem::DigitsAfterHyphen
                .message("nb-01", &rule)
                .contains("API 2026-09-01"),
            "the source is named"
        );
    }
}
