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
