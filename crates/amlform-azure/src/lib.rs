//! The provider: everything amlform asks of Azure Resource Manager, over its REST API.
//!
//! It is the only crate that speaks HTTP to Azure (or to the emulator standing in for it).
//! [`ArmClient`] sends requests with a bearer token, retries what is safe to retry (429 and
//! 5xx honouring `Retry-After`, connection errors, with jittered backoff) and follows
//! `nextLink`; [`AzureProvider`] implements the boundary's [`Provider`], reading a
//! workspace's computes in one paged list and translating each into the configuration's
//! attribute names ([`compute_attributes`]); its writes (`put_body`, `delete_compute`,
//! `power`) follow each long-running operation to its end, and [`compute_body`] builds what
//! a PUT sends.

mod arm_client;
mod azure_error;
pub mod compute_attributes;
mod compute_body;
mod compute_writer;
mod credential;
mod json_tree;
mod provider;
mod request_pacer;

pub use arm_client::{
    API_VERSION, ArmClient, ArmClientOptions, ArmResponse, RetryPolicy, http_client, requests_sent,
};
pub use azure_error::AzureError;
pub use compute_body::{BodyContext, compute_body};
pub use credential::{Cloud, Credential, CredentialKind, token_credential};
pub use json_tree::JsonTree;
/// The method of an [`ArmClient::send`].
pub use reqwest::Method;
// The provider boundary's data, as the rest of amlform has always named it here.
pub use amlform_provider::{
    ComputeRequest, INSTANCE_STATE, InstanceState, PowerAction, Provider, ProviderError,
    RemoteCompute, StateObserver, UnderlyingAction, Usage, VmSizeInfo, WorkspaceTarget,
};
pub use provider::{AzureProvider, remote_compute};
pub use request_pacer::ClientRateLimits;
