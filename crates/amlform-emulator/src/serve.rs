//! `serve`: the emulator as a standalone server on loopback, over HTTPS and optionally HTTP.
//! Shared by the `amlform-emulator` binary and `amlform emulator serve`.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::emulator::Emulator;
use crate::settings::{Faults, LroStyle};
use crate::throttle::RateLimits;
use crate::tls::{TlsListener, TlsMaterial};

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// HTTPS port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8443)]
    pub port: u16,
    /// Also serve plain HTTP on this port of 127.0.0.1 (0 picks a free one).
    #[arg(long)]
    pub http_port: Option<u16>,
    /// Persist state in this directory; without it, state lives in memory.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Where the generated CA and server certificate go [default: the state directory,
    /// else a directory under the system's temporary directory].
    #[arg(long, value_name = "DIR")]
    pub tls_dir: Option<PathBuf>,
    /// How long create, update, delete, start and stop take (e.g. 500ms, 2s, 1m).
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    pub provisioning_delay: Duration,
    /// Delay added to every response.
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    pub latency: Duration,
    /// Probability (0-1) of answering 429 to a request.
    #[arg(long, default_value_t = 0.0, value_parser = parse_probability)]
    pub fail_429: f64,
    /// Probability (0-1) of answering 500 to a request.
    #[arg(long, default_value_t = 0.0, value_parser = parse_probability)]
    pub fail_500: f64,
    /// Probability (0-1) of answering 503 to a request.
    #[arg(long, default_value_t = 0.0, value_parser = parse_probability)]
    pub fail_503: f64,
    /// Probability (0-1) that a create, attach or update ends Failed.
    #[arg(long, default_value_t = 0.0, value_parser = parse_probability)]
    pub fail_provisioning: f64,
    /// Seed for fault rolls and generated ids.
    #[arg(long, default_value_t = 0x5eed)]
    pub seed: u64,
    /// Turn ARM throttling off.
    #[arg(long)]
    pub no_rate_limits: bool,
    /// Read bucket size per subscription.
    #[arg(long, default_value_t = 250)]
    pub read_burst: u32,
    /// Reads refilled per second.
    #[arg(long, default_value_t = 25.0)]
    pub read_refill: f64,
    /// Write bucket size per subscription.
    #[arg(long, default_value_t = 200)]
    pub write_burst: u32,
    /// Writes refilled per second.
    #[arg(long, default_value_t = 10.0)]
    pub write_refill: f64,
    /// Accept only this bearer token (any non-empty token otherwise).
    #[arg(long, env = "AMLFORM_EMULATOR_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Region of workspaces created on first use.
    #[arg(long, default_value = "eastus")]
    pub location: String,
    /// Dedicated vCPU quota per VM family and region.
    #[arg(long, default_value_t = 400)]
    pub family_quota: u64,
    /// How long-running operations answer: an `Azure-AsyncOperation` status, only a
    /// `Location`, or no header (the resource's state is the only signal).
    #[arg(long, value_enum, default_value_t = LroStyle::AzureAsyncOperation)]
    pub lro_style: LroStyle,
}

/// Where a started server listens.
#[derive(Debug, Clone)]
pub struct ServeInfo {
    pub https: SocketAddr,
    pub http: Option<SocketAddr>,
    pub ca_path: PathBuf,
}

impl std::fmt::Display for ServeInfo {
    /// The lines a person needs: where to connect and which CA to trust.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "amlform emulator listening on https://{}", self.https)?;
        if let Some(http) = self.http {
            writeln!(f, "                        and http://{http}")?;
        }
        writeln!(
            f,
            "trust its certificate authority: {}",
            self.ca_path.display()
        )?;
        write!(
            f,
            "any non-empty bearer token is accepted unless --token is given; Ctrl-C stops it"
        )
    }
}

impl ServeArgs {
    pub fn emulator(&self) -> io::Result<Emulator> {
        let mut builder = Emulator::builder()
            .provisioning_delay(self.provisioning_delay)
            .latency(self.latency)
            .faults(Faults {
                throttled: self.fail_429,
                internal_error: self.fail_500,
                unavailable: self.fail_503,
                failed_provisioning: self.fail_provisioning,
            })
            .seed(self.seed)
            .auto_create_workspaces(Some(&self.location))
            .family_quota(self.family_quota)
            .lro_style(self.lro_style);
        builder = if self.no_rate_limits {
            builder.without_rate_limits()
        } else {
            builder.rate_limits(RateLimits {
                read_burst: self.read_burst,
                read_refill_per_second: self.read_refill,
                write_burst: self.write_burst,
                write_refill_per_second: self.write_refill,
            })
        };
        if let Some(token) = &self.token {
            builder = builder.require_token(token);
        }
        if let Some(dir) = &self.state_dir {
            builder = builder.persist_in(dir);
        }
        builder.build()
    }

    fn tls_dir(&self) -> PathBuf {
        self.tls_dir
            .clone()
            .or_else(|| self.state_dir.clone())
            .unwrap_or_else(|| std::env::temp_dir().join("amlform-emulator"))
    }
}

/// Serves until `shutdown` completes, then lets in-flight requests finish.
/// `ready` is told where the server listens before the first request is accepted.
pub async fn serve(
    args: &ServeArgs,
    ready: impl FnOnce(&ServeInfo),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let emulator = args.emulator()?;
    let material = TlsMaterial::load_or_create(&args.tls_dir())?;
    let https_listener = TcpListener::bind((Ipv4Addr::LOCALHOST, args.port)).await?;
    let https_addr = https_listener.local_addr()?;
    let http_listener = match args.http_port {
        Some(port) => Some(TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?),
        None => None,
    };
    ready(&ServeInfo {
        https: https_addr,
        http: http_listener
            .as_ref()
            .map(TcpListener::local_addr)
            .transpose()?,
        ca_path: material.ca_path.clone(),
    });

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let wait = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    let https = axum::serve(
        TlsListener::new(https_listener, &material)?,
        emulator.https_router(),
    )
    .with_graceful_shutdown(wait(stopped.clone()));
    let http = http_listener.map(|listener| {
        axum::serve(listener, emulator.router()).with_graceful_shutdown(wait(stopped.clone()))
    });
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    match http {
        Some(http) => {
            let (https, http) = tokio::join!(https.into_future(), http.into_future());
            https.and(http)
        }
        None => https.await,
    }
}

/// `250ms`, `2s`, `1m`, or a bare number of milliseconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((text, "ms"), |index| text.split_at(index));
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration such as 500ms, 2s or 1m"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("'{text}' has an unknown unit; use ms, s or m")),
    };
    Ok(Duration::from_secs_f64(seconds))
}

fn parse_probability(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!("'{text}' is not a probability between 0 and 1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_probabilities_parse() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("40"), Ok(Duration::from_millis(40)));
        assert!(parse_duration("2h").is_err());
        assert!(parse_probability("1.5").is_err());
        assert_eq!(parse_probability("0.1"), Ok(0.1));
    }
}
