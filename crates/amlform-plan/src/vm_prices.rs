//! Hourly prices of VM sizes, shipped as data, for the plan's estimate of what always-on
//! nodes cost. Illustrative pay-as-you-go Linux rates in USD (dedicated, low priority); a
//! size that is not listed has no estimate rather than a wrong one.

/// `(size, dedicated, low priority)`, sizes in the service's spelling.
const PRICES: &[(&str, f64, f64)] = &[
    ("Standard_D1_v2", 0.057, 0.012),
    ("Standard_D2_v2", 0.114, 0.023),
    ("Standard_D3_v2", 0.229, 0.046),
    ("Standard_D4_v2", 0.458, 0.092),
    ("Standard_D11_v2", 0.148, 0.030),
    ("Standard_D12_v2", 0.296, 0.059),
    ("Standard_DS1_v2", 0.057, 0.012),
    ("Standard_DS2_v2", 0.114, 0.023),
    ("Standard_DS3_v2", 0.229, 0.046),
    ("Standard_DS4_v2", 0.458, 0.092),
    ("Standard_DS11_v2", 0.148, 0.030),
    ("Standard_DS12_v2", 0.296, 0.059),
    ("Standard_D2s_v3", 0.096, 0.019),
    ("Standard_D4s_v3", 0.192, 0.038),
    ("Standard_D8s_v3", 0.384, 0.077),
    ("Standard_D16s_v3", 0.768, 0.154),
    ("Standard_E4s_v3", 0.252, 0.050),
    ("Standard_E8s_v3", 0.504, 0.101),
    ("Standard_F4s_v2", 0.169, 0.034),
    ("Standard_F8s_v2", 0.338, 0.068),
    ("Standard_NC6", 0.900, 0.180),
    ("Standard_NC12", 1.800, 0.360),
    ("Standard_NC24", 3.600, 0.720),
    ("Standard_NC6s_v3", 3.060, 0.612),
    ("Standard_NC12s_v3", 6.120, 1.224),
    ("Standard_NC24ads_A100_v4", 3.673, 0.735),
    ("Standard_NV6", 1.140, 0.228),
    ("Standard_ND40rs_v2", 22.032, 4.406),
];

/// The hourly price of one node of `size` (any case), dedicated or low priority.
pub fn hourly_price(size: &str, low_priority: bool) -> Option<f64> {
    PRICES
        .iter()
        .find(|(name, _, _)| name.eq_ignore_ascii_case(size))
        .map(|(_, dedicated, low)| if low_priority { *low } else { *dedicated })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_without_case_and_unknown_sizes_have_no_price() {
        assert_eq!(hourly_price("STANDARD_NC6", false), Some(0.9));
        assert_eq!(hourly_price("standard_nc6", true), Some(0.18));
        assert_eq!(hourly_price("Standard_Unknown", false), None);
    }
}
