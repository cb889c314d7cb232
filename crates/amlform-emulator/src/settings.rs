//! What an emulator instance is configured with: delays, faults, limits, token, persistence.

use crate::clock::Clock;
use std::path::PathBuf;
use std::time::Duration;

use crate::throttle::RateLimits;

/// Probabilities (0.0 to 1.0) of the service misbehaving, rolled independently per request.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Faults {
    /// Answer 429 `SubscriptionRequestsThrottled` before doing anything.
    pub throttled: f64,
    /// Answer 500 `InternalServerError` before doing anything.
    pub internal_error: f64,
    /// Answer 503 `ServiceUnavailable` before doing anything.
    pub unavailable: f64,
    /// A create, attach or update is accepted but its long-running operation ends `Failed`.
    pub failed_provisioning: f64,
}

/// Which signal a long-running operation's first answer carries: each is a shape the API
/// description allows, and a client must follow all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LroStyle {
    /// `Azure-AsyncOperation` (a status to poll), with `Location` on deletes, as the
    /// description's 201 and 202 examples show.
    #[default]
    AzureAsyncOperation,
    /// Only `Location`: 202 until the operation ends (newer API versions answer start, stop
    /// and restart so).
    Location,
    /// No header: the resource's `provisioningState` (or instance state, or its 404 once
    /// deleted) is the only signal, as a `Compute_CreateOrUpdate` 200 while `Creating`.
    Resource,
}

/// How the emulator authenticates callers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TokenPolicy {
    /// Any non-empty bearer token is accepted, as a stand-in for Azure AD.
    #[default]
    AnyBearer,
    /// Only this bearer token is accepted (for tests of credential plumbing).
    Exact(String),
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a create, update, delete, start or stop takes to finish.
    pub provisioning_delay: Duration,
    /// Added to every response.
    pub latency: Duration,
    pub faults: Faults,
    pub seed: u64,
    /// `None` turns throttling off (for speed benchmarks).
    pub rate_limits: Option<RateLimits>,
    pub token: TokenPolicy,
    /// Where state is persisted; `None` keeps it in memory.
    pub state_dir: Option<PathBuf>,
    /// Workspaces that do not exist are created on first use, in this region; `None` answers 404.
    pub auto_create_workspaces: Option<String>,
    /// vCPU quota per VM family and region, for dedicated nodes.
    pub family_quota: u64,
    /// vCPU quota per region for low-priority nodes.
    pub low_priority_quota: u64,
    /// vCPU quota per region for dedicated nodes of every family together (reported in
    /// usages; the rule enforces the per-family quota).
    pub regional_dedicated_quota: u64,
    /// Clusters per region (reported in usages as `totalCores` "Clusters").
    pub cluster_limit: u64,
    /// Per-family overrides of `family_quota`, by family name (`standardNCFamily`).
    pub family_quota_overrides: Vec<(String, u64)>,
    /// Computes per page of a list.
    pub page_size: usize,
    pub lro_style: LroStyle,
    /// The time operations, timestamps and throttling go by.
    pub clock: Clock,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            provisioning_delay: Duration::ZERO,
            latency: Duration::ZERO,
            faults: Faults::default(),
            seed: 0x5eed,
            rate_limits: Some(RateLimits::default()),
            token: TokenPolicy::default(),
            state_dir: None,
            auto_create_workspaces: Some("eastus".to_owned()),
            family_quota: 400,
            low_priority_quota: 400,
            regional_dedicated_quota: 1000,
            cluster_limit: 200,
            family_quota_overrides: Vec::new(),
            page_size: 100,
            lro_style: LroStyle::default(),
            clock: Clock::system(),
        }
    }
}

impl Settings {
    pub fn quota_for_family(&self, family: &str) -> u64 {
        self.family_quota_overrides
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(family))
            .map_or(self.family_quota, |(_, quota)| *quota)
    }
}
