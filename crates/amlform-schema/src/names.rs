//! The service's rule for compute names (DOMAIN.md rule 1).

pub const NAME_MIN_LEN: usize = 2;
pub const NAME_MAX_LEN: usize = 16;

/// Why a compute name is not accepted by the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    Length(usize),
    FirstCharacter(char),
    Character(char),
}

impl NameProblem {
    pub fn message(&self, name: &str) -> String {
        match self {
            NameProblem::Length(len) => format!(
                "compute name `{name}` is {len} characters long; it must be {NAME_MIN_LEN} to {NAME_MAX_LEN}"
            ),
            NameProblem::FirstCharacter(c) => {
                format!("compute name `{name}` starts with `{c}`; it must start with a letter")
            }
            NameProblem::Character(c) => format!(
                "compute name `{name}` contains `{c}`; only letters, digits and hyphens are allowed"
            ),
        }
    }
}

/// Checks a compute name: 2 to 16 characters, letters, digits and hyphens, starting with a letter.
pub fn check_compute_name(name: &str) -> Result<(), NameProblem> {
    let len = name.chars().count();
    if !(NAME_MIN_LEN..=NAME_MAX_LEN).contains(&len) {
        return Err(NameProblem::Length(len));
    }
    let first = name.chars().next().unwrap_or(' ');
    if !first.is_ascii_alphabetic() {
        return Err(NameProblem::FirstCharacter(first));
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        Some(c) => Err(NameProblem::Character(c)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_service_rule() {
        assert_eq!(check_compute_name("cpu-cluster"), Ok(()));
        assert_eq!(check_compute_name("a1"), Ok(()));
        assert_eq!(check_compute_name("a"), Err(NameProblem::Length(1)));
        assert_eq!(check_compute_name("a234567890123456"), Ok(()));
        assert_eq!(
            check_compute_name("a2345678901234567"),
            Err(NameProblem::Length(17))
        );
        assert_eq!(
            check_compute_name("1cpu"),
            Err(NameProblem::FirstCharacter('1'))
        );
        assert_eq!(
            check_compute_name("cpu_cluster"),
            Err(NameProblem::Character('_'))
        );
    }
}
