//! The rules of a cluster's and a compute instance's settings that go together, from the API
//! description: custom images, idle shutdown, assigned users, setup scripts, node public IPs
//! and start/stop schedules.

use serde_json::Value;

use crate::arm_error::ArmError;
use crate::compute_request::iso_duration_seconds;
use crate::compute_types::ComputeType;

/// The rules of a cluster's and a compute instance's settings that go together
/// (`AmlComputeProperties`, `ComputeInstanceProperties`): a custom image is Windows only, idle
/// shutdown is 15 minutes to 3 days, an assigned user has an object id and a tenant, a setup
/// script comes from the workspace's storage or inline, nodes without a public IP need a subnet.
pub(crate) fn check_node_settings(
    kind: &ComputeType,
    properties: Option<&Value>,
) -> Result<(), ArmError> {
    let Some(properties) = properties else {
        return Ok(());
    };
    let refuse = |code: &str, target: &str, message: String| {
        Err(ArmError::bad_request(code, message.clone()).with_detail(
            code,
            &format!("properties.properties.{target}"),
            message,
        ))
    };
    if properties["enableNodePublicIp"] == false && !properties["subnet"]["id"].is_string() {
        return refuse(
            "InvalidNetworkSettings",
            "enableNodePublicIp",
            "A compute without node public IPs needs a subnet (properties.properties.subnet.id)."
                .to_owned(),
        );
    }
    match kind.name {
        "AmlCompute" => {
            let windows = properties["osType"]
                .as_str()
                .is_some_and(|os| os.eq_ignore_ascii_case("Windows"));
            if properties["virtualMachineImage"]["id"].is_string() && !windows {
                return refuse(
                    "InvalidVirtualMachineImage",
                    "virtualMachineImage",
                    "virtualMachineImage is for Windows clusters only (osType Windows).".to_owned(),
                );
            }
        }
        "ComputeInstance" => {
            if let Some(idle) = properties["idleTimeBeforeShutdown"].as_str() {
                let minutes = iso_duration_seconds(idle).map(|seconds| seconds / 60.0);
                if !minutes.is_some_and(|minutes| (15.0..=4320.0).contains(&minutes)) {
                    return refuse(
                        "InvalidIdleShutdown",
                        "idleTimeBeforeShutdown",
                        format!(
                            "idleTimeBeforeShutdown '{idle}' must be an ISO 8601 duration of 15 minutes to 3 days."
                        ),
                    );
                }
            }
            let user = &properties["personalComputeInstanceSettings"]["assignedUser"];
            let whole = user["objectId"].is_string() && user["tenantId"].is_string();
            if !user.is_null() && !whole {
                return refuse(
                    "InvalidAssignedUser",
                    "personalComputeInstanceSettings.assignedUser",
                    "An assigned user needs both objectId and tenantId.".to_owned(),
                );
            }
            let schedules = properties["schedules"]["computeStartStop"].as_array();
            for (index, schedule) in schedules.into_iter().flatten().enumerate() {
                if let Err(reason) = check_schedule(schedule) {
                    return refuse(
                        "InvalidSchedule",
                        &format!("schedules.computeStartStop[{index}]"),
                        format!("Schedule {index}: {reason}."),
                    );
                }
            }
            for script in ["creationScript", "startupScript"] {
                let reference = &properties["setupScripts"]["scripts"][script];
                if reference.is_null() {
                    continue;
                }
                let source = reference["scriptSource"].as_str().unwrap_or_default();
                if !reference["scriptData"].is_string()
                    || !["workspaceStorage", "inline"].contains(&source)
                {
                    return refuse(
                        "InvalidSetupScripts",
                        &format!("setupScripts.scripts.{script}"),
                        format!(
                            "{script} needs scriptData and a scriptSource of workspaceStorage or inline."
                        ),
                    );
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// A `ComputeStartStopSchedule`: a `ComputePowerAction`, and the cron expression or the
/// recurrence its `triggerType` names.
fn check_schedule(schedule: &Value) -> Result<(), String> {
    let action = schedule["action"].as_str().unwrap_or_default();
    if !["Start", "Stop"].contains(&action) {
        return Err(format!("action '{action}' is not Start or Stop"));
    }
    if let Some(status) = schedule["status"].as_str()
        && !["Enabled", "Disabled"].contains(&status)
    {
        return Err(format!("status '{status}' is not Enabled or Disabled"));
    }
    match schedule["triggerType"].as_str() {
        Some("Cron") => {
            let expression = schedule["cron"]["expression"].as_str().unwrap_or_default();
            if expression.split_whitespace().count() != 5 {
                return Err(format!(
                    "'{expression}' is not a cron expression of five fields"
                ));
            }
        }
        Some("Recurrence") => {
            let recurrence = &schedule["recurrence"];
            let frequency = recurrence["frequency"].as_str().unwrap_or_default();
            if !["Minute", "Hour", "Day", "Week", "Month"].contains(&frequency) {
                return Err(format!("recurrence frequency '{frequency}' is not valid"));
            }
            if recurrence["interval"]
                .as_i64()
                .is_none_or(|interval| interval < 1)
            {
                return Err("recurrence interval must be at least 1".to_owned());
            }
            let within = |field: &str, max: i64| {
                recurrence["schedule"][field]
                    .as_array()
                    .is_some_and(|items| {
                        !items.is_empty()
                            && items
                                .iter()
                                .all(|item| item.as_i64().is_some_and(|n| (0..=max).contains(&n)))
                    })
            };
            if !(within("hours", 23) && within("minutes", 59)) {
                return Err("recurrence schedule needs hours (0-23) and minutes (0-59)".to_owned());
            }
        }
        other => {
            return Err(format!(
                "triggerType {} is not Cron or Recurrence",
                other.unwrap_or("(none)")
            ));
        }
    }
    Ok(())
}
