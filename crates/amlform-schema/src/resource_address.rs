//! Resource addresses as text, Terraform's way: `aml_compute.cpu`, `aml_compute.pool["a"]`,
//! `aml_compute.gpu[0]`, and inside modules `module.team["vision"].aml_compute.cpu[0]`
//! (modules nest). Every crate splits an address through these, so a key holding a `.` or a
//! module path never confuses a kind, a label or a block.

/// Where the resource part starts: after every `module.NAME.` or `module.NAME[KEY].`.
pub fn resource_start(address: &str) -> usize {
    let bytes = address.as_bytes();
    let mut start = 0;
    while address[start..].starts_with("module.") {
        let mut at = start + "module.".len();
        while at < bytes.len() && bytes[at] != b'.' && bytes[at] != b'[' {
            at += 1;
        }
        if at < bytes.len() && bytes[at] == b'[' {
            at = key_end(address, at);
        }
        if at < bytes.len() && bytes[at] == b'.' {
            start = at + 1;
        } else {
            break; // `module.team` alone: no resource part
        }
    }
    start
}

/// The end (past `]`) of the key that opens at `open` (a `[`), quotes and escapes respected.
fn key_end(address: &str, open: usize) -> usize {
    let bytes = address.as_bytes();
    let mut at = open + 1;
    if bytes.get(at) == Some(&b'"') {
        at += 1;
        while at < bytes.len() && bytes[at] != b'"' {
            at += if bytes[at] == b'\\' { 2 } else { 1 };
        }
        at += 1;
    }
    while at < bytes.len() && bytes[at] != b']' {
        at += 1;
    }
    (at + 1).min(bytes.len())
}

/// The module path of an address (`module.team["vision"]`), empty in the root module.
pub fn module_of(address: &str) -> &str {
    address[..resource_start(address)].trim_end_matches('.')
}

/// The block an address belongs to, its module path kept: `module.m.aml_compute.pool` for
/// `module.m.aml_compute.pool["a"]`.
pub fn block_of(address: &str) -> &str {
    let start = resource_start(address);
    match address[start..].find('[') {
        Some(key) => &address[..start + key],
        None => address,
    }
}

/// Whether `address` is a module path alone (`module.team`, `module.team["a"].module.x[0]`).
pub fn is_module_path(address: &str) -> bool {
    address.starts_with("module.") && resource_start(&format!("{address}.x")) == address.len() + 1
}

/// Whether `address` is `filter` or lies under it: an instance of the block it names
/// (`aml_compute.pool["a"]` under `aml_compute.pool`), or anything in the module it names
/// (`module.team["a"].aml_compute.cpu` under `module.team` and `module.team["a"]`).
pub fn is_under(address: &str, filter: &str) -> bool {
    address
        .strip_prefix(filter)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['[', '.']))
}

/// The kind, label and instance key text (`"a"`, `0`) of an address's resource part.
pub fn resource_parts(address: &str) -> (&str, &str, Option<&str>) {
    let resource = &address[resource_start(address)..];
    let (kind, label) = resource.split_once('.').unwrap_or(("", resource));
    match label.split_once('[') {
        Some((label, key)) => (kind, label, Some(key.strip_suffix(']').unwrap_or(key))),
        None => (kind, label, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_at_their_module_path_and_key() {
        let nested = "module.team[\"a.b]\"].module.inner[0].aml_compute.pool[\"x.y\"]";
        assert_eq!(module_of(nested), "module.team[\"a.b]\"].module.inner[0]");
        assert_eq!(
            block_of(nested),
            "module.team[\"a.b]\"].module.inner[0].aml_compute.pool"
        );
        assert_eq!(
            resource_parts(nested),
            ("aml_compute", "pool", Some("\"x.y\""))
        );
        assert_eq!(module_of("aml_compute.cpu"), "");
        assert_eq!(block_of("aml_compute.gpu[3]"), "aml_compute.gpu");
        assert_eq!(block_of("aml_compute.cpu"), "aml_compute.cpu");
        assert_eq!(
            resource_parts("compute_instance.nb"),
            ("compute_instance", "nb", None)
        );
        assert_eq!(block_of("module.m.aml_compute.c"), "module.m.aml_compute.c");
        assert_eq!(module_of("module.m"), "");
        assert!(is_under("module.t[\"a\"].aml_compute.c", "module.t"));
        assert!(is_under("module.t[\"a\"].aml_compute.c", "module.t[\"a\"]"));
        assert!(is_under("aml_compute.pool[0]", "aml_compute.pool"));
        assert!(is_module_path("module.t[\"a\"].module.x[0]") && is_module_path("module.t"));
        assert!(!is_module_path("module.t.aml_compute.c") && !is_module_path("aml_compute.c"));
        assert!(!is_under("aml_compute.pool2", "aml_compute.pool"));
    }
}
