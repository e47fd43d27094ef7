//! The load loop: C workers repeat one iteration until a deadline or an iteration budget is
//! reached, each timing its own steps; the samples are merged once at the end so that no
//! worker contends with another on a shared histogram while the clock runs.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// When to stop: whichever limit is given (a run with `requests` ignores the clock).
#[derive(Clone, Copy, Debug)]
pub enum Stop {
    After(Duration),
    Iterations(u64),
}

/// What one step of one iteration did.
pub struct Step {
    pub step: usize,
    pub latency: Duration,
    pub error: Option<String>,
}

impl Step {
    /// Times `fut` as step number `step`.
    pub async fn timed<T>(
        step: usize,
        fut: impl Future<Output = Result<T, String>>,
    ) -> (Step, Option<T>) {
        let start = Instant::now();
        let out = fut.await;
        let latency = start.elapsed();
        match out {
            Ok(v) => (
                Step {
                    step,
                    latency,
                    error: None,
                },
                Some(v),
            ),
            Err(e) => (
                Step {
                    step,
                    latency,
                    error: Some(e),
                },
                None,
            ),
        }
    }
}

/// Every sample of one step, over all workers.
#[derive(Default)]
pub struct StepSamples {
    /// Latencies of successful calls, microseconds.
    pub ok: Vec<u64>,
    pub errors: u64,
    pub first_error: Option<String>,
}

pub struct Outcome {
    pub elapsed: Duration,
    /// Iterations whose every step succeeded.
    pub iterations: u64,
    pub steps: Vec<StepSamples>,
}

/// Runs `iteration(n)` for n = 0, 1, 2, … on `concurrency` workers. `iteration` returns the
/// steps it performed, in order (it stops at its first failing step).
pub async fn run<F, Fut>(concurrency: usize, stop: Stop, steps: usize, iteration: F) -> Outcome
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Vec<Step>> + Send + 'static,
{
    let iteration = Arc::new(iteration);
    let tickets = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = match stop {
        Stop::After(d) => Some(start + d),
        Stop::Iterations(_) => None,
    };
    let budget = match stop {
        Stop::Iterations(n) => n,
        Stop::After(_) => u64::MAX,
    };

    let progress = tokio::spawn(report_progress(start, done.clone(), failed.clone()));
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (iteration, tickets, done, failed) = (
            iteration.clone(),
            tickets.clone(),
            done.clone(),
            failed.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut mine: Vec<StepSamples> = (0..steps).map(|_| StepSamples::default()).collect();
            let mut complete = 0u64;
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let n = tickets.fetch_add(1, Ordering::Relaxed);
                if n >= budget {
                    break;
                }
                let performed = iteration(n).await;
                let ok = performed.iter().all(|s| s.error.is_none());
                record(&mut mine, performed);
                if ok {
                    complete += 1;
                    done.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
            (mine, complete)
        }));
    }

    let mut steps_all: Vec<StepSamples> = (0..steps).map(|_| StepSamples::default()).collect();
    let mut iterations = 0;
    for w in workers {
        let (mine, complete) = w.await.expect("a worker does not panic");
        iterations += complete;
        for (all, part) in steps_all.iter_mut().zip(mine) {
            all.ok.extend(part.ok);
            all.errors += part.errors;
            if all.first_error.is_none() {
                all.first_error = part.first_error;
            }
        }
    }
    // The clock stops when the last answer is in, not at the deadline: in-flight requests
    // count, and so does the time they took.
    let elapsed = start.elapsed();
    progress.abort();
    Outcome {
        elapsed,
        iterations,
        steps: steps_all,
    }
}

fn record(into: &mut [StepSamples], performed: Vec<Step>) {
    for s in performed {
        let slot = &mut into[s.step];
        match s.error {
            None => slot.ok.push(s.latency.as_micros() as u64),
            Some(e) => {
                slot.errors += 1;
                slot.first_error.get_or_insert(e);
            }
        }
    }
}

/// A line every ten seconds, so a long seed run shows it is alive and how fast it goes.
async fn report_progress(start: Instant, done: Arc<AtomicU64>, failed: Arc<AtomicU64>) {
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    tick.tick().await;
    loop {
        tick.tick().await;
        let secs = start.elapsed().as_secs_f64();
        let n = done.load(Ordering::Relaxed);
        eprintln!(
            "  … {secs:.0} s: {n} done ({:.1}/s), {} failed",
            n as f64 / secs,
            failed.load(Ordering::Relaxed)
        );
    }
}
