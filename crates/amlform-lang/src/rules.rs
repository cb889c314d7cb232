//! The static domain rules of `DOMAIN.md` that need no service: checked on the evaluated
//! configuration, each reported at the attribute that breaks it.

use crate::codes;
use crate::config::{Config, Expr};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::evaluated_config::{ComputeInstance, EvaluatedConfig};
use crate::references::references;
use crate::value::Value;
use amlform_schema::{NameRule, check_compute_name};
use foldhash::{HashMap, HashMapExt};
use hcl_edit::expr::Expression;
use std::borrow::Cow;
use std::collections::BTreeMap;

pub(crate) fn check(evaluated: &EvaluatedConfig, diagnostics: &mut Diagnostics) {
    for compute in evaluated.computes.values() {
        name(compute, diagnostics);
        one_of(compute, diagnostics);
        node_counts(compute, diagnostics);
        identity(compute, diagnostics);
        resource_id(compute, diagnostics);
        credentials(compute, diagnostics);
        cluster_credentials(compute, diagnostics);
        tls(compute, diagnostics);
        node_settings(compute, diagnostics);
    }
    duplicate_names(evaluated, diagnostics);
    double_attachments(evaluated, diagnostics);
    moves_and_removals(evaluated, diagnostics);
}

/// A `moved` block's `to` is declared and its `from` is not (Terraform 1.1); a `removed`
/// block's `from` is not declared (Terraform 1.7).
fn moves_and_removals(evaluated: &EvaluatedConfig, diagnostics: &mut Diagnostics) {
    // A block or a module (or a module instance) is declared when something lies under it.
    let declares = |address: &str| {
        (evaluated.computes.keys()).any(|declared| amlform_schema::is_under(declared, address))
    };
    for moved in &evaluated.moves {
        let declared = declares(&moved.to);
        if !declared {
            diagnostics.push(
                Diagnostic::error(
                    codes::UNDEFINED_REFERENCE,
                    format!(
                        "a `moved` block moves to `{}`, which the configuration does not declare",
                        moved.to
                    ),
                )
                .at(moved.to_span.clone())
                .hint("`to` names the block (or instance) as it is now declared"),
            );
        }
        if evaluated.computes.contains_key(&moved.from) {
            diagnostics.push(
                Diagnostic::error(
                    codes::DUPLICATE,
                    format!(
                        "a `moved` block moves `{}`, which the configuration still declares",
                        moved.from
                    ),
                )
                .at(moved.from_span.clone())
                .hint("rename the block to the `to` address, or remove the `moved` block"),
            );
        }
    }
    for removed in &evaluated.removals {
        if (evaluated.computes.keys()).any(|address| removed.covers(address)) {
            diagnostics.push(
                Diagnostic::error(
                    codes::DUPLICATE,
                    format!(
                        "a `removed` block removes `{}`, which the configuration still declares",
                        removed.from
                    ),
                )
                .at(removed.from_span.clone())
                .hint("delete the block it names, or the `removed` block"),
            );
        }
    }
}

/// Rule 1: the kind's name rule ([`NameRule`]), said with its source.
fn name(compute: &ComputeInstance, diagnostics: &mut Diagnostics) {
    let Some(name) = compute.str("name") else {
        return;
    };
    let rule = NameRule::of(compute.kind.block_name);
    if let Err(problem) = check_compute_name(name, &rule) {
        let hint = if compute.is_set("name") {
            format!("choose a name of {}", rule.describe())
        } else {
            "the name defaults to the block label; set `name = \"...\"` to a valid compute name"
                .to_owned()
        };
        diagnostics.push(
            Diagnostic::error(codes::NAME, problem.message(name, &rule))
                .at(compute.span_of("name"))
                .hint(hint),
        );
    }
}

/// Rule 1: one name per workspace; compute instance names once per region.
fn duplicate_names(evaluated: &EvaluatedConfig, diagnostics: &mut Diagnostics) {
    let mut by_workspace: HashMap<(&str, Cow<str>), &ComputeInstance> = HashMap::new();
    let mut instances_by_region: BTreeMap<(String, String), &ComputeInstance> = BTreeMap::new();
    for compute in evaluated.computes.values() {
        let Some(name) = compute.str("name") else {
            continue;
        };
        let key = (compute.workspace.as_str(), lowercase(name));
        if let Some(first) = by_workspace.get(&key) {
            diagnostics.push(
                Diagnostic::error(
                    codes::DUPLICATE_NAME,
                    format!(
                        "`{}` and `{}` are both named \"{name}\" in workspace \"{}\"",
                        first.address, compute.address, compute.workspace
                    ),
                )
                .at(compute.span_of("name"))
                .label("second use of the name")
                .hint(
                    "compute names are unique within a workspace (case-insensitively); rename one",
                ),
            );
            continue;
        }
        by_workspace.insert(key, compute);
        if compute.kind.block_name != "compute_instance" {
            continue;
        }
        let Some(location) = evaluated
            .workspaces
            .get(&compute.workspace)
            .and_then(|w| w.attribute("location"))
        else {
            continue;
        };
        let region_key = (location.to_lowercase(), name.to_lowercase());
        if let Some(first) = instances_by_region.get(&region_key) {
            diagnostics.push(
                Diagnostic::error(codes::DUPLICATE_NAME, format!("compute instances `{}` and `{}` are both named \"{name}\" in region {location}", first.address, compute.address))
                    .at(compute.span_of("name"))
                    .label("second use of the name in this region")
                    .hint("compute instance names are unique across the Azure region, not only the workspace; rename one"),
            );
        } else {
            instances_by_region.insert(region_key, compute);
        }
    }
}

/// Lower-cased, allocating only when there is something to lower.
fn lowercase(name: &str) -> Cow<'_, str> {
    if name.is_ascii() && !name.bytes().any(|byte| byte.is_ascii_uppercase()) {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(name.to_lowercase())
    }
}

/// Rule 2: the same underlying resource attached twice breaks the earlier attachment.
fn double_attachments(evaluated: &EvaluatedConfig, diagnostics: &mut Diagnostics) {
    let mut seen: BTreeMap<(String, String), &ComputeInstance> = BTreeMap::new();
    for compute in evaluated.computes.values().filter(|c| c.attached) {
        let Some((resource, attribute)) = underlying_resource(compute) else {
            continue;
        };
        let key = (compute.workspace.clone(), resource);
        match seen.get(&key) {
            Some(first) => diagnostics.push(
                Diagnostic::error(codes::DOUBLE_ATTACH, format!("`{}` attaches the same resource as `{}`", compute.address, first.address))
                    .at(compute.span_of(attribute))
                    .label("already attached")
                    .hint("each new attachment breaks the earlier one: attach a resource once and refer to that compute"),
            ),
            None => {
                seen.insert(key, compute);
            }
        }
    }
}

/// A normalised identity of what an attached compute points at, and the attribute naming it.
fn underlying_resource(compute: &ComputeInstance) -> Option<(String, &'static str)> {
    let lower = |name: &str| {
        compute
            .str(name)
            .map(|s| s.trim_end_matches('/').to_lowercase())
    };
    match compute.kind.block_name {
        "adla_compute" => Some((
            format!(
                "{}/{}/{}",
                compute.kind.block_name,
                lower("resource_group")?,
                lower("account_name")?
            ),
            "account_name",
        )),
        "databricks_compute" => Some((
            format!(
                "databricks/{}/{}",
                lower("resource_group")?,
                lower("workspace_name")?
            ),
            "workspace_name",
        )),
        _ => match lower("resource_id") {
            Some(id) => Some((id, "resource_id")),
            None => Some((format!("address/{}", lower("address")?), "address")),
        },
    }
}

/// Exactly one of `resource_id` / `address`.
fn one_of(compute: &ComputeInstance, diagnostics: &mut Diagnostics) {
    let names = compute.kind.one_of;
    if names.is_empty() {
        return;
    }
    let set: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| compute.is_set(n))
        .collect();
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" or ");
    match set.as_slice() {
        [_] => {}
        [] => diagnostics.push(
            Diagnostic::error(codes::ONE_OF, format!("`{}` needs {list}", compute.address))
                .at(compute.label_span.clone())
                .hint(format!(
                    "add `{} = \"/subscriptions/<sub>/resourceGroups/<rg>/providers/...\"`",
                    names[0]
                )),
        ),
        [_, second, ..] => diagnostics.push(
            Diagnostic::error(
                codes::ONE_OF,
                format!("`{}` sets both {list}", compute.address),
            )
            .at(compute.span_of(second))
            .hint(format!("keep one; `{}` is preferred", names[0])),
        ),
    }
}

/// Rule 5: `min_nodes <= max_nodes` (each bound is checked with the attribute's type).
fn node_counts(compute: &ComputeInstance, diagnostics: &mut Diagnostics) {
    if let (Some(min), Some(max)) = (
        compute.value("min_nodes").as_integer(),
        compute.value("max_nodes").as_integer(),
    ) && min > max
    {
        diagnostics.push(
                Diagnostic::error(codes::NODE_COUNTS, format!("`min_nodes` ({min}) is greater than `max_nodes` ({max})"))
                    .at(compute.span_of("min_nodes"))
                    .hint("lower `min_nodes` or raise `max_nodes`; `min_nodes` nodes stay on (and billed) when idle"),
            );
    }
}

const IDENTITY_SHAPE: &str = "/subscriptions/<sub>/resourcegroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>";

/// Rule 7: `UserAssigned` takes identity ids of the right shape; `SystemAssigned` takes none.
fn identity(compute: &ComputeInstance, diagnostics: &mut Diagnostics) {
    let ids = compute
        .value("identity_id")
        .as_sequence()
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    match compute.str("identity_type") {
        Some(kind @ ("UserAssigned" | "SystemAssigned,UserAssigned")) => {
            if ids.is_empty() && compute.value("identity_id") != &Value::Unknown {
                diagnostics.push(
                    Diagnostic::error(
                        codes::IDENTITY,
                        format!("`{kind}` needs at least one identity in `identity_id`"),
                    )
                    .at(compute.span_of("identity_type"))
                    .hint(format!("add `identity_id = [\"{IDENTITY_SHAPE}\"]`")),
                );
            }
            for id in ids.iter().filter_map(Value::as_str) {
                if !arm_id_matches(id, "Microsoft.ManagedIdentity", "userAssignedIdentities") {
                    diagnostics.push(
                        Diagnostic::error(
                            codes::IDENTITY,
                            format!("\"{id}\" is not a user-assigned identity id"),
                        )
                        .at(compute.span_of("identity_id"))
                        .hint(format!("ids look like {IDENTITY_SHAPE}")),
                    );
                }
            }
        }
        Some("SystemAssigned") if !ids.is_empty() => diagnostics.push(
            Diagnostic::error(codes::IDENTITY, "`SystemAssigned` takes no identity ids")
                .at(compute.span_of("identity_id"))
                .hint("remove `identity_id`, or use `identity_type = \"UserAssigned\"`"),
        ),
        None if !ids.is_empty() => diagnostics.push(
            Diagnostic::error(
                codes::IDENTITY,
                "`identity_id` is set without `identity_type`",
            )
            .at(compute.span_of("identity_id"))
            .hint("add `identity_type = \"UserAssigned\"`"),
        ),
        _ => {}
    }
}

/// Rule 8: resource ids of attached computes have fixed shapes.
fn resource_id(compute: &ComputeInstance, diagnostics: &mut Diagnostics) {
    let Some(id) = compute.str("resource_id") else {
        return;
    };
    // The resource types each kind attaches (`ComputeType`'s documentation in the API
    // description); a Synapse Spark pool is a child of its workspace.
    let accepted: &[(&str, &str)] = match compute.kind.block_name {
        "remote_compute" => &[("Microsoft.Compute", "virtualMachines")],
        "hdinsight_compute" => &[("Microsoft.HDInsight", "clusters")],
        "aks_compute" => &[("Microsoft.ContainerService", "managedClusters")],
        "kubernetes_compute" => &[
            ("Microsoft.ContainerService", "managedClusters"),
            ("Microsoft.Kubernetes", "connectedClusters"),
        ],
        "data_factory_compute" => &[("Microsoft.DataFactory", "factories")],
        "synapse_spark_compute" => {
            if !is_spark_pool_id(id) {
                diagnostics.push(
                    Diagnostic::error(codes::RESOURCE_ID, format!("\"{id}\" is not a Synapse Spark pool's resource id"))
                        .at(compute.span_of("resource_id"))
                        .hint("write /subscriptions/<subscription_id>/resourceGroups/<resource_group>/providers/Microsoft.Synapse/workspaces/<workspace>/bigDataPools/<pool>"),
                );
            }
            return;
        }
        _ => return,
    };
    if !accepted
        .iter()
        .any(|(provider, kind)| arm_id_matches(id, provider, kind))
    {
        let (provider, kind) = accepted[0];
        let what = (accepted.iter())
            .map(|(provider, kind)| format!("{provider}/{kind}"))
            .collect::<Vec<_>>()
            .join(" or ");
        diagnostics.push(
            Diagnostic::error(codes::RESOURCE_ID, format!("\"{id}\" is not a {what} resource id"))
                .at(compute.span_of("resource_id"))
                .hint(format!("write /subscriptions/<subscription_id>/resourceGroups/<resource_group>/providers/{provider}/{kind}/<name>")),
        );
    }
}

/// `.../providers/Microsoft.Synapse/workspaces/<workspace>/bigDataPools/<pool>`.
fn is_spark_pool_id(id: &str) -> bool {
    let Some((workspace, pool)) = id.rsplit_once("/bigDataPools/").or_else(|| {
        let lower = id.to_ascii_lowercase();
        let at = lower.rfind("/bigdatapools/")?;
        Some((&id[..at], &id[at + "/bigDataPools/".len()..]))
    }) else {
        return false;
    };
    !pool.is_empty()
        && !pool.contains('/')
        && arm_id_matches(workspace, "Microsoft.Synapse", "workspaces")
}

/// `/subscriptions/<s>/resourceGroups/<rg>/providers/<provider>/<kind>/<name>`, case-insensitive.
fn arm_id_matches(id: &str, provider: &str, kind: &str) -> bool {
    let parts: Vec<&str> = id.split('/').collect();
    matches!(
        parts.as_slice(),
        ["", subscriptions, sub, groups, rg, providers, p, k, name]
            if subscriptions.eq_ignore_ascii_case("subscriptions")
                && groups.eq_ignore_ascii_case("resourcegroups")
                && providers.eq_ignore_ascii_case("providers")
                && p.eq_ignore_ascii_case(provider)
                && k.eq_ignore_ascii_case(kind)
                && [sub, rg, name].iter().all(|s| !s.is_empty())
    )
}

/// Rule 9: a password or an SSH key, not both, and a passphrase only with a key.
fn credentials(compute: &ComputeInstance, diagnostics: &mut Diagnostics) {
    if !matches!(
        compute.kind.block_name,
        "remote_compute" | "hdinsight_compute"
    ) {
        return;
    }
    let password = compute.is_set("password");
    let key = compute.is_set("private_key_file");
    if password && key {
        diagnostics.push(
            Diagnostic::error(
                codes::CREDENTIALS,
                "`password` and `private_key_file` are both set",
            )
            .at(compute.span_of("password"))
            .hint("use one credential; an SSH key is recommended over a password"),
        );
    } else if !password && !key {
        diagnostics.push(
            Diagnostic::error(codes::CREDENTIALS, format!("`{}` has no credential", compute.address))
                .at(compute.label_span.clone())
                .hint("add `private_key_file = \"~/.ssh/id_rsa\"` (recommended) or `password = var.<sensitive variable>`"),
        );
    }
    if compute.is_set("private_key_passphrase") && !key {
        diagnostics.push(
            Diagnostic::error(
                codes::CREDENTIALS,
                "`private_key_passphrase` is set without `private_key_file`",
            )
            .at(compute.span_of("private_key_passphrase"))
            .hint("add `private_key_file`, or remove the passphrase"),
        );
    }
}

/// A cluster's `UserAccountCredentials` require `adminUserName`: a password or key without
/// one is a request the service refuses.
fn cluster_credentials(compute: &ComputeInstance, diagnostics: &mut Diagnostics) {
    if compute.kind.block_name != "aml_compute" || has_value(compute, "admin_username") {
        return;
    }
    for credential in ["admin_user_password", "admin_user_ssh_key"] {
        if has_value(compute, credential) {
            diagnostics.push(
                Diagnostic::error(
                    codes::CREDENTIALS,
                    format!("`{credential}` is set without `admin_username`"),
                )
                .at(compute.span_of(credential))
                .hint("add `admin_username = \"azureuser\"`: the API requires `UserAccountCredentials.adminUserName` with a password or key"),
            );
        }
    }
}

/// AKS TLS (`SslConfiguration`): `Enabled` needs a certificate, its key and the CNAME it is
/// for; `Auto` a leaf domain label (the service issues the certificate); `Disabled` neither.
fn tls(compute: &ComputeInstance, diagnostics: &mut Diagnostics) {
    if compute.kind.block_name != "aks_compute" {
        return;
    }
    let certificate = ["ssl_cname", "ssl_cert_pem_file", "ssl_key_pem_file"];
    let given: Vec<&str> = certificate
        .iter()
        .copied()
        .filter(|name| has_value(compute, name))
        .collect();
    let label = has_value(compute, "leaf_domain_label");
    let status = compute.str("ssl_status");
    let mut error = |at: &str, message: String, hint: &str| {
        diagnostics.push(
            Diagnostic::error(codes::TLS, message)
                .at(compute.span_of(at))
                .hint(hint.to_owned()),
        );
    };
    match status {
        Some("Disabled") if !given.is_empty() || label => error(
            "ssl_status",
            "`ssl_status = \"Disabled\"` with TLS settings".to_owned(),
            "remove the TLS settings, or set `ssl_status` to `Enabled` (certificate) or `Auto` (leaf domain label)",
        ),
        Some("Auto") if !label => error(
            "ssl_status",
            "`ssl_status = \"Auto\"` needs `leaf_domain_label`".to_owned(),
            "add `leaf_domain_label`: the service issues a certificate for it",
        ),
        Some("Enabled") | None if !given.is_empty() && given.len() < certificate.len() => {
            let missing: Vec<&str> = (certificate.iter().copied())
                .filter(|name| !given.contains(name))
                .collect();
            error(
                given[0],
                format!(
                    "TLS with a certificate also needs {}",
                    missing.join(" and ")
                ),
                "give `ssl_cname`, `ssl_cert_pem_file` and `ssl_key_pem_file` together, or a `leaf_domain_label` instead",
            );
        }
        Some("Enabled") if given.is_empty() => error(
            "ssl_status",
            "`ssl_status = \"Enabled\"` needs a certificate".to_owned(),
            "add `ssl_cname`, `ssl_cert_pem_file` and `ssl_key_pem_file`, or use `Auto` with a `leaf_domain_label`",
        ),
        None if !given.is_empty() && label => error(
            "leaf_domain_label",
            "both a certificate and a leaf domain label are given".to_owned(),
            "choose one: your certificate (`ssl_status = \"Enabled\"`) or one the service issues for the label (`ssl_status = \"Auto\"`)",
        ),
        _ => {}
    }
}

/// The settings of clusters and compute instances that go together, as the API describes
/// them: a custom image is for Windows (`virtualMachineImage`), idle shutdown is 15 minutes to
/// 3 days (`IdleShutdownSetting`), an assigned user is an object id in a tenant
/// (`AssignedUser`), script arguments need their script, nodes without a public IP need a
/// subnet, and a cluster has at most 65,000 nodes.
fn node_settings(compute: &ComputeInstance, diagnostics: &mut Diagnostics) {
    let mut error = |at: &str, message: String, hint: &str| {
        diagnostics.push(
            Diagnostic::error(codes::NODE_SETTINGS, message)
                .at(compute.span_of(at))
                .hint(hint.to_owned()),
        );
    };
    let number = |name: &str| compute.value(name).as_integer();
    match compute.kind.block_name {
        "aml_compute" => {
            if has_value(compute, "vm_image_id") && compute.str("os_type") != Some("Windows") {
                error(
                    "vm_image_id",
                    "`vm_image_id` is set on a Linux cluster; a custom image is for Windows nodes"
                        .to_owned(),
                    "add `os_type = \"Windows\"`, or remove `vm_image_id`",
                );
            }
            if let Some(nodes) = number("max_nodes").filter(|nodes| *nodes > 65_000) {
                error(
                    "max_nodes",
                    format!(
                        "`max_nodes = {nodes}` is more than the 65,000 nodes a cluster can have"
                    ),
                    "split the work across clusters, or lower `max_nodes`",
                );
            }
        }
        "compute_instance" => {
            if let Some(minutes) =
                number("idle_minutes_before_shutdown").filter(|minutes| *minutes > 4320)
            {
                error(
                    "idle_minutes_before_shutdown",
                    format!(
                        "idle shutdown after {minutes} minutes is longer than the 3 days (4320 minutes) the service allows"
                    ),
                    "choose 15 to 4320 minutes",
                );
            }
            let object = has_value(compute, "assigned_user_object_id");
            let tenant = has_value(compute, "assigned_user_tenant_id");
            if object != tenant {
                let (given, missing) = if object {
                    ("assigned_user_object_id", "assigned_user_tenant_id")
                } else {
                    ("assigned_user_tenant_id", "assigned_user_object_id")
                };
                error(
                    given,
                    format!("`{given}` is set without `{missing}`"),
                    "an assigned user is an Entra object id and the tenant it is in: give both",
                );
            }
            for script in ["creation_script", "startup_script"] {
                let arguments = format!("{script}_arguments");
                if has_value(compute, &arguments) && !has_value(compute, script) {
                    error(
                        &arguments,
                        format!("`{arguments}` is set without `{script}`"),
                        "add the script's path in the workspace's file share, or remove the arguments",
                    );
                }
            }
        }
        _ => return,
    }
    if matches!(compute.value("enable_node_public_ip"), Value::Bool(false))
        && !has_value(compute, "subnet_name")
    {
        error(
            "enable_node_public_ip",
            "nodes without a public IP need a virtual network".to_owned(),
            "add `vnet_name` and `subnet_name` (the subnet must reach the workspace), or remove `enable_node_public_ip = false`",
        );
    }
}

/// Whether the attribute has a value (a `null` from a variable is none).
fn has_value(compute: &ComputeInstance, name: &str) -> bool {
    !matches!(compute.value(name), Value::Null)
}

/// Rule 9: a secret written in plain text, or fed by a variable not marked sensitive.
pub(crate) fn check_secret_source(
    config: &Config,
    attribute: &str,
    expr: &Expr,
    diagnostics: &mut Diagnostics,
) {
    let refs = references(expr);
    if refs.is_empty()
        && matches!(
            expr.expr,
            Expression::String(_) | Expression::StringTemplate(_) | Expression::HeredocTemplate(_)
        )
    {
        diagnostics.push(
            Diagnostic::warning(codes::PLAIN_SECRET, format!("`{attribute}` is written in plain text in the configuration"))
                .at(expr.span())
                .hint(format!("declare `variable \"{attribute}\" {{ sensitive = true }}` and write `{attribute} = var.{attribute}`")),
        );
        return;
    }
    for reference in refs {
        if let ("var", Some(name)) = (reference.root(), reference.name())
            && config.variable(name).is_some_and(|v| !v.sensitive)
        {
            diagnostics.push(
                Diagnostic::warning(
                    codes::PLAIN_SECRET,
                    format!(
                        "secret `{attribute}` comes from variable `{name}`, which is not sensitive"
                    ),
                )
                .at(reference.span.clone())
                .hint(format!(
                    "add `sensitive = true` to variable \"{name}\" so its value is never shown"
                )),
            );
        }
    }
}
