//! Group commit for new documents on SQLite. SQLite has one writer and, with
//! `synchronous=FULL`, each commit waits for the disk: one document per commit caps sending at
//! the disk's flush rate (about a thousand a second here). Documents sent at the same moment
//! are instead written by one task in one transaction, each in a savepoint of its own (a
//! refused one changes nothing and fails alone), and every sender is answered only after the
//! commit: the durability of each is unchanged, and the disk is flushed once for all.

use tokio::sync::{mpsc, oneshot};

use super::documents::{NewDocument, NewEvent, NewInvitation};
use super::{Store, StoreError};

/// Documents committed together at most.
const BATCH: usize = 64;

struct Job {
    document: NewDocument,
    invitations: Vec<NewInvitation>,
    events: Vec<NewEvent>,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The way to the task that writes new documents.
#[derive(Clone)]
pub(super) struct Batcher {
    jobs: mpsc::Sender<Job>,
}

impl Batcher {
    pub(super) async fn insert(
        &self,
        document: &NewDocument,
        invitations: &[NewInvitation],
        events: &[NewEvent],
    ) -> Result<(), StoreError> {
        let (done, answer) = oneshot::channel();
        let job = Job {
            document: document.clone(),
            invitations: invitations.to_vec(),
            events: events.to_vec(),
            done,
        };
        let stopped = || StoreError::Config("the document writer stopped".into());
        self.jobs.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

impl Store {
    /// Sends documents through one writer task that commits them in groups. SQLite only: on
    /// PostgreSQL one task's statements run one round trip after another, which was slower
    /// (585–687/s against 744/s) than transactions side by side.
    pub fn start_group_commit(mut self) -> Store {
        if self.backend == super::Backend::Sqlite {
            let (jobs, rx) = mpsc::channel(BATCH * 4);
            tokio::spawn(write_groups(self.clone(), rx));
            self.group_commit = Some(Batcher { jobs });
        }
        self
    }
}

async fn write_groups(store: Store, mut rx: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut jobs, BATCH).await > 0 {
        let group: Vec<Job> = std::mem::take(&mut jobs);
        match commit_group(&store, &group).await {
            Ok((outcomes, mailed)) => {
                store.wake_mailer(mailed);
                for (job, outcome) in group.into_iter().zip(outcomes) {
                    let _ = job.done.send(outcome);
                }
            }
            Err(e) => {
                // Nothing of the group was committed: each sender is told so.
                let why = e.to_string();
                for job in group {
                    let _ = job
                        .done
                        .send(Err(StoreError::Config(format!("not stored: {why}"))));
                }
            }
        }
    }
}

/// One transaction for the group, a savepoint per document. Returns each document's outcome
/// and whether any mail was written.
async fn commit_group(
    store: &Store,
    group: &[Job],
) -> Result<(Vec<Result<(), StoreError>>, bool), StoreError> {
    let mut tx = store.writer().begin().await?;
    let mut outcomes = Vec::with_capacity(group.len());
    let mut mailed = false;
    for job in group {
        let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
        match store
            .insert_sent_in(&mut savepoint, &job.document, &job.invitations, &job.events)
            .await
        {
            Ok(m) => {
                savepoint.commit().await?;
                mailed |= m;
                outcomes.push(Ok(()));
            }
            Err(e) => {
                savepoint.rollback().await?;
                outcomes.push(Err(e));
            }
        }
    }
    tx.commit().await?;
    Ok((outcomes, mailed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::EventKind;
    use crate::test_db::{Db, account, document};

    /// Documents sent together share a commit, and one that cannot be stored fails alone.
    #[tokio::test]
    async fn a_refused_document_fails_alone_in_its_group() {
        let db = Db::new(false);
        let store = Store::connect(&db.url).await.unwrap().start_group_commit();
        store.insert_account(&account()).await.unwrap();
        let event = [NewEvent::by_signet(
            1,
            &EventKind::DocumentSent { invitees: &[] },
        )];
        let (doc_a, doc_b) = (document("A"), document("B"));
        let (a, again, b) = tokio::join!(
            store.insert_sent_document(&doc_a, &[], &event),
            store.insert_sent_document(&doc_a, &[], &event),
            store.insert_sent_document(&doc_b, &[], &event),
        );
        assert!(a.is_ok() != again.is_ok(), "exactly one A is stored");
        assert!(b.is_ok(), "{b:?}");
        for id in ["A", "B"] {
            assert!(store.document_by_id(id).await.unwrap().is_some());
            assert_eq!(store.events_of(id).await.unwrap().len(), 1, "{id}");
        }
    }
}
