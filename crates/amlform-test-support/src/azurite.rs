//! Azurite, the official Blob Storage emulator, for the remote state's tests: started on a
//! free port with in-memory persistence, stopped when dropped. `.ci/run` installs it (pinned)
//! under `target/azurite`; `AMLFORM_AZURITE` names another `azurite-blob`. Without it a test
//! says so and passes, except under `CI=true`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The account the tests use. Its key is a canary: no output, blob or file may contain it.
pub const AZURITE_ACCOUNT: &str = "amlformstate";
/// base64 of `canary-account-key-7f3d9a1c-never-printed-anywhere!`.
pub const AZURITE_KEY: &str =
    "Y2FuYXJ5LWFjY291bnQta2V5LTdmM2Q5YTFjLW5ldmVyLXByaW50ZWQtYW55d2hlcmUh";

/// A running Azurite blob service.
#[derive(Debug)]
pub struct Azurite {
    child: Child,
    /// Its working directory (in-memory persistence writes nothing there, but it needs one).
    _workspace: tempfile::TempDir,
    /// `http://127.0.0.1:PORT/amlformstate`: the account's blob endpoint.
    pub endpoint: String,
}

fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("AMLFORM_AZURITE") {
        return Some(PathBuf::from(path)).filter(|path| path.exists());
    }
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    Some(workspace.join("target/azurite/node_modules/.bin/azurite-blob"))
        .filter(|path| path.exists())
}

impl Azurite {
    /// Starts Azurite, or says why not: `None` when it is not installed (a failure under
    /// `CI=true`, where `.ci/run` installs it).
    #[allow(clippy::print_stderr)] // the skip notice is for the person running the tests
    pub fn start(test: &str) -> Option<Azurite> {
        let Some(binary) = binary() else {
            if std::env::var("CI").is_ok_and(|value| value == "true") {
                panic!(
                    "CI=true but Azurite is not installed: .ci/run installs it (npm install --prefix target/azurite azurite@3.35.0)"
                );
            }
            eprintln!(
                "skipped {test}: it needs Azurite (`npm install --prefix target/azurite azurite@3.35.0`, as .ci/run does)"
            );
            return None;
        };
        let workspace = tempfile::tempdir().expect("a working directory for Azurite");
        let mut child = Command::new(binary)
            .args([
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                "0",
                "--inMemoryPersistence",
                "--silent",
                "--skipApiVersionCheck",
                "--disableTelemetry",
            ])
            .current_dir(workspace.path())
            .env(
                "AZURITE_ACCOUNTS",
                format!("{AZURITE_ACCOUNT}:{AZURITE_KEY}"),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Azurite starts");
        let stdout = child.stdout.take().expect("Azurite's stdout");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find("successfully listens on ") {
                    let _ = sender.send(
                        line[at + "successfully listens on ".len()..]
                            .trim()
                            .to_owned(),
                    );
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let address = receiver
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("Azurite did not start within 30 s"));
        Some(Azurite {
            child,
            _workspace: workspace,
            endpoint: format!("{}/{AZURITE_ACCOUNT}", address.trim_end_matches('/')),
        })
    }
}

impl Azurite {
    /// The `azurerm` settings of state `key` in `container` of the test account (signing in
    /// with its canary key), the container made if it is new.
    pub fn state(&self, container: &str, key: &str) -> amlform_remote_state::BlobSettings {
        let settings = amlform_remote_state::BlobSettings {
            storage_account_name: AZURITE_ACCOUNT.to_owned(),
            container_name: container.to_owned(),
            key: key.to_owned(),
            endpoint: self.endpoint.clone(),
            auth: amlform_remote_state::BlobAuth::AccessKey(AZURITE_KEY.to_owned()),
        };
        amlform_remote_state::RemoteStore::create_container(settings.clone())
            .expect("Azurite makes the container");
        settings
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
