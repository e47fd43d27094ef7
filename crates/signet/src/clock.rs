//! The server's time. Expiry and webhook retries are driven by it, so tests move it
//! forward instead of sleeping: with `SIGNET_TEST_CLOCK=true` an authenticated
//! `POST /api/signet/clock/advance` shifts it, the way payment APIs offer test clocks.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;

/// Wall-clock time plus an offset that only ever grows.
#[derive(Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// Milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        crate::store::now_ms() + self.offset_ms.load(Ordering::Relaxed)
    }

    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.now_ms()) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Moves the clock forward; time never goes back, so a negative step is ignored.
    pub fn advance(&self, ms: i64) {
        if ms > 0 {
            self.offset_ms.fetch_add(ms, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Clock;

    #[test]
    fn advances_forward_only() {
        let c = Clock::default();
        let before = c.now_ms();
        c.advance(3_600_000);
        c.advance(-10_000_000);
        let after = c.now_ms();
        assert!(after - before >= 3_600_000 && after - before < 3_700_000);
    }
}
