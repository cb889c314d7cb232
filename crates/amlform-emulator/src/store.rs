//! The emulated service's data: workspaces, their computes, long-running operations, the
//! underlying resources computes are attached to, and quotas; optionally persisted.
//!
//! Persistence is an append-only journal of JSON lines (`journal.jsonl`): each change appends
//! the records it touched, so a change costs the size of those records, never the whole state.
//! Opening replays the journal, and rewrites it compacted once it has grown to more than
//! twice the records it describes. Secrets (passwords, keys, tokens
//! sent with an attach) are kept in memory only and never written.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const JOURNAL_FILE: &str = "journal.jsonl";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Workspace {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
    pub location: String,
    pub created_ms: u64,
}

impl Workspace {
    /// Case-insensitive identity, as ARM treats names.
    pub fn key(subscription: &str, resource_group: &str, name: &str) -> String {
        format!("{subscription}/{resource_group}/{name}").to_ascii_lowercase()
    }

    pub fn id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}",
            self.subscription, self.resource_group, self.name
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Compute {
    pub name: String,
    pub compute_type: String,
    pub location: String,
    pub description: Option<String>,
    pub resource_id: Option<String>,
    pub is_attached: bool,
    /// The type-specific `properties.properties` object as accepted, secrets removed.
    pub properties: Option<Value>,
    /// Other settable fields of `properties` (`computeLocation`, `disableLocalAuth`).
    pub settable: BTreeMap<String, Value>,
    pub identity: Option<Value>,
    pub tags: Option<Value>,
    pub sku: Option<Value>,
    pub provisioning_state: String,
    pub provisioning_errors: Vec<Value>,
    pub created_ms: u64,
    pub modified_ms: u64,
    /// A compute instance's power state (`Running`, `Stopped`, `Starting`, ...).
    pub instance_state: Option<String>,
    /// The operation in progress on this compute, if any.
    pub operation: Option<String>,
    /// Secrets sent with the request, for `listKeys`; memory only.
    #[serde(skip)]
    pub secrets: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Create,
    Update,
    Delete { delete_underlying: bool },
    Start,
    Stop,
    Restart,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperationStatus {
    InProgress,
    Succeeded,
    Failed,
}

impl OperationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationStatus::InProgress => "InProgress",
            OperationStatus::Succeeded => "Succeeded",
            OperationStatus::Failed => "Failed",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Operation {
    pub id: String,
    pub action: Action,
    pub workspace: String,
    pub compute: String,
    pub subscription: String,
    pub location: String,
    pub started_ms: u64,
    pub ready_ms: u64,
    /// Decided when the operation starts: the error it will end with, if it is to fail.
    pub planned_failure: Option<Value>,
    pub status: OperationStatus,
    pub error: Option<Value>,
    pub ended_ms: Option<u64>,
}

#[derive(Debug, Default)]
pub struct WorkspaceEntry {
    pub workspace: Option<Workspace>,
    /// By lower-cased name.
    pub computes: BTreeMap<String, Compute>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
enum JournalRecord {
    Workspace {
        workspace: Workspace,
    },
    Compute {
        workspace: String,
        compute: Box<Compute>,
    },
    ComputeRemoved {
        workspace: String,
        name: String,
    },
    Operation {
        operation: Operation,
    },
    Underlying {
        id: String,
        exists: bool,
    },
    WorkspaceQuota {
        id: String,
        limit: u64,
    },
}

#[derive(Debug, Default)]
pub struct Store {
    /// By workspace key ([`Workspace::key`]).
    pub workspaces: BTreeMap<String, WorkspaceEntry>,
    pub operations: HashMap<String, Operation>,
    /// Operations in progress, by the time they finish.
    pub pending: BTreeSet<(u64, String)>,
    /// Underlying resources seen by id (lower-cased): `true` while they exist.
    pub underlying: BTreeMap<String, bool>,
    /// Workspace-level quota limits set with `updateQuotas`, by quota id (lower-cased).
    pub workspace_quotas: BTreeMap<String, u64>,
    /// Cores each cluster holds against quota; every write to a compute touches it.
    pub quota: crate::quota_ledger::QuotaLedger,
    journal: Option<File>,
}

impl Store {
    pub fn in_memory() -> Self {
        Store::default()
    }

    /// Opens (or starts) the state persisted in `dir`. A torn last line, as a killed process
    /// can leave, is dropped; anything after a line that does not parse is reported.
    pub fn open(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let path = dir.join(JOURNAL_FILE);
        let mut store = Store::default();
        let mut lines_read = 0;
        let mut torn = false;
        if path.exists() {
            let reader = BufReader::new(File::open(&path)?);
            let lines: Vec<String> = reader.lines().collect::<Result<_, _>>()?;
            let last = lines.len().saturating_sub(1);
            for (index, line) in lines.iter().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                lines_read += 1;
                match serde_json::from_str::<JournalRecord>(line) {
                    Ok(record) => store.replay(record),
                    Err(_) if index == last => torn = true,
                    Err(error) => {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("{}:{}: {error}", path.display(), index + 1),
                        ));
                    }
                }
            }
        }
        // Rewrite only when the journal has grown well past what it describes (or ends torn),
        // so opening an unchanged world costs a read, not a rewrite.
        let live = store.snapshot().len();
        if torn || lines_read > 2 * live + 64 || !path.exists() {
            store.compact(&path)?;
        } else {
            store.journal = Some(OpenOptions::new().append(true).open(&path)?);
        }
        Ok(store)
    }

    fn replay(&mut self, record: JournalRecord) {
        match record {
            JournalRecord::Workspace { workspace } => {
                let key = Workspace::key(
                    &workspace.subscription,
                    &workspace.resource_group,
                    &workspace.name,
                );
                self.workspaces.entry(key).or_default().workspace = Some(workspace);
            }
            JournalRecord::Compute { workspace, compute } => {
                self.quota.touch(&workspace, &compute.name);
                let entry = self.workspaces.entry(workspace).or_default();
                entry
                    .computes
                    .insert(compute.name.to_ascii_lowercase(), *compute);
            }
            JournalRecord::ComputeRemoved { workspace, name } => {
                self.quota.touch(&workspace, &name);
                if let Some(entry) = self.workspaces.get_mut(&workspace) {
                    entry.computes.remove(&name);
                }
            }
            JournalRecord::Operation { operation } => {
                if operation.status == OperationStatus::InProgress {
                    self.pending
                        .insert((operation.ready_ms, operation.id.clone()));
                } else {
                    self.pending
                        .remove(&(operation.ready_ms, operation.id.clone()));
                }
                self.operations.insert(operation.id.clone(), operation);
            }
            JournalRecord::Underlying { id, exists } => {
                self.underlying.insert(id, exists);
            }
            JournalRecord::WorkspaceQuota { id, limit } => {
                self.workspace_quotas.insert(id, limit);
            }
        }
    }

    /// Rewrites the journal with one record per live item, then keeps appending to it.
    fn compact(&mut self, path: &Path) -> io::Result<()> {
        let temporary: PathBuf = path.with_extension("jsonl.tmp");
        {
            let mut file = io::BufWriter::new(File::create(&temporary)?);
            for record in self.snapshot() {
                serde_json::to_writer(&mut file, &record)?;
                file.write_all(b"\n")?;
            }
            file.flush()?;
            file.get_ref().sync_all()?;
        }
        fs::rename(&temporary, path)?;
        self.journal = Some(OpenOptions::new().append(true).open(path)?);
        Ok(())
    }

    fn snapshot(&self) -> Vec<JournalRecord> {
        let mut records = Vec::new();
        for (key, entry) in &self.workspaces {
            if let Some(workspace) = &entry.workspace {
                records.push(JournalRecord::Workspace {
                    workspace: workspace.clone(),
                });
            }
            for compute in entry.computes.values() {
                records.push(JournalRecord::Compute {
                    workspace: key.clone(),
                    compute: Box::new(compute.clone()),
                });
            }
        }
        let mut operations: Vec<&Operation> = self.operations.values().collect();
        operations.sort_by(|a, b| (a.started_ms, &a.id).cmp(&(b.started_ms, &b.id)));
        records.extend(
            operations
                .into_iter()
                .map(|operation| JournalRecord::Operation {
                    operation: operation.clone(),
                }),
        );
        records.extend(
            self.underlying
                .iter()
                .map(|(id, exists)| JournalRecord::Underlying {
                    id: id.clone(),
                    exists: *exists,
                }),
        );
        records.extend(self.workspace_quotas.iter().map(|(id, limit)| {
            JournalRecord::WorkspaceQuota {
                id: id.clone(),
                limit: *limit,
            }
        }));
        records
    }

    fn append(&mut self, record: &JournalRecord) -> io::Result<()> {
        if let Some(file) = &mut self.journal {
            let mut line = serde_json::to_vec(record)?;
            line.push(b'\n');
            file.write_all(&line)?;
        }
        Ok(())
    }

    pub fn workspace(&self, key: &str) -> Option<&Workspace> {
        self.workspaces
            .get(key)
            .and_then(|entry| entry.workspace.as_ref())
    }

    pub fn put_workspace(&mut self, workspace: Workspace) -> io::Result<()> {
        let key = Workspace::key(
            &workspace.subscription,
            &workspace.resource_group,
            &workspace.name,
        );
        self.append(&JournalRecord::Workspace {
            workspace: workspace.clone(),
        })?;
        self.workspaces.entry(key).or_default().workspace = Some(workspace);
        Ok(())
    }

    pub fn compute(&self, workspace: &str, name: &str) -> Option<&Compute> {
        self.workspaces
            .get(workspace)
            .and_then(|entry| entry.computes.get(&name.to_ascii_lowercase()))
    }

    pub fn compute_mut(&mut self, workspace: &str, name: &str) -> Option<&mut Compute> {
        self.quota.touch(workspace, name);
        self.workspaces
            .get_mut(workspace)
            .and_then(|entry| entry.computes.get_mut(&name.to_ascii_lowercase()))
    }

    pub fn computes(&self, workspace: &str) -> impl Iterator<Item = &Compute> {
        self.workspaces
            .get(workspace)
            .into_iter()
            .flat_map(|entry| entry.computes.values())
    }

    /// The workspace's computes whose key (the lowercased name) sorts after `after`, in order:
    /// where a list page resumes, without walking the pages before it.
    pub fn computes_after<'a>(
        &'a self,
        workspace: &str,
        after: Option<&str>,
    ) -> impl Iterator<Item = &'a Compute> {
        use std::ops::Bound;
        let start = after.map_or(Bound::Unbounded, |name| Bound::Excluded(name.to_owned()));
        self.workspaces
            .get(workspace)
            .into_iter()
            .flat_map(move |entry| {
                entry
                    .computes
                    .range((start.clone(), Bound::Unbounded))
                    .map(|(_, compute)| compute)
            })
    }

    /// Every compute with the workspace it is in.
    pub fn all_computes(&self) -> impl Iterator<Item = (&Workspace, &Compute)> {
        self.workspaces.values().flat_map(|entry| {
            entry.workspace.iter().flat_map(move |workspace| {
                entry
                    .computes
                    .values()
                    .map(move |compute| (workspace, compute))
            })
        })
    }

    pub fn put_compute(&mut self, workspace: &str, compute: Compute) -> io::Result<()> {
        self.quota.touch(workspace, &compute.name);
        self.append(&JournalRecord::Compute {
            workspace: workspace.to_owned(),
            compute: Box::new(compute.clone()),
        })?;
        self.workspaces
            .entry(workspace.to_owned())
            .or_default()
            .computes
            .insert(compute.name.to_ascii_lowercase(), compute);
        Ok(())
    }

    /// Journals the current record of a compute changed through [`Store::compute_mut`].
    pub fn save_compute(&mut self, workspace: &str, name: &str) -> io::Result<()> {
        match self.compute(workspace, name).cloned() {
            Some(compute) => self.append(&JournalRecord::Compute {
                workspace: workspace.to_owned(),
                compute: Box::new(compute),
            }),
            None => Ok(()),
        }
    }

    pub fn remove_compute(&mut self, workspace: &str, name: &str) -> io::Result<Option<Compute>> {
        self.quota.touch(workspace, name);
        let name = name.to_ascii_lowercase();
        self.append(&JournalRecord::ComputeRemoved {
            workspace: workspace.to_owned(),
            name: name.clone(),
        })?;
        Ok(self
            .workspaces
            .get_mut(workspace)
            .and_then(|entry| entry.computes.remove(&name)))
    }

    pub fn put_operation(&mut self, operation: Operation) -> io::Result<()> {
        self.append(&JournalRecord::Operation {
            operation: operation.clone(),
        })?;
        let key = (operation.ready_ms, operation.id.clone());
        if operation.status == OperationStatus::InProgress {
            self.pending.insert(key);
        } else {
            self.pending.remove(&key);
        }
        self.operations.insert(operation.id.clone(), operation);
        Ok(())
    }

    /// Ids of the operations due by `now`, earliest first.
    pub fn due_operations(&self, now: u64) -> Vec<String> {
        self.pending
            .iter()
            .take_while(|(ready, _)| *ready <= now)
            .map(|(_, id)| id.clone())
            .collect()
    }

    pub fn set_underlying(&mut self, id: &str, exists: bool) -> io::Result<()> {
        let id = id.to_ascii_lowercase();
        self.append(&JournalRecord::Underlying {
            id: id.clone(),
            exists,
        })?;
        self.underlying.insert(id, exists);
        Ok(())
    }

    pub fn set_workspace_quota(&mut self, id: &str, limit: u64) -> io::Result<()> {
        let id = id.to_ascii_lowercase();
        self.append(&JournalRecord::WorkspaceQuota {
            id: id.clone(),
            limit,
        })?;
        self.workspace_quotas.insert(id, limit);
        Ok(())
    }
}
