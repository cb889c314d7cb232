use crate::{COMPUTE_KINDS, META_ARGUMENTS};
use std::sync::OnceLock;

/// One kind of compute target and everything the engine must know about its attributes.
#[derive(Debug)]
pub struct ComputeKind {
    /// The configuration block, e.g. `aml_compute`.
    pub block_name: &'static str,
    /// The SDK class the source documents use, e.g. `AmlCompute`.
    pub sdk_class: &'static str,
    /// The REST `computeType` discriminator (`ComputeType` of the API description).
    pub rest_compute_type: &'static str,
    pub family: Family,
    /// One line for `show` and the docs.
    pub summary: &'static str,
    /// Capability notes from the documents (GPU, pipelines only, ...).
    pub capabilities: &'static str,
    pub attributes: &'static [Attribute],
    /// Attributes of which exactly one must be set (e.g. `resource_id` or `address`).
    pub one_of: &'static [&'static str],
    /// Values the service computes; known only after apply unless the configuration gives them.
    pub computed: &'static [&'static str],
}

impl ComputeKind {
    pub fn attribute(&self, name: &str) -> Option<&'static Attribute> {
        self.attributes
            .iter()
            .find(|attribute| attribute.name == name)
    }

    /// The positions of every attribute (`0..attributes.len()`) and then every computed value
    /// (`attributes.len()..`), listed in name order: values worked out in schema order are put
    /// in name order without comparing names for every instance.
    pub fn name_order(&self) -> &'static [usize] {
        static ORDERS: OnceLock<Vec<Vec<usize>>> = OnceLock::new();
        self.once_per_kind::<Vec<usize>>(&ORDERS, |kind| {
            let names: Vec<&str> = (kind.attributes.iter().map(|a| a.name))
                .chain(kind.computed.iter().copied())
                .collect();
            let mut order: Vec<usize> = (0..names.len()).collect();
            order.sort_by_key(|&position| names[position]);
            order
        })
    }

    /// Every name a block of this kind may set as an attribute: its attributes, and the
    /// meta-arguments other than the `lifecycle` block.
    pub fn settable_names(&self) -> &'static [&'static str] {
        static NAMES: OnceLock<Vec<Vec<&'static str>>> = OnceLock::new();
        self.once_per_kind::<Vec<&'static str>>(&NAMES, |kind| {
            (kind.attributes.iter().map(|a| a.name))
                .chain(META_ARGUMENTS.iter().copied().filter(|m| *m != "lifecycle"))
                .collect()
        })
    }

    /// This kind's entry of `cache`, which `work` fills once for every kind: thousands of
    /// blocks and instances share what a kind's schema alone decides.
    fn once_per_kind<T>(
        &self,
        cache: &'static OnceLock<Vec<T>>,
        work: impl Fn(&ComputeKind) -> T,
    ) -> &'static T {
        let all = cache.get_or_init(|| COMPUTE_KINDS.iter().map(work).collect());
        let index = COMPUTE_KINDS
            .iter()
            .position(|kind| kind.block_name == self.block_name)
            .expect("every kind is in COMPUTE_KINDS");
        &all[index]
    }

    /// Whether a compute of this kind with these settings is attached rather than created.
    /// `has_resource_id` says whether the configuration gives a `resource_id`.
    pub fn is_attached(&self, has_resource_id: bool) -> bool {
        match self.family {
            Family::Managed => false,
            Family::Attached => true,
            Family::CreateOrAttach => has_resource_id,
        }
    }

    /// How a change to an attribute marked [`Update::Replace`] is carried out.
    pub fn replacement(&self, attached: bool) -> Replacement {
        if attached {
            Replacement::DetachThenAttach
        } else {
            Replacement::DeleteThenCreate
        }
    }
}

/// Who owns the underlying resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Created by the workspace and deleted with it (compute cluster, compute instance).
    Managed,
    /// Created outside Azure ML and attached by reference; removal detaches, never deletes.
    Attached,
    /// Created by the workspace, or attached when a `resource_id` is given (AKS).
    CreateOrAttach,
}

/// In which mode of a [`Family::CreateOrAttach`] kind an attribute may be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Both,
    CreateOnly,
    AttachOnly,
}

/// What a changed value means for the live compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// The service updates the live compute (e.g. a cluster's scale settings).
    InPlace,
    /// The compute must be replaced: delete + create, or for attached computes detach + attach.
    Replace,
}

/// How a replacement is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacement {
    DeleteThenCreate,
    DetachThenAttach,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    /// A whole number; `min` is the smallest allowed value.
    Integer {
        min: i64,
    },
    Bool,
    /// A string restricted to these values (compared case-insensitively, stored as written here).
    Enum(&'static [&'static str]),
    StringList,
    StringMap,
    /// A compute instance's start and stop schedules: a list of objects (`action`, `cron` or
    /// `recurrence`, `time_zone`, `enabled`), checked by the language.
    Schedules,
    /// A Kubernetes compute's instance types: by name, `node_selector`, `requests` and
    /// `limits` as maps of strings, checked by the language.
    InstanceTypes,
}

impl AttrType {
    /// How the type reads in a diagnostic.
    pub fn describe(&self) -> String {
        match self {
            AttrType::String => "string".into(),
            AttrType::Integer { .. } => "whole number".into(),
            AttrType::Bool => "bool".into(),
            AttrType::Enum(values) => format!("one of {}", quoted_list(values)),
            AttrType::StringList => "list of strings".into(),
            AttrType::StringMap => "map of strings".into(),
            AttrType::Schedules => "list of schedules".into(),
            AttrType::InstanceTypes => "map of instance types".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    String(&'static str),
    Integer(i64),
    Bool(bool),
}

/// One attribute of a compute block.
#[derive(Debug)]
pub struct Attribute {
    pub name: &'static str,
    pub ty: AttrType,
    pub required: bool,
    pub default: Option<DefaultValue>,
    pub update: Update,
    /// A secret: never printed, never stored; only a keyed fingerprint is kept.
    pub sensitive: bool,
    /// The value is a path whose file is read at apply time (its content may be a secret).
    pub is_file_path: bool,
    /// Only the configuration ever sets it (a description, tags): removing it from the
    /// configuration clears it. Every other setting the configuration does not write is the
    /// service's to choose (Terraform's optional + computed) and is never compared.
    pub user_owned: bool,
    pub mode: Mode,
    /// The SDK parameter name in the seeds, where it differs or is worth naming.
    pub sdk_name: &'static str,
    /// Where the value goes in the REST body (dotted path under the compute resource).
    pub rest_path: &'static str,
    pub description: &'static str,
}

impl Attribute {
    pub(crate) const fn new(name: &'static str, ty: AttrType) -> Attribute {
        Attribute {
            name,
            ty,
            required: false,
            default: None,
            update: Update::Replace,
            sensitive: false,
            is_file_path: false,
            user_owned: false,
            mode: Mode::Both,
            sdk_name: name,
            rest_path: "",
            description: "",
        }
    }
    pub(crate) const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub(crate) const fn default(mut self, value: DefaultValue) -> Self {
        self.default = Some(value);
        self
    }
    pub(crate) const fn in_place(mut self) -> Self {
        self.update = Update::InPlace;
        self
    }
    pub(crate) const fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub(crate) const fn user_owned(mut self) -> Self {
        self.user_owned = true;
        self
    }
    pub(crate) const fn file_path(mut self) -> Self {
        self.is_file_path = true;
        self
    }
    pub(crate) const fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
    pub(crate) const fn sdk(mut self, sdk_name: &'static str) -> Self {
        self.sdk_name = sdk_name;
        self
    }
    pub(crate) const fn rest(mut self, rest_path: &'static str) -> Self {
        self.rest_path = rest_path;
        self
    }
    pub(crate) const fn doc(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }
}

fn quoted_list(values: &[&str]) -> String {
    values
        .iter()
        .map(|value| format!("`{value}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
