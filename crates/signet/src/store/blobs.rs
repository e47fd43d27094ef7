//! File storage through object_store: a local directory by default or an S3-compatible
//! bucket (`SIGNET_STORAGE_URL`), one interface.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
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

/// Where `SIGNET_STORAGE_URL` puts the files.
#[derive(Debug, PartialEq, Eq)]
enum Location {
    Local(PathBuf),
    S3 { bucket: String, prefix: String },
}

const URL_FORMS: &str = "file://DIRECTORY or s3://BUCKET/PREFIX";

impl Location {
    /// The messages name the variable and never echo the whole URL: a secret misplaced in it
    /// must not reach the log.
    fn parse(url: &str) -> Result<Location, String> {
        if let Some(dir) = url.strip_prefix("file://") {
            if dir.is_empty() {
                return Err(format!(
                    "SIGNET_STORAGE_URL file:// names no directory (use {URL_FORMS})"
                ));
            }
            return Ok(Location::Local(PathBuf::from(dir)));
        }
        let Some(rest) = url.strip_prefix("s3://") else {
            let scheme = url.split_once(':').map_or("", |(s, _)| s);
            return Err(format!(
                "SIGNET_STORAGE_URL must be {URL_FORMS}, not a {scheme:?} URL"
            ));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!(
                "SIGNET_STORAGE_URL s3:// names no bucket (use {URL_FORMS})"
            ));
        }
        if bucket.contains('@') {
            return Err(
                "SIGNET_STORAGE_URL holds no credentials: S3 reads them from \
                 AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                    .into(),
            );
        }
        // S3's rule for bucket names, which S3-compatible servers follow too.
        let bucket_char =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-';
        let edge =
            |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !(3..=63).contains(&bucket.len())
            || !bucket.chars().all(bucket_char)
            || !edge(bucket.chars().next())
            || !edge(bucket.chars().last())
        {
            return Err(format!(
                "SIGNET_STORAGE_URL: {bucket:?} is not a bucket name (3 to 63 lowercase \
                 letters, digits, dots and hyphens, starting and ending with a letter or digit)"
            ));
        }
        let prefix = prefix.trim_matches('/');
        if !prefix.is_empty() && ObjectPath::parse(prefix).is_err() {
            return Err(format!(
                "SIGNET_STORAGE_URL: {prefix:?} is not a key prefix (no empty, `.` or `..` parts)"
            ));
        }
        Ok(Location::S3 {
            bucket: bucket.into(),
            prefix: prefix.into(),
        })
    }
}

impl Blobs {
    /// Checks a `SIGNET_STORAGE_URL` without opening anything.
    pub fn check_url(url: &str) -> Result<(), String> {
        Location::parse(url).map(|_| ())
    }

    /// The store `SIGNET_STORAGE_URL` names.
    pub fn open(url: &str) -> Result<Blobs, StoreError> {
        match Location::parse(url).map_err(StoreError::Config)? {
            Location::Local(dir) => Blobs::local(&dir),
            Location::S3 { bucket, prefix } => Blobs::s3(&bucket, &prefix),
        }
    }

    /// A bucket, configured by the standard AWS variables (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL`, …). A put is one PUT, which
    /// S3 makes visible whole or not at all, so a reader never sees part of a file; it is
    /// durable when S3 answers, so no flush is needed.
    fn s3(bucket: &str, prefix: &str) -> Result<Blobs, StoreError> {
        // reqwest is built without a TLS provider of its own (see the workspace Cargo.toml).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        // An operator who names an http:// endpoint (a local S3-compatible server) means it.
        let endpoint = builder
            .get_config_value(&AmazonS3ConfigKey::S3Endpoint)
            .or_else(|| builder.get_config_value(&AmazonS3ConfigKey::Endpoint));
        if endpoint.is_some_and(|e| e.starts_with("http://")) {
            builder = builder.with_allow_http(true);
        }
        let s3 = builder.build().map_err(err)?;
        let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        };
        Ok(Blobs { inner, disk: None })
    }

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

    /// Removes every object under `prefix` (whole path segments: `documents/{id}/`) except
    /// `keep`.
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

    /// Stores an object, visible whole or not at all (a rename locally, one PUT on S3); when
    /// this returns it is on the disk (or in the bucket), so a commit that names it
    /// afterwards never outlives it.
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

    /// A whole object. Read through `stream`, so that its buffer is allocated here, on the
    /// runtime's threads, rather than on a blocking thread (see `file_chunks`).
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        use futures_util::TryStreamExt;
        let (size, mut chunks) = self.stream(key).await?;
        let mut whole = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        while let Some(chunk) = chunks.try_next().await? {
            whole.extend_from_slice(&chunk);
        }
        Ok(whole)
    }

    /// An object's size, without reading it.
    pub async fn size(&self, key: &str) -> Result<u64, StoreError> {
        let meta = self.inner.head(&ObjectPath::from(key)).await.map_err(err)?;
        Ok(meta.size)
    }

    /// An object as its size and a stream of its bytes, so an answer can pass it on without
    /// holding it whole. A missing object fails here, before any byte is sent.
    pub async fn stream(&self, key: &str) -> Result<(u64, ByteStream), StoreError> {
        let got = self.inner.get(&ObjectPath::from(key)).await.map_err(err)?;
        let size = got.meta.size;
        use futures_util::{StreamExt, TryStreamExt};
        let stream = match got.payload {
            // object_store reads local files 8 KiB per blocking task: a 15 MB file would be
            // almost two thousand hops to the blocking pool.
            object_store::GetResultPayload::File(file, _) => file_chunks(file),
            object_store::GetResultPayload::Stream(s) => s,
        };
        Ok((size, stream.map_err(err).boxed()))
    }
}

/// The bytes of a stored object, a chunk at a time.
pub type ByteStream = futures_util::stream::BoxStream<'static, Result<bytes::Bytes, StoreError>>;

/// A local file in chunks read on blocking threads into buffers allocated by the caller's
/// thread: the allocator keeps what a thread frees for that thread, and buffers allocated on
/// blocking threads (which sit idle between uses) stayed with them, some 3 MB per thread
/// under a dozen concurrent downloads.
fn file_chunks(
    file: std::fs::File,
) -> futures_util::stream::BoxStream<'static, Result<bytes::Bytes, object_store::Error>> {
    use futures_util::StreamExt;
    const CHUNK: u64 = 256 * 1024;
    futures_util::stream::try_unfold(file, |mut file| async move {
        let mut chunk = Vec::with_capacity(CHUNK as usize);
        tokio::task::spawn_blocking(move || {
            use std::io::Read;
            (&mut file).take(CHUNK).read_to_end(&mut chunk)?;
            Ok(if chunk.is_empty() {
                None
            } else {
                Some((bytes::Bytes::from(chunk), file))
            })
        })
        .await
        .unwrap_or_else(|e| Err(io::Error::other(e)))
        .map_err(|e| object_store::Error::Generic {
            store: "local",
            source: Box::new(e),
        })
    })
    .boxed()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_urls() {
        assert_eq!(
            Location::parse("file://./signet-data/objects"),
            Ok(Location::Local("./signet-data/objects".into()))
        );
        assert_eq!(
            Location::parse("file:///var/lib/signet/objects"),
            Ok(Location::Local("/var/lib/signet/objects".into()))
        );
        let s3 = |bucket: &str, prefix: &str| {
            Ok(Location::S3 {
                bucket: bucket.into(),
                prefix: prefix.into(),
            })
        };
        assert_eq!(Location::parse("s3://signet-files"), s3("signet-files", ""));
        assert_eq!(
            Location::parse("s3://signet-files/"),
            s3("signet-files", "")
        );
        assert_eq!(
            Location::parse("s3://my.bucket-1/prod/signet/"),
            s3("my.bucket-1", "prod/signet")
        );
        for bad in [
            "ftp://x",
            "objects",
            "file://",
            "s3://",
            "s3:///prefix",
            "s3://ab",
            "s3://Upper",
            "s3://-dash",
            "s3://key:secret@bucket/p",
            "s3://bucket/a//b",
            "s3://bucket/a/../b",
        ] {
            let e = Location::parse(bad).expect_err(bad);
            assert!(e.starts_with("SIGNET_STORAGE_URL"), "{bad}: {e}");
            assert!(!e.contains("secret"), "{bad}: {e}");
        }
        assert!(
            Location::parse("ftp://x")
                .unwrap_err()
                .contains("file://DIRECTORY or s3://BUCKET/PREFIX")
        );
    }
}
