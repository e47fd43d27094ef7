//! One memory budget for the PDF work of the whole process: opening uploads, signing,
//! sealing audit trails, and answers that carry a file as base64. The engine bounds each
//! document (size, decoded streams); without a bound on how many run at once, 32 concurrent
//! decompression bombs each inflated a stream to its cap at the same time and took the
//! process to gigabytes (BENCHMARKS.md, memory).
//!
//! The budget is `SIGNET_PDF_CONCURRENCY` times twice `SIGNET_MAX_PDF_BYTES`. Each piece of
//! work reserves what it may cost, from the sizes it knows before it starts (opening a small
//! upload, whose streams may inflate to the cap, costs two of those shares), holds it only
//! while the engine works, and waits while the budget is spent.
//!
//! The work runs on `SIGNET_PDF_CONCURRENCY` threads of its own rather than tokio's blocking
//! pool: the allocator keeps what a thread freed for that thread's next allocations, and a
//! blocking thread that inflated a bomb and then sat idle kept its megabytes until it
//! exited. With the burst spread over dozens of blocking threads the budget held and the
//! process still grew by a hundred megabytes; a few threads that are used again and again
//! reuse what they hold.

use std::sync::{Arc, Mutex, mpsc};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// The budget counts KiB: a semaphore hands out at most `u32::MAX` permits at once.
const UNIT: usize = 1024;

#[derive(Clone)]
pub struct PdfBudget {
    shares: Arc<Semaphore>,
    total_units: u32,
    max_pdf_bytes: usize,
    workers: Workers,
}

/// A share of the budget, given back when dropped.
pub struct Lease {
    _share: OwnedSemaphorePermit,
    workers: Workers,
}

type Job = Box<dyn FnOnce() + Send>;

/// The threads PDF work runs on, fed through one queue.
#[derive(Clone)]
struct Workers(mpsc::Sender<Job>);

impl Workers {
    fn start(threads: u32) -> Workers {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = Arc::clone(&queue);
            let _ = std::thread::Builder::new()
                .name(format!("signet-pdf-{n}"))
                .spawn(move || {
                    loop {
                        let job = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        // A panic fails its own request (its answer channel is dropped),
                        // not the thread.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        // What the job freed goes back to the system now: mimalloc purges a
                        // thread's free pages only when that thread allocates again, and a
                        // bomb's buffers (each growth a new block) stayed until then.
                        // SAFETY: mi_collect only releases free memory of this thread's heap.
                        unsafe { libmimalloc_sys::mi_collect(false) };
                    }
                });
        }
        Workers(jobs)
    }
}

impl PdfBudget {
    pub fn new(concurrency: u32, max_pdf_bytes: usize) -> PdfBudget {
        let bytes = (concurrency as usize)
            .saturating_mul(2)
            .saturating_mul(max_pdf_bytes);
        let most = Semaphore::MAX_PERMITS.min(u32::MAX as usize);
        let total_units = bytes.div_ceil(UNIT).clamp(1, most) as u32;
        PdfBudget {
            shares: Arc::new(Semaphore::new(total_units as usize)),
            total_units,
            max_pdf_bytes,
            workers: Workers::start(concurrency.max(1)),
        }
    }

    /// Limits for an upload: the size limit, and no stream inside it inflated past it either
    /// (the engine's own default, 64 MB, was what each bomb cost).
    pub fn upload_limits(&self) -> signet_pdf::Limits {
        signet_pdf::Limits {
            max_file_size: self.max_pdf_bytes,
            max_decoded_stream: self.max_pdf_bytes,
            ..signet_pdf::Limits::default()
        }
    }

    /// Limits for a file the server stored: signed versions may grow past the upload limit.
    pub fn stored_limits(&self) -> signet_pdf::Limits {
        signet_pdf::Limits {
            max_file_size: usize::MAX,
            ..self.upload_limits()
        }
    }

    /// What opening or signing a file of `len` bytes may hold at once: the file, what is
    /// written from it (a repair, a signed version), and one stream inflated to the cap.
    /// That stream holds about four times the cap at its peak: its buffer grows by blocks
    /// twice the size of the last, and the blocks left behind are only given back to the
    /// system after the work (measured: a bomb capped at 4 MB raised the peak by 16–20 MB).
    pub fn open_cost(&self, len: usize) -> usize {
        len.saturating_mul(2)
            .saturating_add(self.max_pdf_bytes.saturating_mul(4))
    }

    /// Rendering and sealing an audit trail: a small PDF made by the server, bounded like
    /// any stream it reads.
    pub fn seal_cost(&self) -> usize {
        self.max_pdf_bytes
    }

    /// A JSON answer carrying files of `len` bytes in all as base64: the files, their base64
    /// (some answers name it twice: `file` and `files`), and the serialized body.
    pub fn encode_cost(&self, len: usize) -> usize {
        len.saturating_mul(6)
    }

    /// Waits for `bytes` of the budget. Work larger than the whole budget waits until it has
    /// all of it, and then runs alone.
    pub async fn reserve(&self, bytes: usize) -> Lease {
        let units = bytes.div_ceil(UNIT).clamp(1, self.total_units as usize) as u32;
        let share = Arc::clone(&self.shares)
            .acquire_many_owned(units)
            .await
            .expect("the budget's semaphore is never closed");
        Lease {
            _share: share,
            workers: self.workers.clone(),
        }
    }
}

impl Lease {
    /// Runs `job` on a PDF thread. The lease goes with it and comes back with the result: a
    /// request dropped meanwhile (its client went away) cannot give the share back while the
    /// work still holds the memory. Callers give it back once the work is done,
    /// not after storing its result: what they store is a file, bounded like the request
    /// that brought it, and holding shares through the store's disk flush would make
    /// ordinary creates wait on each other.
    pub async fn run<T: Send + 'static>(
        self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<(T, Lease), WorkersGone> {
        let (answer, answered) = oneshot::channel();
        let workers = self.workers.clone();
        let job: Job = Box::new(move || {
            let out = job();
            let _ = answer.send((out, self));
        });
        workers.0.send(job).map_err(|_| WorkersGone)?;
        answered.await.map_err(|_| WorkersGone)
    }
}

/// The PDF work panicked, or its threads are gone.
#[derive(Debug)]
pub struct WorkersGone;

impl std::fmt::Display for WorkersGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PDF work panicked, or its threads are gone")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_waits_while_the_budget_is_spent() {
        let budget = PdfBudget::new(1, 1024 * 1024);
        let big = budget.reserve(budget.open_cost(1024 * 1024)).await;
        let waiting = tokio::spawn({
            let budget = budget.clone();
            async move { budget.reserve(1).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(
            !waiting.is_finished(),
            "the budget was spent by work larger than it"
        );
        drop(big);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("a returned share is handed on")
            .unwrap();
        let small: Vec<Lease> = futures_util::future::join_all(
            (0..16).map(|_| budget.reserve(budget.encode_cost(1024))),
        )
        .await;
        assert_eq!(small.len(), 16, "small work shares the budget");
    }
}
