//! Every Azure Machine Learning compute kind amlform manages, as data.
//!
//! For each kind: its configuration block name, the SDK class the seeds name it after, the REST
//! `computeType` it maps to, whether it is created by the workspace or attached, and every
//! attribute with its type, default, update behaviour (in place or forcing a replacement) and
//! whether it is a secret. Kinds that the documents mention but that cannot be managed (ACI, the
//! local computer, DSVM create, Batch AI) are listed with the explanation a user needs.
//!
//! [`AttributeMap`] holds a block's or a compute's attributes by these names.
//!
//! This crate is pure data: it parses nothing, evaluates nothing, and speaks to no service.

mod attribute_map;
mod compute_kind;
mod kinds;
mod names;
mod resource_address;

pub use attribute_map::AttributeMap;
pub use compute_kind::{
    AttrType, Attribute, ComputeKind, DefaultValue, Family, Mode, Replacement, Update,
};
pub use kinds::{COMPUTE_KINDS, META_ARGUMENTS, UNSUPPORTED_KINDS, UnsupportedKind};
pub use names::{NameProblem, NameRule, check_compute_name};
pub use resource_address::{
    block_of, is_module_path, is_under, module_of, resource_parts, resource_start,
};

/// The compute kind whose configuration block is called `block_name`.
pub fn compute_kind(block_name: &str) -> Option<&'static ComputeKind> {
    COMPUTE_KINDS
        .iter()
        .find(|kind| kind.block_name == block_name)
}

/// The explanation for a block name that names a compute kind amlform cannot manage.
pub fn unsupported_kind(block_name: &str) -> Option<&'static UnsupportedKind> {
    UNSUPPORTED_KINDS
        .iter()
        .find(|kind| kind.block_names.contains(&block_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_order_lists_every_attribute_and_computed_value_by_name() {
        for kind in COMPUTE_KINDS {
            let names: Vec<&str> = (kind.attributes.iter().map(|a| a.name))
                .chain(kind.computed.iter().copied())
                .collect();
            let ordered: Vec<&str> = kind.name_order().iter().map(|&i| names[i]).collect();
            let mut sorted = names.clone();
            sorted.sort();
            assert_eq!(ordered, sorted, "{}", kind.block_name);
        }
    }

    #[test]
    fn every_kind_is_found_by_its_block_name() {
        for kind in COMPUTE_KINDS {
            assert_eq!(
                compute_kind(kind.block_name).unwrap().sdk_class,
                kind.sdk_class
            );
        }
        assert!(compute_kind("aci_compute").is_none());
        assert!(unsupported_kind("aci_compute").is_some());
    }

    #[test]
    fn attribute_names_are_unique_within_a_kind_and_never_shadow_meta_arguments() {
        for kind in COMPUTE_KINDS {
            let mut seen = std::collections::BTreeSet::new();
            for attribute in kind.attributes {
                assert!(
                    seen.insert(attribute.name),
                    "{}.{}",
                    kind.block_name,
                    attribute.name
                );
                assert!(
                    !META_ARGUMENTS.contains(&attribute.name),
                    "{}.{} shadows a meta-argument",
                    kind.block_name,
                    attribute.name
                );
            }
        }
    }

    #[test]
    fn required_attributes_have_no_default() {
        for kind in COMPUTE_KINDS {
            for attribute in kind.attributes {
                assert!(
                    !(attribute.required && attribute.default.is_some()),
                    "{}.{}",
                    kind.block_name,
                    attribute.name
                );
            }
        }
    }

    #[test]
    fn cluster_scale_settings_update_in_place_and_vm_size_forces_replacement() {
        let cluster = compute_kind("aml_compute").unwrap();
        for name in [
            "min_nodes",
            "max_nodes",
            "idle_seconds_before_scaledown",
            "tags",
        ] {
            assert_eq!(
                cluster.attribute(name).unwrap().update,
                Update::InPlace,
                "{name}"
            );
        }
        for name in ["vm_size", "vm_priority", "subnet_name"] {
            assert_eq!(
                cluster.attribute(name).unwrap().update,
                Update::Replace,
                "{name}"
            );
        }
        assert_eq!(cluster.replacement(false), Replacement::DeleteThenCreate);
    }

    #[test]
    fn attached_kinds_replace_by_detach_then_attach() {
        for kind in COMPUTE_KINDS
            .iter()
            .filter(|k| k.family == Family::Attached)
        {
            assert_eq!(kind.replacement(true), Replacement::DetachThenAttach);
            assert!(
                kind.attributes.iter().all(|a| a.update == Update::Replace),
                "{}: every change to an attached compute is detach + attach",
                kind.block_name
            );
        }
    }

    #[test]
    fn secrets_are_marked_sensitive() {
        for (kind, attribute) in [
            ("remote_compute", "password"),
            ("remote_compute", "private_key_passphrase"),
            ("hdinsight_compute", "password"),
            ("databricks_compute", "access_token"),
            ("aml_compute", "admin_user_password"),
        ] {
            assert!(
                compute_kind(kind)
                    .unwrap()
                    .attribute(attribute)
                    .unwrap()
                    .sensitive
            );
        }
        assert!(
            !compute_kind("remote_compute")
                .unwrap()
                .attribute("username")
                .unwrap()
                .sensitive
        );
    }
}
