//! File storage through object_store: a local directory by default, an S3-compatible bucket
//! later, one interface.

use std::path::Path;
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use super::StoreError;

#[derive(Clone)]
pub struct Blobs {
    inner: Arc<dyn ObjectStore>,
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

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.inner
            .put(&ObjectPath::from(key), PutPayload::from(bytes))
            .await
            .map_err(err)?;
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

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let got = self.inner.get(&ObjectPath::from(key)).await.map_err(err)?;
        Ok(got.bytes().await.map_err(err)?.to_vec())
    }
}
