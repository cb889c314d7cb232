//! A compute request as the service reads it: the `ComputeResource` body checked against the
//! API description (types, enums, names, identities, TLS, tags), normalised with the service's
//! defaults, its secrets taken out, and compared with what exists.

use serde_json::{Map, Value, json};

use crate::arm_error::ArmError;
use crate::compute_types::{self, ComputeType, Family};
use crate::store::{Compute, Workspace};
use crate::vm_size_catalog::{self, VmSize};

/// A `ComputeResource` request body, checked and normalised.
#[derive(Debug)]
pub(crate) struct ComputeRequest {
    pub(crate) kind: &'static ComputeType,
    pub(crate) location: String,
    pub(crate) description: Option<String>,
    pub(crate) resource_id: Option<String>,
    pub(crate) is_attached: bool,
    pub(crate) properties: Option<Value>,
    pub(crate) settable: std::collections::BTreeMap<String, Value>,
    pub(crate) identity: Option<Value>,
    pub(crate) tags: Option<Value>,
    pub(crate) sku: Option<Value>,
    pub(crate) secrets: Option<Value>,
}

impl ComputeRequest {
    pub(crate) fn parse(body: &Value, workspace: &Workspace) -> Result<Self, ArmError> {
        let envelope = body.as_object().ok_or_else(|| {
            ArmError::invalid_content("The request body must be a JSON object (a ComputeResource).")
        })?;
        let outer = envelope
            .get("properties")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                ArmError::invalid_content(
                    "The request body needs a 'properties' object with a 'computeType'.",
                )
            })?;
        let type_name = outer
            .get("computeType")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ArmError::invalid_content(
                    "properties.computeType is required (for example 'AmlCompute').",
                )
            })?;
        let kind = compute_types::find(type_name)
            .map_err(|message| ArmError::bad_request("UnsupportedComputeType", message))?;

        let location = optional_string(envelope, "location", "location")?
            .unwrap_or_else(|| workspace.location.clone())
            .to_ascii_lowercase();
        // A region name: a few dozen letters and digits (`eastus`, `East US 2`).
        if location.len() > 64
            || !location
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ')
        {
            return Err(ArmError::bad_request(
                "LocationNotAvailableForResourceType",
                format!(
                    "The location '{}' is not an Azure region.",
                    location.chars().take(64).collect::<String>()
                ),
            ));
        }
        let description = optional_string(outer, "description", "properties.description")?;
        let resource_id = optional_string(outer, "resourceId", "properties.resourceId")?;
        let mut properties = match outer.get("properties") {
            None | Some(Value::Null) => None,
            Some(value @ Value::Object(_)) => Some(value.clone()),
            Some(_) => {
                return Err(ArmError::invalid_content(
                    "properties.properties must be an object.",
                ));
            }
        };
        let mut settable = std::collections::BTreeMap::new();
        for field in ["computeLocation", "disableLocalAuth"] {
            if let Some(value) = outer.get(field).filter(|value| !value.is_null()) {
                settable.insert(field.to_owned(), value.clone());
            }
        }
        settable
            .entry("disableLocalAuth".to_owned())
            .or_insert(json!(false));
        let address = properties
            .as_ref()
            .and_then(|value| value.get("address"))
            .and_then(Value::as_str);

        let is_attached = match kind.family {
            Family::Managed => {
                if let Some(resource_id) = &resource_id {
                    return Err(ArmError::bad_request(
                        "AttachNotSupported",
                        format!(
                            "A {} cannot be attached (resourceId '{resource_id}' was given); it is created by the workspace. Remove resourceId to create it.",
                            kind.name
                        ),
                    ));
                }
                false
            }
            Family::Attached => {
                if resource_id.is_none() && address.is_none() {
                    return Err(ArmError::bad_request(
                        "UnderlyingResourceRequired",
                        format!(
                            "A {} is attached, not created: properties.resourceId must name the resource to attach.",
                            kind.name
                        ),
                    ));
                }
                true
            }
            Family::CreateOrAttach => resource_id.is_some(),
        };
        if let Some(resource_id) = &resource_id {
            check_resource_id(kind, resource_id)?;
        }

        if let Some(properties) = &mut properties {
            check_property_types(kind, properties)?;
            normalise(kind, properties);
        } else if kind.name == "AmlCompute" || kind.name == "ComputeInstance" {
            let mut defaults = json!({});
            normalise(kind, &mut defaults);
            properties = Some(defaults);
        }
        let secrets = properties
            .as_mut()
            .and_then(|properties| take_secrets(kind, properties));

        let identity = match envelope.get("identity") {
            None | Some(Value::Null) => None,
            Some(identity) => Some(check_identity(identity)?),
        };
        let tags = match envelope.get("tags") {
            None | Some(Value::Null) => None,
            // `{}` clears the tags, as ARM reads no tags.
            Some(Value::Object(map)) if map.is_empty() => None,
            Some(tags @ Value::Object(map)) if map.values().all(Value::is_string) => {
                check_tags(map)?;
                Some(tags.clone())
            }
            Some(_) => {
                return Err(ArmError::invalid_content(
                    "tags must be an object of string values.",
                ));
            }
        };
        Ok(ComputeRequest {
            kind,
            location,
            description,
            resource_id,
            is_attached,
            properties,
            settable,
            identity,
            tags,
            sku: envelope.get("sku").filter(|sku| !sku.is_null()).cloned(),
            secrets,
        })
    }

    /// The settings (as paths) that differ from what `existing` has.
    pub(crate) fn changed_paths(&self, existing: &Compute) -> Vec<String> {
        let mut changed = Vec::new();
        if !self.location.eq_ignore_ascii_case(&existing.location) {
            changed.push("location".to_owned());
        }
        if self.description != existing.description {
            changed.push("properties.description".to_owned());
        }
        let same_id = match (&self.resource_id, &existing.resource_id) {
            (Some(new), Some(old)) => new.eq_ignore_ascii_case(old),
            // A created AKS cluster reports the id the service gave it.
            (None, Some(_)) => !existing.is_attached,
            (new, old) => new == old,
        };
        if !same_id {
            changed.push("properties.resourceId".to_owned());
        }
        for (field, value) in &self.settable {
            if existing.settable.get(field) != Some(value) {
                changed.push(format!("properties.{field}"));
            }
        }
        let empty = Value::Null;
        diff_values(
            "properties.properties",
            existing.properties.as_ref().unwrap_or(&empty),
            self.properties.as_ref().unwrap_or(&empty),
            &mut changed,
        );
        if identity_view(self.identity.as_ref()) != identity_view(existing.identity.as_ref()) {
            changed.push("identity".to_owned());
        }
        if self.tags != existing.tags {
            changed.push("tags".to_owned());
        }
        changed
    }
}

/// Paths (dotted) where two JSON values differ; `null` and absent are the same, and sizes
/// and resource ids compare without regard to case.
pub(crate) fn diff_values(path: &str, old: &Value, new: &Value, changed: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(old_map), Value::Object(new_map)) => {
            let mut keys: Vec<&String> = old_map.keys().chain(new_map.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let old_value = old_map.get(key).unwrap_or(&Value::Null);
                let new_value = new_map.get(key).unwrap_or(&Value::Null);
                diff_values(&format!("{path}.{key}"), old_value, new_value, changed);
            }
        }
        (Value::Object(map), Value::Null) | (Value::Null, Value::Object(map))
            if map.values().all(Value::is_null) => {}
        (Value::String(a), Value::String(b))
            if is_case_insensitive(path) && a.eq_ignore_ascii_case(b) => {}
        (old, new) if old == new => {}
        _ => changed.push(path.to_owned()),
    }
}

pub(crate) fn is_case_insensitive(path: &str) -> bool {
    [
        "vmSize",
        "agentVmSize",
        "virtualMachineSize",
        "id",
        "resourceId",
    ]
    .iter()
    .any(|field| path.ends_with(&format!(".{field}")))
}

pub(crate) fn is_in_place(kind: &ComputeType, attached: bool, path: &str) -> bool {
    if path == "tags" || path == "properties.description" {
        return true;
    }
    if attached {
        return false;
    }
    if path == "identity" {
        return kind.name == "AmlCompute";
    }
    kind.in_place_properties.iter().any(|prefix| {
        let dotted = format!("properties.properties{}", prefix.replace('/', "."));
        path == dotted || path.starts_with(&format!("{dotted}."))
    })
}

pub(crate) fn optional_string(
    object: &Map<String, Value>,
    field: &str,
    path: &str,
) -> Result<Option<String>, ArmError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ArmError::invalid_content(format!(
            "{path} must be a string."
        ))),
    }
}

/// Fields whose JSON type is fixed by the API description; a wrong type is a bad request.
pub(crate) fn check_property_types(kind: &ComputeType, properties: &Value) -> Result<(), ArmError> {
    let expect = |pointer: &str, ok: fn(&Value) -> bool, what: &str| -> Result<(), ArmError> {
        match properties.pointer(pointer) {
            Some(value) if !value.is_null() && !ok(value) => {
                Err(ArmError::invalid_content(format!(
                    "properties.properties{} must be {what}.",
                    pointer.replace('/', ".")
                )))
            }
            _ => Ok(()),
        }
    };
    match kind.name {
        "AmlCompute" => {
            expect("/vmSize", Value::is_string, "a string")?;
            expect("/vmPriority", Value::is_string, "a string")?;
            expect("/scaleSettings", Value::is_object, "an object")?;
            expect("/scaleSettings/maxNodeCount", Value::is_i64, "an integer")?;
            expect("/scaleSettings/minNodeCount", Value::is_i64, "an integer")?;
            expect(
                "/scaleSettings/nodeIdleTimeBeforeScaleDown",
                Value::is_string,
                "an ISO 8601 duration such as PT120S",
            )?;
            if let Some(Value::String(idle)) =
                properties.pointer("/scaleSettings/nodeIdleTimeBeforeScaleDown")
                && !is_iso_duration(idle)
            {
                return Err(ArmError::invalid_content(format!(
                    "nodeIdleTimeBeforeScaleDown '{idle}' is not an ISO 8601 duration such as PT120S."
                )));
            }
            expect("/isolatedNetwork", Value::is_boolean, "a boolean")?;
            expect("/enableNodePublicIp", Value::is_boolean, "a boolean")?;
            expect("/virtualMachineImage/id", Value::is_string, "a string")?;
            one_of(properties, "/osType", &["Linux", "Windows"])?;
            if let Some(Value::String(priority)) = properties.get("vmPriority")
                && !["Dedicated", "LowPriority"]
                    .iter()
                    .any(|known| known.eq_ignore_ascii_case(priority))
            {
                return Err(ArmError::invalid_content(format!(
                    "vmPriority '{priority}' is not valid; use 'Dedicated' or 'LowPriority'."
                )));
            }
        }
        "ComputeInstance" => {
            expect("/vmSize", Value::is_string, "a string")?;
            expect("/sshSettings", Value::is_object, "an object")?;
            expect("/enableNodePublicIp", Value::is_boolean, "a boolean")?;
            expect(
                "/idleTimeBeforeShutdown",
                Value::is_string,
                "an ISO 8601 duration",
            )?;
            one_of(
                properties,
                "/applicationSharingPolicy",
                &["Personal", "Shared"],
            )?;
            one_of(
                properties,
                "/computeInstanceAuthorizationType",
                &["personal"],
            )?;
        }
        "VirtualMachine" | "HDInsight" => {
            expect("/sshPort", Value::is_i64, "an integer")?;
            expect("/address", Value::is_string, "a string")?;
            expect("/administratorAccount", Value::is_object, "an object")?;
        }
        "AKS" => expect("/agentCount", Value::is_i64, "an integer")?,
        _ => {}
    }
    Ok(())
}

/// A string field restricted to the API description's enum values (without regard to case).
fn one_of(properties: &Value, pointer: &str, values: &[&str]) -> Result<(), ArmError> {
    match properties.pointer(pointer) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(text)) if values.iter().any(|v| v.eq_ignore_ascii_case(text)) => Ok(()),
        Some(other) => Err(ArmError::invalid_content(format!(
            "properties.properties{} {other} is not one of {}.",
            pointer.replace('/', "."),
            values.join(", ")
        ))),
    }
}

/// Seconds in an ISO 8601 duration of days, hours, minutes and seconds (`PT30M`, `P1DT2H`).
pub(crate) fn iso_duration_seconds(text: &str) -> Option<f64> {
    let rest = text.strip_prefix('P')?;
    let (days, time) = rest.split_once('T').unwrap_or((rest, ""));
    let mut total = 0.0;
    for (part, units) in [(days, "D"), (time, "HMS")] {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
                continue;
            }
            let scale = match (units.contains(c), c) {
                (true, 'D') => 86_400.0,
                (true, 'H') => 3600.0,
                (true, 'M') => 60.0,
                (true, 'S') => 1.0,
                _ => return None,
            };
            total += number.parse::<f64>().ok()? * scale;
            number.clear();
        }
        if !number.is_empty() {
            return None;
        }
    }
    Some(total)
}

pub(crate) fn is_iso_duration(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit()) && iso_duration_seconds(text).is_some()
}

/// ARM's tag limits: at most 50 tags, names of at most 512 characters, values of at most 256.
pub(crate) fn check_tags(tags: &Map<String, Value>) -> Result<(), ArmError> {
    let refuse = |message: String| Err(ArmError::bad_request("InvalidTag", message));
    if tags.len() > 50 {
        return refuse(format!(
            "{} tags were given; a resource has at most 50.",
            tags.len()
        ));
    }
    for (name, value) in tags {
        let value = value.as_str().unwrap_or_default();
        if name.is_empty() || name.chars().count() > 512 {
            return refuse(format!(
                "A tag name must be 1 to 512 characters; one has {}.",
                name.chars().count()
            ));
        }
        if value.chars().count() > 256 {
            return refuse(format!(
                "The value of tag '{}' has {} characters; a tag value has at most 256.",
                name.chars().take(64).collect::<String>(),
                value.chars().count()
            ));
        }
    }
    Ok(())
}

/// `SslConfiguration`: `status` is one of `SslConfigStatus`; `Enabled` needs the certificate,
/// its key and the CNAME, `Auto` a leaf domain label.
pub(crate) fn check_ssl(
    properties: Option<&Value>,
    secrets: Option<&Value>,
) -> Result<(), ArmError> {
    let Some(ssl) = properties.and_then(|properties| properties.get("sslConfiguration")) else {
        return Ok(());
    };
    let given = |field: &str| {
        ssl.get(field)
            .is_some_and(|value| value.as_str().is_some_and(|text| !text.is_empty()))
            || secrets
                .and_then(|secrets| secrets["sslConfiguration"].get(field))
                .is_some_and(Value::is_string)
    };
    let invalid = |message: &str| {
        Err(
            ArmError::bad_request("InvalidSslConfiguration", message.to_owned()).with_detail(
                "InvalidSslConfiguration",
                "properties.properties.sslConfiguration",
                message,
            ),
        )
    };
    match ssl.get("status").and_then(Value::as_str) {
        None | Some("Disabled") => Ok(()),
        Some("Enabled") if !(given("cert") && given("key") && given("cname")) => {
            invalid("sslConfiguration.status Enabled needs cert, key and cname.")
        }
        Some("Auto") if !given("leafDomainLabel") => {
            invalid("sslConfiguration.status Auto needs leafDomainLabel.")
        }
        Some("Enabled" | "Auto") => Ok(()),
        Some(other) => invalid(&format!(
            "sslConfiguration.status '{other}' is not one of Disabled, Enabled, Auto."
        )),
    }
}

/// A PUT to an existing compute keeps what it leaves out: the API's "Update a AML Compute"
/// example (`createOrUpdate/AmlCompute.json`) sends only `scaleSettings` and `description`,
/// and its 200 still has the `vmSize`, `osType` and the rest. Settings the request names
/// replace the existing ones (objects merged key by key, an explicit `null` clears), and a
/// `NotSpecified` remote login access, a choice only at creation, keeps what the service chose.
pub(crate) fn with_kept_settings(existing: &Compute, body: &Value) -> Value {
    let mut merged = body.clone();
    let Some(envelope) = merged.as_object_mut() else {
        return merged; // the parse says what is wrong with it
    };
    if !envelope.contains_key("location") {
        envelope.insert("location".to_owned(), json!(existing.location));
    }
    if !envelope.contains_key("tags")
        && let Some(tags) = &existing.tags
    {
        envelope.insert("tags".to_owned(), tags.clone());
    }
    let Some(outer) = envelope
        .get_mut("properties")
        .and_then(Value::as_object_mut)
    else {
        return merged;
    };
    if !outer.contains_key("description")
        && let Some(description) = &existing.description
    {
        outer.insert("description".to_owned(), json!(description));
    }
    if !outer.contains_key("resourceId")
        && existing.is_attached
        && let Some(resource_id) = &existing.resource_id
    {
        outer.insert("resourceId".to_owned(), json!(resource_id));
    }
    for (field, value) in &existing.settable {
        outer.entry(field.clone()).or_insert_with(|| value.clone());
    }
    let mut properties = existing.properties.clone().unwrap_or_else(|| json!({}));
    match outer.get("properties") {
        Some(Value::Object(_)) => merge_into(&mut properties, &outer["properties"]),
        Some(Value::Null) | None => {}
        Some(_) => return merged, // not an object: refused by the parse
    }
    if properties["remoteLoginPortPublicAccess"] == "NotSpecified"
        && let Some(chosen) = existing
            .properties
            .as_ref()
            .and_then(|old| old.get("remoteLoginPortPublicAccess"))
    {
        properties["remoteLoginPortPublicAccess"] = chosen.clone();
    }
    outer.insert("properties".to_owned(), properties);
    merged
}

/// `patch` laid over `target`: objects merged key by key, `null` removes, anything else
/// replaces.
pub(crate) fn merge_into(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(target), Some(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else if let Some(existing) = target.get_mut(key).filter(|_| value.is_object()) {
                    merge_into(existing, value);
                } else {
                    target.insert(key.clone(), value.clone());
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

/// `NotSpecified` remote login access, resolved at creation as the API describes it:
/// "closed on all nodes of the cluster if VNet is defined, else is open"
/// (`AmlComputeProperties.remoteLoginPortPublicAccess`).
pub(crate) fn resolve_remote_login(properties: Option<&mut Value>) {
    let Some(properties) = properties else {
        return;
    };
    if properties["remoteLoginPortPublicAccess"] == "NotSpecified" {
        let in_a_network = properties["subnet"]["id"].is_string();
        properties["remoteLoginPortPublicAccess"] =
            json!(if in_a_network { "Disabled" } else { "Enabled" });
    }
}

/// The service's defaults, filled in so a later request that spells them out is "unchanged".
pub(crate) fn normalise(kind: &ComputeType, properties: &mut Value) {
    let Some(object) = properties.as_object_mut() else {
        return;
    };
    let mut default = |field: &str, value: Value| {
        if object.get(field).is_none_or(Value::is_null) {
            object.insert(field.to_owned(), value);
        }
    };
    match kind.name {
        "AmlCompute" => {
            default("vmSize", json!("STANDARD_DS3_V2"));
            default("vmPriority", json!("Dedicated"));
            default("osType", json!("Linux"));
            default("isolatedNetwork", json!(false));
            default("remoteLoginPortPublicAccess", json!("NotSpecified"));
            default("enableNodePublicIp", json!(true));
            if let Some(Value::String(priority)) = object.get_mut("vmPriority") {
                *priority = if priority.eq_ignore_ascii_case("lowpriority") {
                    "LowPriority"
                } else {
                    "Dedicated"
                }
                .to_owned();
            }
            if let Some(scale) = object
                .get_mut("scaleSettings")
                .and_then(Value::as_object_mut)
            {
                scale.entry("minNodeCount").or_insert(json!(0));
                scale
                    .entry("nodeIdleTimeBeforeScaleDown")
                    .or_insert(json!("PT120S"));
            }
        }
        "ComputeInstance" => {
            default("vmSize", json!("STANDARD_DS3_V2"));
            default("applicationSharingPolicy", json!("Shared"));
            default("computeInstanceAuthorizationType", json!("personal"));
            default("enableNodePublicIp", json!(true));
            default("sshSettings", json!({"sshPublicAccess": "Disabled"}));
        }
        "VirtualMachine" | "HDInsight" => default("sshPort", json!(22)),
        _ => {}
    }
}

/// Removes the secrets from `properties` and returns them (as an object of the same shape).
pub(crate) fn take_secrets(kind: &ComputeType, properties: &mut Value) -> Option<Value> {
    let mut secrets = json!({});
    let mut found = false;
    for pointer in kind.secret_pointers {
        let (parent, field) = pointer.rsplit_once('/').unwrap_or(("", pointer));
        let Some(value) = properties
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .and_then(|object| object.remove(field))
        else {
            continue;
        };
        found = true;
        let mut target = &mut secrets;
        for segment in parent.split('/').filter(|segment| !segment.is_empty()) {
            target = target
                .as_object_mut()
                .map(|object| object.entry(segment).or_insert_with(|| json!({})))
                .expect("secrets are built from objects");
        }
        target[field] = value;
    }
    found.then_some(secrets)
}

pub(crate) fn check_identity(identity: &Value) -> Result<Value, ArmError> {
    let kind = identity
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ArmError::invalid_content(
                "identity.type is required (SystemAssigned, UserAssigned or None).",
            )
        })?;
    let canonical = [
        "None",
        "SystemAssigned",
        "UserAssigned",
        "SystemAssigned,UserAssigned",
    ]
    .into_iter()
    .find(|known| {
        known
            .replace(',', "")
            .eq_ignore_ascii_case(&kind.replace([',', ' '], ""))
    })
    .ok_or_else(|| ArmError::invalid_content(format!("identity.type '{kind}' is not valid.")))?;
    let assigned = identity
        .get("userAssignedIdentities")
        .and_then(Value::as_object);
    if canonical.contains("UserAssigned") {
        let ids = assigned.filter(|ids| !ids.is_empty()).ok_or_else(|| {
            ArmError::bad_request(
                "InvalidIdentity",
                "identity.type UserAssigned needs at least one entry in identity.userAssignedIdentities.",
            )
        })?;
        for id in ids.keys() {
            let lower = id.to_ascii_lowercase();
            if !(lower.starts_with("/subscriptions/")
                && lower.contains("/resourcegroups/")
                && lower.contains("/providers/microsoft.managedidentity/userassignedidentities/"))
            {
                return Err(ArmError::bad_request(
                    "InvalidIdentity",
                    format!(
                        "'{id}' is not a user-assigned identity id (/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)."
                    ),
                ));
            }
        }
    } else if assigned.is_some_and(|ids| !ids.is_empty()) {
        return Err(ArmError::bad_request(
            "InvalidIdentity",
            format!("identity.type {canonical} takes no userAssignedIdentities."),
        ));
    }
    let mut checked = json!({ "type": canonical });
    if let Some(ids) = assigned.filter(|ids| !ids.is_empty()) {
        checked["userAssignedIdentities"] =
            Value::Object(ids.keys().map(|id| (id.clone(), json!({}))).collect());
    }
    Ok(checked)
}

/// What identity a caller asked for, ignoring the ids the service generated.
pub(crate) fn identity_view(identity: Option<&Value>) -> Option<(String, Vec<String>)> {
    let identity = identity?;
    let kind = identity
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("None");
    if kind == "None" {
        return None;
    }
    let mut ids: Vec<String> = identity
        .get("userAssignedIdentities")
        .and_then(Value::as_object)
        .map(|ids| ids.keys().map(|id| id.to_ascii_lowercase()).collect())
        .unwrap_or_default();
    ids.sort();
    Some((kind.to_owned(), ids))
}

pub(crate) fn check_resource_id(kind: &ComputeType, resource_id: &str) -> Result<(), ArmError> {
    let lower = resource_id.to_ascii_lowercase();
    let shaped = lower.starts_with("/subscriptions/")
        && lower.contains("/resourcegroups/")
        && kind.attachable_resource_types.iter().any(|resource_type| {
            lower.contains(&format!(
                "/providers/{}/",
                resource_type.to_ascii_lowercase()
            ))
        });
    if shaped {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidResourceId",
            format!(
                "resourceId '{resource_id}' is not the id of a resource a {} can attach; expected /subscriptions/<sub>/resourceGroups/<rg>/providers/{}/<name>.",
                kind.name,
                kind.attachable_resource_types.join(" or ")
            ),
        ))
    }
}

pub(crate) fn check_vm_size(
    properties: Option<&Value>,
    kind: &ComputeType,
) -> Result<&'static VmSize, ArmError> {
    let name = properties
        .and_then(|properties| properties.get("vmSize"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    vm_size_catalog::find(name).ok_or_else(|| {
        ArmError::bad_request(
            "InvalidVmSize",
            format!(
                "The VM size '{name}' is not available for {} in this region. Did you mean {}? The vmSizes operation lists every size.",
                kind.name,
                vm_size_catalog::nearest(name).join(", ")
            ),
        )
    })
}

pub(crate) fn check_scale_settings(properties: Option<&Value>) -> Result<(), ArmError> {
    let scale = properties.and_then(|properties| properties.get("scaleSettings"));
    let Some(max) = scale
        .and_then(|scale| scale.get("maxNodeCount"))
        .and_then(Value::as_i64)
    else {
        return Err(ArmError::bad_request(
            "InvalidScaleSettings",
            "An AmlCompute needs properties.properties.scaleSettings.maxNodeCount.",
        ));
    };
    let min = scale
        .and_then(|scale| scale.get("minNodeCount"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if min < 0 || max < 0 {
        return Err(ArmError::bad_request(
            "InvalidScaleSettings",
            format!("minNodeCount ({min}) and maxNodeCount ({max}) cannot be negative."),
        ));
    }
    if min > max {
        return Err(ArmError::bad_request(
            "InvalidScaleSettings",
            format!("minNodeCount ({min}) cannot be greater than maxNodeCount ({max})."),
        ));
    }
    // `ScaleSettings` counts are int32; a cluster holds at most 65,000 nodes (Azure ML's
    // limit for a cluster that is not communication-enabled).
    if max > MAX_CLUSTER_NODES {
        return Err(ArmError::bad_request(
            "InvalidScaleSettings",
            format!("maxNodeCount ({max}) is more than the {MAX_CLUSTER_NODES} nodes a cluster can have."),
        )
        .with_detail(
            "InvalidScaleSettings",
            "properties.properties.scaleSettings.maxNodeCount",
            format!("at most {MAX_CLUSTER_NODES}"),
        ));
    }
    Ok(())
}

pub(crate) const MAX_CLUSTER_NODES: i64 = 65_000;

/// The service's name rules: 2 to 16 characters for a compute target; 3 to 24 for a compute
/// instance, where a hyphen needs a letter somewhere after it (Azure ML's documentation; the
/// 2024-10-01 description gives `computeName` no pattern, 2026-09-01 the instance's).
pub fn check_compute_name(name: &str, compute_type: &str) -> Result<(), ArmError> {
    let instance = compute_type.eq_ignore_ascii_case("ComputeInstance");
    let (min, max) = if instance { (3, 24) } else { (2, 16) };
    let length_ok = (min..=max).contains(&name.chars().count());
    let starts_with_letter = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let charset_ok = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let hyphens_ok = !instance
        || name
            .rfind('-')
            .is_none_or(|hyphen| name[hyphen..].chars().any(|c| c.is_ascii_alphabetic()));
    if length_ok && starts_with_letter && charset_ok && hyphens_ok {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidResourceName",
            format!(
                "The compute name '{name}' is invalid: a {compute_type} name must be {min} to {max} characters, start with a letter, and contain only letters, digits and hyphens{}.",
                if instance {
                    ", with a letter after its last hyphen"
                } else {
                    ""
                }
            ),
        ))
    }
}

pub(crate) fn check_workspace_name(name: &str) -> Result<(), ArmError> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if first_ok && rest_ok && (3..=33).contains(&name.len()) {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidResourceName",
            format!(
                "The workspace name '{name}' does not match ^[a-zA-Z0-9][a-zA-Z0-9_-]{{2,32}}$."
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_service_pattern() {
        assert!(check_compute_name("cpu-cluster", "AmlCompute").is_ok());
        assert!(check_compute_name("ab", "AmlCompute").is_ok());
        assert!(check_compute_name("gpu-01", "AmlCompute").is_ok());
        assert!(check_compute_name("nb-a-name-of-24-letters", "ComputeInstance").is_ok());
        for (bad, kind) in [
            ("a", "AmlCompute"),
            ("1cpu", "AmlCompute"),
            ("cpu_cluster", "AmlCompute"),
            ("a-name-that-is-too-long", "AmlCompute"),
            ("", "AmlCompute"),
            ("ab", "ComputeInstance"),
            ("nb-01", "ComputeInstance"),
        ] {
            assert_eq!(
                check_compute_name(bad, kind).unwrap_err().code,
                "InvalidResourceName",
                "{bad}"
            );
        }
    }

    #[test]
    fn diff_ignores_case_of_sizes_and_null_versus_absent() {
        let mut changed = Vec::new();
        diff_values(
            "p",
            &json!({"vmSize": "STANDARD_NC6", "subnet": null, "scaleSettings": {"maxNodeCount": 1}}),
            &json!({"vmSize": "Standard_NC6", "scaleSettings": {"maxNodeCount": 2}}),
            &mut changed,
        );
        assert_eq!(changed, vec!["p.scaleSettings.maxNodeCount"]);
    }

    #[test]
    fn secrets_are_taken_out_of_the_properties() {
        let kind = compute_types::find("VirtualMachine").unwrap();
        let mut properties =
            json!({"administratorAccount": {"username": "u", "password": "hunter2"}});
        let secrets = take_secrets(kind, &mut properties).unwrap();
        assert_eq!(
            properties,
            json!({"administratorAccount": {"username": "u"}})
        );
        assert_eq!(
            secrets,
            json!({"administratorAccount": {"password": "hunter2"}})
        );
    }

    #[test]
    fn durations_are_iso_8601() {
        assert!(is_iso_duration("PT5M"));
        assert!(is_iso_duration("PT120S"));
        assert!(!is_iso_duration("120"));
        assert!(!is_iso_duration("PT"));
    }
}
