//! The virtual machine sizes the emulated region offers, with their families and prices.
//!
//! Our own table, not a copy of the service's: enough common CPU and GPU sizes to exercise
//! size validation, quota per family and the hourly price estimate. Prices are illustrative
//! pay-as-you-go Linux rates in USD per hour.

use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VmSize {
    pub name: &'static str,
    pub family: &'static str,
    pub vcpus: u32,
    pub gpus: u32,
    pub memory_gb: f64,
    pub premium_io: bool,
    pub linux_price: f64,
    pub low_priority_price: f64,
}

/// One row of the table below.
#[allow(clippy::too_many_arguments)]
const fn size(
    name: &'static str,
    family: &'static str,
    vcpus: u32,
    gpus: u32,
    memory_gb: f64,
    premium_io: bool,
    linux_price: f64,
    low_priority_price: f64,
) -> VmSize {
    VmSize {
        name,
        family,
        vcpus,
        gpus,
        memory_gb,
        premium_io,
        linux_price,
        low_priority_price,
    }
}

pub const VM_SIZES: &[VmSize] = &[
    size(
        "Standard_D1_v2",
        "standardDv2Family",
        1,
        0,
        3.5,
        false,
        0.057,
        0.012,
    ),
    size(
        "Standard_D2_v2",
        "standardDv2Family",
        2,
        0,
        7.0,
        false,
        0.114,
        0.023,
    ),
    size(
        "Standard_D3_v2",
        "standardDv2Family",
        4,
        0,
        14.0,
        false,
        0.229,
        0.046,
    ),
    size(
        "Standard_D4_v2",
        "standardDv2Family",
        8,
        0,
        28.0,
        false,
        0.458,
        0.092,
    ),
    size(
        "Standard_D11_v2",
        "standardDv2Family",
        2,
        0,
        14.0,
        false,
        0.148,
        0.030,
    ),
    size(
        "Standard_D12_v2",
        "standardDv2Family",
        4,
        0,
        28.0,
        false,
        0.296,
        0.059,
    ),
    size(
        "Standard_DS1_v2",
        "standardDSv2Family",
        1,
        0,
        3.5,
        true,
        0.057,
        0.012,
    ),
    size(
        "Standard_DS2_v2",
        "standardDSv2Family",
        2,
        0,
        7.0,
        true,
        0.114,
        0.023,
    ),
    size(
        "Standard_DS3_v2",
        "standardDSv2Family",
        4,
        0,
        14.0,
        true,
        0.229,
        0.046,
    ),
    size(
        "Standard_DS4_v2",
        "standardDSv2Family",
        8,
        0,
        28.0,
        true,
        0.458,
        0.092,
    ),
    size(
        "Standard_DS11_v2",
        "standardDSv2Family",
        2,
        0,
        14.0,
        true,
        0.148,
        0.030,
    ),
    size(
        "Standard_DS12_v2",
        "standardDSv2Family",
        4,
        0,
        28.0,
        true,
        0.296,
        0.059,
    ),
    size(
        "Standard_D2s_v3",
        "standardDSv3Family",
        2,
        0,
        8.0,
        true,
        0.096,
        0.019,
    ),
    size(
        "Standard_D4s_v3",
        "standardDSv3Family",
        4,
        0,
        16.0,
        true,
        0.192,
        0.038,
    ),
    size(
        "Standard_D8s_v3",
        "standardDSv3Family",
        8,
        0,
        32.0,
        true,
        0.384,
        0.077,
    ),
    size(
        "Standard_D16s_v3",
        "standardDSv3Family",
        16,
        0,
        64.0,
        true,
        0.768,
        0.154,
    ),
    size(
        "Standard_E4s_v3",
        "standardESv3Family",
        4,
        0,
        32.0,
        true,
        0.252,
        0.050,
    ),
    size(
        "Standard_E8s_v3",
        "standardESv3Family",
        8,
        0,
        64.0,
        true,
        0.504,
        0.101,
    ),
    size(
        "Standard_F4s_v2",
        "standardFSv2Family",
        4,
        0,
        8.0,
        true,
        0.169,
        0.034,
    ),
    size(
        "Standard_F8s_v2",
        "standardFSv2Family",
        8,
        0,
        16.0,
        true,
        0.338,
        0.068,
    ),
    size(
        "Standard_NC6",
        "standardNCFamily",
        6,
        1,
        56.0,
        false,
        0.900,
        0.180,
    ),
    size(
        "Standard_NC12",
        "standardNCFamily",
        12,
        2,
        112.0,
        false,
        1.800,
        0.360,
    ),
    size(
        "Standard_NC24",
        "standardNCFamily",
        24,
        4,
        224.0,
        false,
        3.600,
        0.720,
    ),
    size(
        "Standard_NC6s_v3",
        "standardNCSv3Family",
        6,
        1,
        112.0,
        true,
        3.060,
        0.612,
    ),
    size(
        "Standard_NC12s_v3",
        "standardNCSv3Family",
        12,
        2,
        224.0,
        true,
        6.120,
        1.224,
    ),
    size(
        "Standard_NC24ads_A100_v4",
        "standardNCADSA100v4Family",
        24,
        1,
        220.0,
        true,
        3.673,
        0.735,
    ),
    size(
        "Standard_NV6",
        "standardNVFamily",
        6,
        1,
        56.0,
        false,
        1.140,
        0.228,
    ),
    size(
        "Standard_ND40rs_v2",
        "standardNDSv2Family",
        40,
        8,
        672.0,
        true,
        22.032,
        4.406,
    ),
];

/// Sizes are matched without regard to case, as the service does (`STANDARD_NC6`).
pub fn find(name: &str) -> Option<&'static VmSize> {
    // A hash lookup of the lower-cased name, lowered on the stack: this runs on every quota
    // check for every cluster.
    static BY_NAME: std::sync::OnceLock<std::collections::HashMap<String, &'static VmSize>> =
        std::sync::OnceLock::new();
    let by_name = BY_NAME.get_or_init(|| {
        VM_SIZES
            .iter()
            .map(|size| (size.name.to_ascii_lowercase(), size))
            .collect()
    });
    let mut lowered = [0u8; 64];
    let Some(buffer) = lowered.get_mut(..name.len()) else {
        return None; // longer than any size name
    };
    buffer.copy_from_slice(name.as_bytes());
    buffer.make_ascii_lowercase();
    std::str::from_utf8(buffer)
        .ok()
        .and_then(|lowered| by_name.get(lowered).copied())
}

/// Up to three catalogue names closest to `name`, for an "unknown size" message.
pub fn nearest(name: &str) -> Vec<&'static str> {
    let wanted = name.to_ascii_lowercase();
    let mut ranked: Vec<(usize, &'static str)> = VM_SIZES
        .iter()
        .map(|size| {
            (
                edit_distance(&wanted, &size.name.to_ascii_lowercase()),
                size.name,
            )
        })
        .collect();
    ranked.sort();
    ranked.into_iter().take(3).map(|(_, name)| name).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// The quota name of a family, as usages and quotas spell it:
/// `standardDSv2Family` becomes `Standard DSv2 Family Cluster Dedicated vCPUs`.
pub fn family_quota_name(family: &str) -> String {
    let core = family
        .strip_prefix("standard")
        .and_then(|rest| rest.strip_suffix("Family"))
        .unwrap_or(family);
    format!("Standard {core} Family Cluster Dedicated vCPUs")
}

pub fn families() -> Vec<&'static str> {
    let mut families: Vec<&'static str> = VM_SIZES.iter().map(|size| size.family).collect();
    families.sort_unstable();
    families.dedup();
    families
}

/// One entry of the `vmSizes` response (`VirtualMachineSize` in the API description).
pub fn to_json(size: &VmSize) -> Value {
    json!({
        "name": size.name,
        "family": size.family,
        "vCPUs": size.vcpus,
        "gpus": size.gpus,
        "osVhdSizeMB": 1_047_552,
        "maxResourceVolumeMB": (size.memory_gb * 2048.0) as u64,
        "memoryGB": size.memory_gb,
        "lowPriorityCapable": true,
        "premiumIO": size.premium_io,
        "estimatedVMPrices": {
            "billingCurrency": "USD",
            "unitOfMeasure": "OneHour",
            "values": [
                {"retailPrice": size.linux_price, "osType": "Linux", "vmTier": "Standard"},
                {"retailPrice": size.low_priority_price, "osType": "Linux", "vmTier": "LowPriority"},
            ]
        },
        "supportedComputeTypes": ["AmlCompute", "ComputeInstance"]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_ignores_case_and_misses_suggest_neighbours() {
        assert_eq!(find("STANDARD_NC6").map(|size| size.vcpus), Some(6));
        assert!(find("Standard_XL9000").is_none());
        assert_eq!(nearest("Standard_D2_v9")[0], "Standard_D2_v2");
    }

    #[test]
    fn family_quota_names_match_the_service_spelling() {
        assert_eq!(
            family_quota_name("standardDSv2Family"),
            "Standard DSv2 Family Cluster Dedicated vCPUs"
        );
        assert!(families().contains(&"standardNCFamily"));
    }
}
