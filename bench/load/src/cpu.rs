//! CPU time from /proc, to split a run's CPU between the server, this generator and everything
//! else on the machine (PostgreSQL, other builds). On a 2-core machine that split decides what a
//! throughput figure means.

use std::time::Duration;

/// Clock ticks per second of /proc's CPU counters. USER_HZ is 100 on every Linux
/// architecture this runs on; reading it properly would need libc's sysconf.
const TICKS: f64 = 100.0;

/// CPU seconds (user + system) of a process so far.
pub fn process_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 of `rest`.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS)
}

/// Busy CPU seconds of the whole machine (all cores; everything but idle and iowait).
pub fn machine_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<f64> = line
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let total: f64 = v.iter().take(8).sum();
    let idle = v.get(3)? + v.get(4)?;
    Some((total - idle) / TICKS)
}

/// Readings at the start of a run.
pub struct Meter {
    server_pid: Option<String>,
    server: Option<f64>,
    own: Option<f64>,
    machine: Option<f64>,
}

/// CPU used during a run, as a percentage of one core (200 % = both cores of this machine).
pub struct Usage {
    pub server: Option<f64>,
    pub generator: Option<f64>,
    pub other: Option<f64>,
}

impl Meter {
    pub fn start(server_pid: Option<&str>) -> Meter {
        Meter {
            server_pid: server_pid.map(str::to_string),
            server: server_pid.and_then(process_seconds),
            own: process_seconds("self"),
            machine: machine_seconds(),
        }
    }

    pub fn stop(&self, elapsed: Duration) -> Usage {
        let pct = |before: Option<f64>, after: Option<f64>| {
            Some((after? - before?) / elapsed.as_secs_f64() * 100.0)
        };
        let server = pct(
            self.server,
            self.server_pid.as_deref().and_then(process_seconds),
        );
        let generator = pct(self.own, process_seconds("self"));
        let machine = pct(self.machine, machine_seconds());
        let other = machine.map(|m| m - server.unwrap_or(0.0) - generator.unwrap_or(0.0));
        Usage {
            server,
            generator,
            other: other.map(|o| o.max(0.0)),
        }
    }
}

/// A yardstick for the machine, so figures taken on different machines of "the same kind"
/// can be compared: machines here have differed by 2× in what one core does. The work is the
/// server's own kind (build a details-like JSON value, serialise it, parse it back), on one
/// thread, in five one-second spells. Returns the best spell's rounds per second: single
/// spells here vary by a fifth with what else runs on the host.
pub fn calibrate() -> f64 {
    (0..5).map(|_| calibrate_once()).fold(0.0, f64::max)
}

fn calibrate_once() -> f64 {
    use serde_json::{Value, json};
    let round = |i: u64| {
        let invitations: Vec<Value> = (0..3)
            .map(|n| {
                json!({"name": format!("Invitee {n}"), "email": "asha@example.com", "phone": "",
                       "signUrl": format!("http://127.0.0.1:8080/sign/{i:032x}"), "active": n == 0,
                       "signed": false, "rejected": false, "expired": false,
                       "invitationStatus": {"active": true, "signed": false, "creationDate": "30-11-2026 10:00:00"}})
            })
            .collect();
        let doc = json!({"documentId": format!("{i:026}"), "irn": "IRN-1", "documentStatus": "Sent",
                         "invitations": invitations});
        let text = serde_json::to_string(&doc).expect("serialises");
        serde_json::from_str::<Value>(&text).expect("parses")
    };
    let start = std::time::Instant::now();
    let mut rounds = 0u64;
    while start.elapsed() < Duration::from_secs(1) {
        for _ in 0..100 {
            std::hint::black_box(round(rounds));
            rounds += 1;
        }
    }
    rounds as f64 / start.elapsed().as_secs_f64()
}
