//! `moved` blocks (Terraform 1.1): before the diff, the state's records are given the
//! addresses the configuration now uses, so a renamed block is the same compute, not a delete
//! and a create.

use std::borrow::Cow;
use std::collections::BTreeMap;

use amlform_lang::EvaluatedMove;
use amlform_state::StateRecord;

/// The state as the moves leave it.
#[derive(Debug)]
pub struct Moved<'a> {
    pub records: Cow<'a, [StateRecord]>,
    /// New address -> the address the state knew it by.
    pub previous: BTreeMap<String, String>,
    pub warnings: Vec<String>,
}

/// Applies `moves` in order (so `a -> b` then `b -> c` moves `a` to `c`). A block address
/// moves every instance of the block, keeping its key (`aml_compute.a[0]` to
/// `aml_compute.b[0]`); an instance address moves that instance. A move whose `from` is not in
/// the state does nothing; one whose `to` is already there does nothing and says why.
pub fn apply_moves<'a>(state: &'a [StateRecord], moves: &[EvaluatedMove]) -> Moved<'a> {
    let mut moved = Moved {
        records: Cow::Borrowed(state),
        previous: BTreeMap::new(),
        warnings: Vec::new(),
    };
    if moves.is_empty() {
        return moved;
    }
    let mut records: BTreeMap<String, StateRecord> = state
        .iter()
        .map(|record| (record.address.clone(), record.clone()))
        .collect();
    // The address each record had in the state, followed through chains of moves.
    let mut original: BTreeMap<String, String> = BTreeMap::new();
    for step in moves {
        let pairs: Vec<(String, String)> = records
            .keys()
            .filter_map(|address| Some((address.clone(), destination(address, step)?)))
            .collect();
        for (from, to) in pairs {
            if records.contains_key(&to) {
                moved.warnings.push(format!(
                    "the moved block from {} to {} was not applied to {from}: {to} is already in the state (`amlform state rm {to}` first if it is stale)",
                    step.from, step.to
                ));
                continue;
            }
            let Some(mut record) = records.remove(&from) else {
                continue;
            };
            record.address = to.clone();
            records.insert(to.clone(), record);
            let first = original.remove(&from).unwrap_or(from);
            original.insert(to, first);
        }
    }
    moved.previous = original
        .into_iter()
        .filter(|(to, from)| to != from)
        .collect();
    moved.records = Cow::Owned(records.into_values().collect());
    moved
}

/// Where `address` goes under `step`, if it moves.
fn destination(address: &str, step: &EvaluatedMove) -> Option<String> {
    if address == step.from {
        return Some(step.to.clone());
    }
    // A whole block moves its instances, each keeping its key; a module moves everything in
    // it (`module.old` to `module.new`, or into a module: `aml_compute.a` to
    // `module.team["x"].aml_compute.a`).
    let rest = address.strip_prefix(step.from.as_str())?;
    let is_block = |address: &str| amlform_schema::block_of(address) == address;
    let moves = (rest.starts_with('[') && is_block(&step.from) && is_block(&step.to))
        || (rest.starts_with('.') && amlform_schema::is_module_path(&step.from));
    moves.then(|| format!("{}{rest}", step.to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use amlform_lang::Span;

    fn record(address: &str) -> StateRecord {
        StateRecord {
            address: address.to_owned(),
            kind: "aml_compute".to_owned(),
            workspace: "dev".to_owned(),
            arm_id: None,
            attributes: Default::default(),
            dependencies: vec![],
            secret_fingerprints: Default::default(),
            status: amlform_state::RecordStatus::Ready,
        }
    }

    fn step(from: &str, to: &str) -> EvaluatedMove {
        let span = Span {
            file: amlform_lang::FileId(0),
            range: 0..0,
        };
        EvaluatedMove {
            from: from.to_owned(),
            to: to.to_owned(),
            from_span: span.clone(),
            to_span: span,
        }
    }

    fn addresses<'a>(moved: &'a Moved<'a>) -> Vec<&'a str> {
        moved.records.iter().map(|r| r.address.as_str()).collect()
    }

    #[test]
    fn blocks_instances_and_chains_move() {
        let state = [
            record("aml_compute.a"),
            record("aml_compute.pool[\"x\"]"),
            record("aml_compute.pool[\"y\"]"),
            record("aml_compute.single"),
        ];
        let moved = apply_moves(
            &state,
            &[
                step("aml_compute.a", "aml_compute.b"),
                step("aml_compute.b", "aml_compute.c"),
                step("aml_compute.pool", "aml_compute.workers"),
                step("aml_compute.single", "aml_compute.single[0]"),
                step("aml_compute.gone", "aml_compute.other"),
            ],
        );
        assert_eq!(
            addresses(&moved),
            [
                "aml_compute.c",
                "aml_compute.single[0]",
                "aml_compute.workers[\"x\"]",
                "aml_compute.workers[\"y\"]"
            ]
        );
        assert_eq!(moved.previous["aml_compute.c"], "aml_compute.a");
        assert_eq!(
            moved.previous["aml_compute.workers[\"y\"]"],
            "aml_compute.pool[\"y\"]"
        );
        assert!(moved.warnings.is_empty());
    }

    #[test]
    fn a_move_onto_an_address_in_the_state_is_not_applied() {
        let state = [record("aml_compute.a"), record("aml_compute.b")];
        let moved = apply_moves(&state, &[step("aml_compute.a", "aml_compute.b")]);
        assert_eq!(addresses(&moved), ["aml_compute.a", "aml_compute.b"]);
        assert!(moved.previous.is_empty());
        assert_eq!(moved.warnings.len(), 1);
    }
}
