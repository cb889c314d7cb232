//! `amlform emulator serve` as a separate process over plain HTTP: the service a workspace's
//! `endpoint` names, that tests also reach through the REST API as a script would.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The server, killed when dropped.
pub struct Standalone {
    child: std::process::Child,
    pub http: String,
    /// Kept open: the server prints to it, and would fail to on a closed pipe.
    _stdout: std::io::Lines<BufReader<std::process::ChildStdout>>,
    _dir: tempfile::TempDir,
}

impl Standalone {
    pub fn start() -> Standalone {
        let dir = amlform_test_support::scratch("standalone-emulator");
        let mut child = Command::new(env!("CARGO_BIN_EXE_amlform"))
            .args([
                "emulator",
                "serve",
                "--port",
                "0",
                "--http-port",
                "0",
                "--tls-dir",
            ])
            .arg(dir.path().join("tls"))
            .arg("--state-dir")
            .arg(dir.path().join("state"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let _https = lines.next().unwrap().unwrap();
        let http = lines.next().unwrap().unwrap();
        let http = format!("http://{}", http.rsplit("http://").next().unwrap().trim());
        Standalone {
            child,
            http,
            _stdout: lines,
            _dir: dir,
        }
    }

    /// PUTs `body` at `path` (under the endpoint) as a script with the REST API would.
    pub fn put(&self, path: &str, body: serde_json::Value) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = amlform_test_support::emulator_client(self.http.clone());
        runtime
            .block_on(client.send(amlform_azure::Method::PUT, path, Some(&body)))
            .unwrap_or_else(|error| panic!("PUT {path}: {error}"));
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
