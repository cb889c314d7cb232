//! The `azurerm` backend as a team uses it, against Azurite (the official Blob Storage
//! emulator) and one emulated compute service: two directories share one state, a lock is
//! reported with its holder, a killed holder's lock frees itself, the backend moves with
//! `init -migrate-state`, and no secret reaches a blob or an output.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use amlform_emulator::Emulator;
use amlform_remote_state::{BlobSettings, RemoteStore};
use amlform_state::StateStore;
use amlform_test_support::{AZURITE_ACCOUNT, AZURITE_KEY, Azurite, describe};

/// A canary in a secret attribute: it must appear in no blob and no output.
const CANARY_PASSWORD: &str = "Canary-Pa55word-9f3e1b7d";
/// Canaries for every other kind of secret: a token, an admin password, a key file's
/// contents and its passphrase.
const CANARY_TOKEN: &str = "dapi-canary-token-5c1e2a9b";
const CANARY_ADMIN: &str = "Canary-Admin-77d0c3e1";
const CANARY_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\ncanary-key-body-31b8f0\n-----END OPENSSH PRIVATE KEY-----\n";
const CANARY_PASSPHRASE: &str = "canary-passphrase-a4e97c";

/// A compute of each other secret-bearing kind, its secrets from the canaries.
const EVERY_SECRET: &str = r#"
variable "dbx_token" {
  type      = string
  sensitive = true
}

variable "admin_password" {
  type      = string
  sensitive = true
}

variable "key_passphrase" {
  type      = string
  sensitive = true
}

databricks_compute "dbx" {
  name           = "team-dbx"
  workspace_name = "dbx-analytics"
  resource_group = "dbx-rg"
  access_token   = var.dbx_token
}

aml_compute "admin" {
  name                = "team-admin"
  vm_size             = "STANDARD_D2_V2"
  max_nodes           = 1
  admin_username      = "azureuser"
  admin_user_password = var.admin_password
}

remote_compute "keyed" {
  name                   = "team-keyed"
  resource_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-rg/providers/Microsoft.Compute/virtualMachines/team-keyed"
  username               = "azureuser"
  private_key_file       = "team.key"
  private_key_passphrase = var.key_passphrase
}
"#;

/// The compute service both directories use, served on a loopback port.
struct Service {
    emulator: Emulator,
    url: String,
    _runtime: tokio::runtime::Runtime,
}

fn service(delay: Duration) -> Service {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emulator = Emulator::builder()
        .without_rate_limits()
        .provisioning_delay(delay)
        .auto_create_workspaces(Some("eastus"))
        .build()
        .unwrap();
    let url = runtime.block_on(amlform_test_support::serve_emulator(&emulator));
    Service {
        emulator,
        url,
        _runtime: runtime,
    }
}

fn backend_block(azurite: &Azurite, key: &str) -> String {
    format!(
        "backend \"azurerm\" {{\n  storage_account_name = \"{AZURITE_ACCOUNT}\"\n  container_name       = \"amlform\"\n  key                  = \"{key}\"\n  endpoint             = \"{}\"\n}}\n",
        azurite.endpoint
    )
}

/// `clusters` CPU clusters, the second half each depending on one of the first, and an
/// attached VM whose password is the canary.
fn computes(service: &Service, clusters: usize) -> String {
    computes_in(service, "ml-team", clusters)
}

fn computes_in(service: &Service, workspace: &str, clusters: usize) -> String {
    let mut text = format!(
        "workspace \"dev\" {{\n  name           = \"{workspace}\"\n  resource_group = \"ml-rg\"\n  location       = \"eastus\"\n  endpoint       = \"{}\"\n}}\n\nvariable \"vm_password\" {{\n  type      = string\n  sensitive = true\n}}\n\nremote_compute \"vm\" {{\n  name        = \"team-vm\"\n  resource_id = \"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-rg/providers/Microsoft.Compute/virtualMachines/team-vm\"\n  ssh_port    = 22\n  username    = \"azureuser\"\n  password    = var.vm_password\n}}\n",
        service.url
    );
    for n in 0..clusters {
        let depends = if n >= clusters / 2 {
            format!("  depends_on = [aml_compute.c{}]\n", n - clusters / 2)
        } else {
            String::new()
        };
        text.push_str(&format!(
            "\naml_compute \"c{n}\" {{\n  name      = \"c{n}\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n{depends}}}\n"
        ));
    }
    text
}

fn amlform(dir: &Path, args: &[&str]) -> Output {
    crate::cli()
        .env("ARM_ACCESS_KEY", AZURITE_KEY)
        .env("AMLFORM_ACCESS_TOKEN", "t")
        .env("AMLFORM_VAR_vm_password", CANARY_PASSWORD)
        .env("AMLFORM_VAR_dbx_token", CANARY_TOKEN)
        .env("AMLFORM_VAR_admin_password", CANARY_ADMIN)
        .env("AMLFORM_VAR_key_passphrase", CANARY_PASSPHRASE)
        .run(dir, args)
}

fn succeeds(dir: &Path, args: &[&str]) -> String {
    let output = amlform(dir, args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "amlform {}: {}",
        args.join(" "),
        describe(&output)
    );
    assert_no_secret(&describe(&output), &format!("amlform {}", args.join(" ")));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn assert_no_secret(text: &str, what: &str) {
    let key_body = CANARY_KEY.lines().nth(1).unwrap();
    for secret in [
        CANARY_PASSWORD,
        CANARY_TOKEN,
        CANARY_ADMIN,
        key_body,
        CANARY_PASSPHRASE,
        AZURITE_KEY,
    ] {
        assert!(!text.contains(secret), "{what} shows a secret:\n{text}");
    }
}

fn blob_settings(azurite: &Azurite, key: &str) -> BlobSettings {
    azurite.state("amlform", key)
}

fn azurite(test: &str) -> Option<Azurite> {
    let azurite = Azurite::start(test)?;
    blob_settings(&azurite, "unused");
    Some(azurite)
}

/// Azurite, a service, and a directory with two clusters initialized on state `key`.
fn initialized(test: &str, key: &str) -> Option<(Azurite, Service, tempfile::TempDir)> {
    let azurite = azurite(test)?;
    let service = service(Duration::ZERO);
    let config = format!("{}{}", backend_block(&azurite, key), computes(&service, 2));
    let dir = directory(&key.replace('.', "-"), &config);
    succeeds(dir.path(), &["init"]);
    Some((azurite, service, dir))
}

fn directory(name: &str, config: &str) -> tempfile::TempDir {
    let temp = amlform_test_support::scratch(name);
    std::fs::write(temp.path().join("main.aml.hcl"), config).unwrap();
    temp
}

#[test]
fn two_directories_share_one_remote_state() {
    let Some(azurite) = azurite("two_directories_share_one_remote_state") else {
        return;
    };
    let service = service(Duration::ZERO);
    let config = format!(
        "{}{}{EVERY_SECRET}",
        backend_block(&azurite, "team.amlstate"),
        computes(&service, 6)
    );
    let (first, second) = (
        directory("remote-a", &config),
        directory("remote-b", &config),
    );
    for dir in [&first, &second] {
        std::fs::write(dir.path().join("team.key"), CANARY_KEY).unwrap();
    }

    // Before `init`, every command refuses rather than read an empty local state.
    let refused = amlform(first.path(), &["plan"]);
    assert_eq!(refused.status.code(), Some(1), "{}", describe(&refused));
    assert!(
        describe(&refused).contains("amlform init"),
        "{}",
        describe(&refused)
    );

    let init = succeeds(first.path(), &["init"]);
    assert!(init.contains("created a new state"), "{init}");
    succeeds(first.path(), &["apply", "-auto-approve"]);
    let init = succeeds(second.path(), &["init"]);
    assert!(init.contains("is reachable"), "{init}");
    let plan = amlform(second.path(), &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", describe(&plan));
    assert!(
        !second.path().join(".amlform/state").exists(),
        "no local state"
    );

    // The same records, from either directory.
    let list = |dir: &Path| succeeds(dir, &["state", "list"]);
    assert_eq!(list(first.path()), list(second.path()));
    assert_eq!(list(first.path()).lines().count(), 10);
    assert_eq!(service.emulator.computes().len(), 10);

    // No blob holds a secret (a password, a token, a key file's contents or passphrase, the
    // account key), nor does its metadata.
    let settings = blob_settings(&azurite, "team.amlstate");
    let blobs = RemoteStore::blobs(settings).unwrap();
    assert!(blobs.len() >= 2, "the snapshot and a journal");
    for (name, bytes) in blobs {
        assert_no_secret(&String::from_utf8_lossy(&bytes), &name);
    }
}

#[test]
fn a_held_lock_is_reported_with_its_holder_and_force_unlock_frees_it() {
    let Some((azurite, _service, dir)) = initialized("a_held_lock_is_reported", "lock.amlstate")
    else {
        return;
    };
    let held = RemoteStore::open(
        blob_settings(&azurite, "lock.amlstate"),
        "apply",
        Duration::ZERO,
    )
    .unwrap();
    let id = held.lock_info().id.clone();

    let started = Instant::now();
    let plan = amlform(dir.path(), &["plan"]);
    let shown = describe(&plan);
    assert_eq!(plan.status.code(), Some(1), "{shown}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "reported within seconds"
    );
    assert!(
        shown.contains("is locked by") && shown.contains("`apply`"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("amlform force-unlock {id}")),
        "{shown}"
    );

    // It asks first; anything but `yes` unlocks nothing.
    let mut asked = crate::cli()
        .env("ARM_ACCESS_KEY", AZURITE_KEY)
        .command(dir.path(), &["force-unlock", &id])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    asked.stdin.take().unwrap().write_all(b"no\n").unwrap();
    let asked = asked.wait_with_output().unwrap();
    let shown = describe(&asked);
    assert_eq!(asked.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("Only 'yes' will be accepted") && shown.contains("Nothing was unlocked"),
        "{shown}"
    );
    assert!(
        RemoteStore::holder(blob_settings(&azurite, "lock.amlstate"))
            .unwrap()
            .is_some()
    );

    let wrong = amlform(
        dir.path(),
        &["force-unlock", "-force", "00000000-not-the-id"],
    );
    assert_eq!(wrong.status.code(), Some(1), "{}", describe(&wrong));
    let unlocked = succeeds(dir.path(), &["force-unlock", "-force", &id]);
    assert!(unlocked.contains("unlocked"), "{unlocked}");
    succeeds(dir.path(), &["plan"]);
    drop(held);
}

#[test]
fn the_state_moves_between_backends_with_init_migrate_state() {
    let Some(azurite) = azurite("the_state_moves_between_backends") else {
        return;
    };
    let service = service(Duration::ZERO);
    let local = computes(&service, 2);
    let dir = directory("remote-migrate", &local);
    succeeds(dir.path(), &["apply", "-auto-approve"]);
    let before = succeeds(dir.path(), &["state", "pull"]);

    // Local to azurerm: refused until init, then copied with lineage and serial.
    std::fs::write(
        dir.path().join("main.aml.hcl"),
        format!("{}{local}", backend_block(&azurite, "moved.amlstate")),
    )
    .unwrap();
    let refused = amlform(dir.path(), &["init"]);
    assert!(
        describe(&refused).contains("-migrate-state"),
        "{}",
        describe(&refused)
    );
    let migrated = succeeds(dir.path(), &["init", "-migrate-state"]);
    assert!(
        migrated.contains("the copy was read back and matches"),
        "{migrated}"
    );
    assert_eq!(succeeds(dir.path(), &["state", "pull"]), before);
    let plan = amlform(dir.path(), &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", describe(&plan));

    // One key to another.
    std::fs::write(
        dir.path().join("main.aml.hcl"),
        format!("{}{local}", backend_block(&azurite, "other.amlstate")),
    )
    .unwrap();
    let refused = amlform(dir.path(), &["plan"]);
    assert!(
        describe(&refused).contains("the backend changed"),
        "{}",
        describe(&refused)
    );
    succeeds(dir.path(), &["init", "-migrate-state"]);
    assert_eq!(succeeds(dir.path(), &["state", "pull"]), before);

    // And back to local.
    std::fs::write(dir.path().join("main.aml.hcl"), &local).unwrap();
    let refused = amlform(dir.path(), &["state", "list"]);
    assert!(
        describe(&refused).contains("the backend changed"),
        "{}",
        describe(&refused)
    );
    succeeds(dir.path(), &["init", "-migrate-state"]);
    assert_eq!(succeeds(dir.path(), &["state", "pull"]), before);
    let plan = amlform(dir.path(), &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", describe(&plan));
}

#[test]
fn state_push_refuses_another_lineage_and_an_older_serial() {
    let Some((azurite, _service, dir)) = initialized("state_push", "push.amlstate") else {
        return;
    };
    succeeds(dir.path(), &["apply", "-auto-approve"]);
    let pulled = succeeds(dir.path(), &["state", "pull"]);
    std::fs::write(dir.path().join("pulled.json"), &pulled).unwrap();
    succeeds(dir.path(), &["state", "rm", "aml_compute.c1"]);
    // Older than the state now.
    let older = amlform(dir.path(), &["state", "push", "pulled.json"]);
    assert!(
        describe(&older).contains("older than the state"),
        "{}",
        describe(&older)
    );
    let other = pulled.replace(
        &serde_json::from_str::<serde_json::Value>(&pulled).unwrap()["lineage"]
            .as_str()
            .unwrap()
            .to_owned(),
        "0123456789abcdef0123456789abcdef",
    );
    std::fs::write(dir.path().join("other.json"), other).unwrap();
    let foreign = amlform(dir.path(), &["state", "push", "other.json"]);
    assert!(
        describe(&foreign).contains("belongs to lineage"),
        "{}",
        describe(&foreign)
    );
    succeeds(dir.path(), &["state", "push", "-force", "pulled.json"]);
    assert_eq!(succeeds(dir.path(), &["state", "list"]).lines().count(), 3);
    let plan = amlform(dir.path(), &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", describe(&plan));
    let store = RemoteStore::open(
        blob_settings(&azurite, "push.amlstate"),
        "test",
        Duration::ZERO,
    )
    .unwrap();
    assert_eq!(store.records().unwrap().len(), 3);
}

/// An apply on the remote backend, killed with SIGKILL at a random moment, 20 times: while
/// it runs another directory is told who holds the lock; once killed, the lock frees itself
/// when the lease ends (15 s here, `AMLFORM_STATE_LEASE_SECONDS`; 60 s by default), and the
/// other directory's apply, waiting with `-lock-timeout`, converges with no duplicate and no
/// lost compute. The 20 rounds run at once, each on its own key and workspace.
#[test]
fn a_killed_holder_frees_the_lock_by_itself_and_the_next_apply_converges() {
    if !amlform_test_support::slow_tests_enabled(
        "a_killed_holder_frees_the_lock_by_itself_and_the_next_apply_converges",
    ) {
        return;
    }
    let Some(azurite) = azurite("a_killed_holder_frees_the_lock") else {
        return;
    };
    let service = service(Duration::from_secs(3));
    let rounds: Vec<usize> = (0..20).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = rounds
            .iter()
            .map(|&round| {
                let (azurite, service) = (&azurite, &service);
                scope.spawn(move || killed_round(azurite, service, round))
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    });
}

fn killed_round(azurite: &Azurite, service: &Service, round: usize) {
    use std::io::{BufRead, BufReader};
    let key = format!("crash-{round}.amlstate");
    let workspace = format!("ml-crash-{round}");
    let config = format!(
        "{}{}",
        backend_block(azurite, &key),
        computes_in(service, &workspace, 8)
    );
    let (first, second) = (
        directory(&format!("crash-a{round}"), &config),
        directory(&format!("crash-b{round}"), &config),
    );
    succeeds(first.path(), &["init"]);
    succeeds(second.path(), &["init"]);
    let mut holder = crate::cli()
        .env("ARM_ACCESS_KEY", AZURITE_KEY)
        .env("AMLFORM_ACCESS_TOKEN", "t")
        .env("AMLFORM_VAR_vm_password", CANARY_PASSWORD)
        .env("AMLFORM_STATE_LEASE_SECONDS", "15")
        .command(first.path(), &["apply", "-auto-approve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(holder.stdout.take().unwrap()).lines();
    // Until the first operation starts: the lock is held from before the plan.
    for line in lines.by_ref() {
        if line.unwrap().contains("Creating...") {
            break;
        }
    }
    let started = Instant::now();
    let plan = amlform(second.path(), &["plan"]);
    let shown = describe(&plan);
    assert_eq!(plan.status.code(), Some(1), "round {round}: {shown}");
    assert!(
        shown.contains(&format!("(pid {})", holder.id())) && shown.contains("`apply`"),
        "round {round}: names the holder: {shown}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "round {round}: within seconds"
    );
    // A moment within the apply's three seconds of provisioning, different each round.
    std::thread::sleep(Duration::from_millis(((round as u64) * 7_919) % 2_500));
    holder.kill().unwrap();
    holder.wait().unwrap();
    std::thread::spawn(move || lines.for_each(drop));

    succeeds(
        second.path(),
        &["apply", "-auto-approve", "-lock-timeout", "45s"],
    );
    let plan = amlform(second.path(), &["plan", "-detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "round {round}: {}",
        describe(&plan)
    );
    let store = RemoteStore::open(blob_settings(azurite, &key), "test", Duration::ZERO).unwrap();
    let mut recorded: Vec<String> = store
        .records()
        .unwrap()
        .into_iter()
        .map(|record| {
            assert_eq!(
                record.status,
                amlform_state::RecordStatus::Ready,
                "round {round}"
            );
            record.arm_id.unwrap().to_lowercase()
        })
        .collect();
    recorded.sort();
    let mut service_ids: Vec<String> = service
        .emulator
        .computes()
        .into_iter()
        .map(|compute| compute["id"].as_str().unwrap().to_lowercase())
        .filter(|id| id.contains(&format!("/workspaces/{workspace}/")))
        .collect();
    service_ids.sort();
    assert_eq!(recorded.len(), 9, "round {round}: {recorded:?}");
    assert_eq!(
        recorded, service_ids,
        "round {round}: state and service agree"
    );
}

/// A SAS token (Terraform's second choice) works as the key does and is never shown; a wrong
/// key is refused naming the account, the container and what failed, and shows no key.
#[test]
fn a_sas_token_signs_in_and_a_wrong_key_is_a_clear_error() {
    let Some(azurite) = azurite("a_sas_token_signs_in") else {
        return;
    };
    let service = service(Duration::ZERO);
    let config = format!(
        "{}{}",
        backend_block(&azurite, "sas.amlstate"),
        computes(&service, 2)
    );
    let dir = directory("remote-sas", &config);
    let token = amlform_remote_state::sign_account_sas(
        AZURITE_ACCOUNT,
        AZURITE_KEY,
        std::time::SystemTime::now(),
        false,
    )
    .unwrap();
    let signature = token.rsplit("sig=").next().unwrap().to_owned();
    let with_token = |args: &[&str]| {
        crate::cli()
            .env("ARM_SAS_TOKEN", &token)
            .env("AMLFORM_ACCESS_TOKEN", "t")
            .env("AMLFORM_VAR_vm_password", CANARY_PASSWORD)
            .run(dir.path(), args)
    };
    for args in [
        &["init"][..],
        &["apply", "-auto-approve"],
        &["state", "list"],
    ] {
        let output = with_token(args);
        let shown = describe(&output);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {shown}");
        assert!(
            !shown.contains(&signature) && !shown.contains(CANARY_PASSWORD),
            "{shown}"
        );
    }

    // No key and no token: Entra ID, which a plain-HTTP endpoint cannot take.
    let output = crate::cli()
        .env("AMLFORM_ACCESS_TOKEN", "t")
        .run(dir.path(), &["state", "list"]);
    let shown = describe(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("sign in with an account key or a SAS token"),
        "{shown}"
    );

    let wrong_key = "d3Jvbmcta2V5LWNhbmFyeS0xMjM0NTY3ODkwYWJjZGVm";
    let output = crate::cli()
        .env("ARM_ACCESS_KEY", wrong_key)
        .env("AMLFORM_ACCESS_TOKEN", "t")
        .env("AMLFORM_VAR_vm_password", CANARY_PASSWORD)
        .run(dir.path(), &["plan"]);
    let shown = describe(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains(&format!("{AZURITE_ACCOUNT}/amlform/sas.amlstate")),
        "{shown}"
    );
    assert!(shown.contains("403"), "{shown}");
    assert!(shown.contains("check the account key"), "{shown}");
    assert!(!shown.contains(wrong_key), "{shown}");
}

/// Every command that reads or writes the state, on the remote backend: a saved plan applied,
/// a saved plan refused once the remote state has a newer serial, refresh, output, import,
/// state show / mv / history, destroy.
#[test]
fn every_state_command_works_on_the_remote_backend() {
    let Some(azurite) = azurite("every_state_command_works_on_the_remote_backend") else {
        return;
    };
    let service = service(Duration::ZERO);
    let computes = computes(&service, 2);
    let output = "output \"c0_id\" {\n  value = aml_compute.c0.id\n}\n";
    let config = format!(
        "{}{computes}{output}",
        backend_block(&azurite, "all.amlstate")
    );
    let dir = directory("remote-all", &config);
    let path = dir.path();
    succeeds(path, &["init"]);
    succeeds(path, &["plan", "-out", "first.plan"]);
    let applied = succeeds(path, &["apply", "first.plan"]);
    assert!(
        applied.contains("Apply complete! Resources: 3 added"),
        "{applied}"
    );

    // A plan saved, then another apply lands first: the saved one is stale.
    let edit = |from: &str, to: &str| {
        let text = std::fs::read_to_string(path.join("main.aml.hcl")).unwrap();
        std::fs::write(path.join("main.aml.hcl"), text.replacen(from, to, 1)).unwrap();
    };
    edit("max_nodes = 1", "max_nodes = 2");
    succeeds(path, &["plan", "-out", "second.plan"]);
    let other = directory(
        "remote-all-other",
        &std::fs::read_to_string(path.join("main.aml.hcl")).unwrap(),
    );
    succeeds(other.path(), &["init"]);
    succeeds(other.path(), &["apply", "-auto-approve"]);
    let stale = amlform(path, &["apply", "second.plan"]);
    assert_eq!(stale.status.code(), Some(1), "{}", describe(&stale));
    assert!(
        describe(&stale).contains("is stale"),
        "{}",
        describe(&stale)
    );

    let shown = succeeds(path, &["output", "c0_id"]);
    assert!(shown.contains("/computes/c0"), "{shown}");
    succeeds(path, &["refresh"]);
    let record = succeeds(path, &["state", "show", "aml_compute.c0"]);
    assert!(record.contains("max_nodes"), "{record}");

    // Forgotten, then adopted again with `import`.
    let id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-team/computes/c0";
    succeeds(path, &["state", "rm", "aml_compute.c0"]);
    succeeds(path, &["import", "aml_compute.c0", id]);
    succeeds(
        path,
        &["state", "mv", "aml_compute.c1", "aml_compute.renamed"],
    );
    succeeds(
        path,
        &["state", "mv", "aml_compute.renamed", "aml_compute.c1"],
    );
    let history = succeeds(path, &["state", "history"]);
    for operation in ["apply", "state rm", "import", "state mv"] {
        assert!(history.contains(operation), "{operation}: {history}");
    }
    let plan = amlform(path, &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", describe(&plan));

    let destroyed = succeeds(path, &["destroy", "-auto-approve"]);
    assert!(destroyed.contains("Destroy complete!"), "{destroyed}");
    assert!(succeeds(path, &["state", "list"]).is_empty());
    assert!(succeeds(other.path(), &["state", "list"]).is_empty());
    assert!(!path.join(".amlform/state").exists());
}
