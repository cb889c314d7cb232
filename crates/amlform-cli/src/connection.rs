//! Reaching each workspace's service: the embedded emulator (`endpoint = "embedded"`, started
//! in this process and persisted under `.amlform/emulator`), a standalone emulator or Azure.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use amlform_azure::{
    ArmClient, ArmClientOptions, AzureProvider, ClientRateLimits, Cloud, Credential,
    CredentialKind, Provider,
};
use amlform_emulator::Emulator;
use amlform_engine::{WorkspaceBinding, Workspaces};
use amlform_lang::EvaluatedConfig;
use anyhow::{Context, bail};

/// Where the embedded emulator keeps its state, under the configuration directory.
pub const EMBEDDED_STATE_DIR: &str = ".amlform/emulator";

/// A runtime, and every workspace connected on it ([`connect`]): what a command that reads
/// or writes the service starts with. The runtime lives as long as the connections (the
/// embedded emulator runs on it).
pub fn connect_on_runtime(
    config: &EvaluatedConfig,
    credential_override: Option<&str>,
) -> anyhow::Result<(tokio::runtime::Runtime, Workspaces)> {
    let runtime = new_runtime()?;
    let workspaces = runtime.block_on(connect(config, credential_override))?;
    Ok((runtime, workspaces))
}

/// The multi-threaded runtime the service is reached on.
pub fn new_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// Every workspace's provider, ARM coordinates and region, by label. Workspaces share a
/// provider (and its client and pacing) when they share the endpoint and the credential.
/// `credential_override` is `--credential`, which overrides every workspace's `credential`.
pub async fn connect(
    config: &EvaluatedConfig,
    credential_override: Option<&str>,
) -> anyhow::Result<Workspaces> {
    let mut providers: BTreeMap<String, Arc<dyn Provider>> = BTreeMap::new();
    let mut embedded: Option<Emulator> = None;
    let mut workspaces = Workspaces::new();
    for (label, workspace) in &config.workspaces {
        let cloud_name = workspace.attribute("cloud").unwrap_or("public");
        let Some(cloud) = Cloud::parse(cloud_name) else {
            bail!(
                "workspace {label}: unknown cloud `{cloud_name}`\nhint: use one of {}",
                Cloud::NAMES.join(", ")
            );
        };
        let endpoint = workspace
            .attribute("endpoint")
            .unwrap_or(cloud.resource_manager())
            .to_owned();
        let credential = credential_override
            .or(workspace.attribute("credential"))
            .unwrap_or("default")
            .to_owned();
        let (target, location) = amlform_engine::workspace_target(label, workspace);
        let key = format!("{endpoint} {credential} {cloud_name}");
        if !providers.contains_key(&key) {
            let provider = provider_for(&endpoint, &credential, cloud, &mut embedded)
                .await
                .with_context(|| format!("cannot connect workspace {label}"))?;
            providers.insert(key.clone(), Arc::new(provider));
        }
        if let (Some(emulator), "embedded") = (&embedded, endpoint.as_str()) {
            // The embedded world starts empty: its workspaces exist as the configuration says.
            emulator
                .ensure_workspace(
                    &target.subscription_id,
                    &target.resource_group,
                    &target.name,
                    &location,
                )
                .map_err(|error| anyhow::anyhow!("{}: {}", error.code, error.message))
                .with_context(|| {
                    format!("cannot prepare workspace {label} on the embedded emulator")
                })?;
        }
        let binding = WorkspaceBinding {
            provider: providers[&key].clone(),
            target,
            location,
        };
        workspaces.insert(label.clone(), binding);
    }
    Ok(workspaces)
}

/// A client for `endpoint`: the embedded emulator; a fixed token from `AMLFORM_ACCESS_TOKEN`
/// (a standalone emulator, or a token from `az account get-access-token`); otherwise Entra ID
/// through the workspace's `credential`.
async fn provider_for(
    endpoint: &str,
    credential: &str,
    cloud: Cloud,
    embedded: &mut Option<Emulator>,
) -> anyhow::Result<AzureProvider> {
    let options = if endpoint == "embedded" {
        let (emulator, endpoint, rate_limits) =
            start_embedded(Path::new(EMBEDDED_STATE_DIR)).await?;
        *embedded = Some(emulator);
        ArmClientOptions {
            endpoint,
            token: "embedded".to_owned(),
            // Paced like the emulator's limits, as for Azure.
            rate_limits,
            // The emulator is in this process: poll its operations quickly.
            retry: amlform_azure::RetryPolicy {
                max_poll_interval: std::time::Duration::from_millis(20),
                ..Default::default()
            },
            ..Default::default()
        }
    } else if endpoint.starts_with("https://") || endpoint.starts_with("http://") {
        let fixed = std::env::var("AMLFORM_ACCESS_TOKEN").ok();
        let credential = match &fixed {
            Some(_) => None,
            None if is_loopback(endpoint) => bail!(
                "no token for {endpoint}\nhint: set AMLFORM_ACCESS_TOKEN (any non-empty value for a standalone emulator), and AMLFORM_CA_FILE to the CA it printed"
            ),
            None => {
                let Some(kind) = CredentialKind::parse(credential) else {
                    bail!(
                        "unknown credential `{credential}`\nhint: use one of {}",
                        CredentialKind::NAMES.join(", ")
                    );
                };
                Some(Credential::entra(kind, cloud, endpoint)?)
            }
        };
        ArmClientOptions {
            endpoint: endpoint.to_owned(),
            token: fixed.unwrap_or_default(),
            credential,
            ca_file: std::env::var_os("AMLFORM_CA_FILE").map(Into::into),
            rate_limits: Some(ClientRateLimits::default()),
            ..Default::default()
        }
    } else {
        bail!("workspace endpoint `{endpoint}` is neither \"embedded\" nor an http(s) URL");
    };
    Ok(AzureProvider::new(ArmClient::new(options)?))
}

fn is_loopback(endpoint: &str) -> bool {
    let host = endpoint
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .unwrap_or_default();
    matches!(host, "127.0.0.1" | "localhost") || endpoint.contains("://[::1]")
}

/// How the embedded emulator behaves, from `AMLFORM_EMBEDDED_EMULATOR`: the flags of
/// `amlform emulator serve` (`--no-rate-limits`, `--provisioning-delay 2s`, `--fail-429 0.1`,
/// ...), to try a configuration against a slow or failing service. Ports are ignored.
#[derive(Debug, clap::Parser)]
#[command(no_binary_name = true, name = "AMLFORM_EMBEDDED_EMULATOR")]
struct EmbeddedSettings {
    #[command(flatten)]
    serve: amlform_emulator::ServeArgs,
}

const EMBEDDED_SETTINGS_VARIABLE: &str = "AMLFORM_EMBEDDED_EMULATOR";

/// Starts the emulator on a free loopback port for the life of this process; the emulator,
/// its URL, and its rate limits for the client to pace itself by.
async fn start_embedded(
    dir: &Path,
) -> anyhow::Result<(Emulator, String, Option<ClientRateLimits>)> {
    use clap::Parser;
    let flags = std::env::var(EMBEDDED_SETTINGS_VARIABLE).unwrap_or_default();
    let mut settings = EmbeddedSettings::try_parse_from(flags.split_whitespace())
        .map_err(|error| anyhow::anyhow!("{EMBEDDED_SETTINGS_VARIABLE}: {error}"))?
        .serve;
    settings.state_dir = Some(dir.to_owned());
    let emulator = settings.emulator().with_context(|| {
        format!(
            "cannot open the embedded emulator's state in {}",
            dir.display()
        )
    })?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(axum::serve(listener, emulator.router()).into_future());
    let rate_limits = (!settings.no_rate_limits).then(|| ClientRateLimits {
        read_burst: f64::from(settings.read_burst),
        read_per_second: settings.read_refill,
        write_burst: f64::from(settings.write_burst),
        write_per_second: settings.write_refill,
    });
    Ok((emulator, format!("http://{address}"), rate_limits))
}
