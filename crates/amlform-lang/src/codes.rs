//! Every diagnostic code, in one place so they stay unique and documented.
//! `AML0xx` are language errors; `AML1xx` are the domain rules of `DOMAIN.md`.

/// The file does not parse.
pub const SYNTAX: &str = "AML001";
/// A block type that does not exist.
pub const UNKNOWN_BLOCK: &str = "AML002";
/// An attribute the block does not take.
pub const UNKNOWN_ATTRIBUTE: &str = "AML003";
/// A required attribute is missing.
pub const MISSING_ATTRIBUTE: &str = "AML004";
/// A value of the wrong type.
pub const WRONG_TYPE: &str = "AML005";
/// Two blocks with the same type and label, or one setting given twice.
pub const DUPLICATE: &str = "AML006";
/// A block with the wrong number of labels.
pub const BLOCK_LABELS: &str = "AML007";
/// A reference to something that is not declared.
pub const UNDEFINED_REFERENCE: &str = "AML008";
/// References that form a cycle.
pub const CYCLE: &str = "AML009";
/// A call to a function that does not exist.
pub const UNKNOWN_FUNCTION: &str = "AML010";
/// A function called with arguments it cannot take.
pub const FUNCTION_CALL: &str = "AML011";
/// An operator or traversal applied to values it cannot take.
pub const INVALID_OPERATION: &str = "AML012";
/// A compute kind that cannot be managed (ACI, local, DSVM create, Batch AI).
pub const UNSUPPORTED_KIND: &str = "AML013";
/// A reference where only a static address is allowed is something else.
pub const INVALID_REFERENCE: &str = "AML014";
/// `for_each` over something that is not a map or a set of strings.
pub const FOR_EACH: &str = "AML015";
/// `count` that is not a non-negative whole number.
pub const COUNT: &str = "AML016";
/// `count` and `for_each` on one block.
pub const COUNT_AND_FOR_EACH: &str = "AML017";
/// A variable without a default and no value given.
pub const MISSING_VARIABLE: &str = "AML018";
/// A variable's `validation` condition is false.
pub const VARIABLE_VALIDATION: &str = "AML019";
/// A variable value that does not fit the variable's type.
pub const VARIABLE_VALUE: &str = "AML020";
/// No workspace, or an ambiguous or unknown one.
pub const WORKSPACE: &str = "AML021";
/// An output shows a sensitive value without `sensitive = true`.
pub const SENSITIVE_OUTPUT: &str = "AML022";
/// A value given for an undeclared variable.
pub const UNDECLARED_VARIABLE: &str = "AML023";
/// A value not allowed for an enumerated attribute.
pub const NOT_ALLOWED: &str = "AML024";
/// A value used where it is known only after apply, but must be known now.
pub const UNKNOWN_VALUE: &str = "AML025";
/// A file the configuration names (a file attribute, `file()`) cannot be read.
pub const FILE: &str = "AML026";
/// A `backend` block that cannot be used: an unknown type, a missing setting, a value that
/// is not a literal, a second backend.
pub const BACKEND: &str = "AML027";

/// A plan that cannot be carried out: the service refuses what it asks (a VM size, a name
/// taken), a lifecycle rule forbids it (`prevent_destroy`), or the state and the
/// configuration disagree.
pub const PLAN: &str = "AML201";

/// Rule 1: compute name length and pattern.
pub const NAME: &str = "AML101";
/// Rule 1: two computes with one name in a workspace, or two instances with one name in a region.
pub const DUPLICATE_NAME: &str = "AML102";
/// Rule 2: one underlying resource attached twice.
pub const DOUBLE_ATTACH: &str = "AML103";
/// Rule 5: node counts.
pub const NODE_COUNTS: &str = "AML105";
/// Rule 7: identity type and ids.
pub const IDENTITY: &str = "AML107";
/// Rule 8: malformed resource id.
pub const RESOURCE_ID: &str = "AML108";
/// Rule 9: password and private key together, or no credential.
pub const CREDENTIALS: &str = "AML109";
/// Rule 9: a secret from a non-sensitive variable or written in plain text.
pub const PLAIN_SECRET: &str = "AML110";
/// Exactly one of a set of attributes (`resource_id` or `address`).
pub const ONE_OF: &str = "AML111";
/// An attribute of AKS's create mode in attach mode, or the reverse.
pub const MODE: &str = "AML112";
/// AKS TLS settings that do not make one `SslConfiguration`.
pub const TLS: &str = "AML113";
/// Cluster or compute instance settings that do not go together, or are out of the
/// service's range.
pub const NODE_SETTINGS: &str = "AML114";
