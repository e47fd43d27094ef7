//! File storage through object_store: a local directory by default, an S3-compatible bucket
//! later, one interface.

use std::io;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use super::StoreError;

#[derive(Clone)]
pub struct Blobs {
    inner: Arc<dyn ObjectStore>,
    /// Local files: how a put waits for the disk (see `DiskSync`).
    disk: Option<Arc<DiskSync>>,
}

fn err(e: object_store::Error) -> StoreError {
    StoreError::Config(format!("file storage: {e}"))
}

impl Blobs {
    pub fn local(dir: &Path) -> Result<Blobs, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
        Ok(Blobs {
            inner: Arc::new(LocalFileSystem::new_with_prefix(dir).map_err(err)?),
            disk: Some(Arc::new(DiskSync {
                dir: Arc::new(std::fs::File::open(dir).map_err(|e| {
                    StoreError::Config(format!("cannot open {}: {e}", dir.display()))
                })?),
                requests: OnceLock::new(),
            })),
        })
    }

    /// Where version `n` of a document's file lives.
    pub fn document_version(document_id: &str, n: i64) -> String {
        format!("documents/{document_id}/v{n}.pdf")
    }

    /// A fresh key for version `n` of a document's file, unique to the attempt that writes it.
    pub fn new_version_key(document_id: &str, n: i64) -> String {
        let attempt = &uuid::Uuid::new_v4().simple().to_string()[..12];
        format!("documents/{document_id}/v{n}-{attempt}.pdf")
    }

    /// Removes every object under `prefix` except `keep`.
    pub async fn delete_all_under(&self, prefix: &str, keep: &str) -> Result<(), StoreError> {
        use futures_util::TryStreamExt;
        let listed: Vec<object_store::ObjectMeta> = self
            .inner
            .list(Some(&ObjectPath::from(prefix)))
            .try_collect()
            .await
            .map_err(err)?;
        for meta in listed {
            if meta.location.as_ref() != keep {
                self.delete(meta.location.as_ref()).await?;
            }
        }
        Ok(())
    }

    /// Stores an object; when this returns it is on the disk (or in the bucket), so a commit
    /// that names it afterwards never outlives it.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.inner
            .put(&ObjectPath::from(key), PutPayload::from(bytes))
            .await
            .map_err(err)?;
        if let Some(disk) = &self.disk {
            disk.wait()
                .await
                .map_err(|e| StoreError::Config(format!("file storage: flushing to disk: {e}")))?;
        }
        Ok(())
    }

    /// Whether an object is stored, without reading it.
    pub async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        match self.inner.head(&ObjectPath::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(err(e)),
        }
    }

    /// Removes an object; one already gone counts as removed, so a purge can be repeated.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.inner.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(err(e)),
        }
    }

    /// Writes and removes a small object, for readiness. Not flushed to the disk: the probe
    /// asks whether the store takes writes, and a flush per probe would slow every put.
    pub async fn check_writable(&self) -> Result<(), StoreError> {
        let key = ObjectPath::from(format!("readiness/{}", uuid::Uuid::new_v4().simple()));
        self.inner
            .put(&key, PutPayload::from_static(b"ok"))
            .await
            .map_err(err)?;
        self.inner.delete(&key).await.map_err(err)
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let got = self.inner.get(&ObjectPath::from(key)).await.map_err(err)?;
        Ok(got.bytes().await.map_err(err)?.to_vec())
    }
}

/// Local files reach the disk before the transaction that names them commits: the database's
/// commit is durable, and after a power loss a document must not name a file the page cache
/// lost. `fsync` per file (object_store's `with_fsync`) cost creates 17–25 % on SQLite
/// (BENCHMARKS.md, session 8). Instead, puts that finish at the same moment share one
/// `syncfs` of the file system: a task takes every put waiting and only then starts the
/// flush, so each flush covers every write of the puts it answers.
struct DiskSync {
    /// The storage directory, held open: any descriptor on the file system names it.
    dir: Arc<std::fs::File>,
    /// Started by the first put, inside the runtime.
    requests: OnceLock<mpsc::UnboundedSender<oneshot::Sender<Result<(), String>>>>,
}

impl DiskSync {
    async fn wait(&self) -> Result<(), String> {
        let requests = self.requests.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(flush_groups(Arc::clone(&self.dir), rx));
            tx
        });
        let stopped = || "the disk flusher stopped".to_string();
        let (done, answer) = oneshot::channel();
        requests.send(done).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn flush_groups(
    dir: Arc<std::fs::File>,
    mut requests: mpsc::UnboundedReceiver<oneshot::Sender<Result<(), String>>>,
) {
    let mut waiting = Vec::new();
    while requests.recv_many(&mut waiting, 4096).await > 0 {
        let dir = Arc::clone(&dir);
        let flushed = tokio::task::spawn_blocking(move || sync_file_system(&dir))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        for done in waiting.drain(..) {
            let _ = done.send(flushed.clone());
        }
    }
}

/// Flushes the file system that holds `dir`: data and metadata (new directories, renames).
#[cfg(target_os = "linux")]
fn sync_file_system(dir: &std::fs::File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // Hand-written because std has no syncfs. SAFETY: `dir` keeps the descriptor open for the
    // call, and syncfs reads nothing but the descriptor.
    if unsafe { libc::syncfs(dir.as_raw_fd()) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Elsewhere, the directory's own flush: files' data may still be in the page cache.
#[cfg(not(target_os = "linux"))]
fn sync_file_system(dir: &std::fs::File) -> io::Result<()> {
    dir.sync_all()
}
