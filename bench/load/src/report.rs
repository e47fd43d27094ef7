//! Percentiles and the two outputs: a readable summary on stderr, markdown table rows on
//! stdout (what bench/server.sh collects into its table).

use crate::cpu::Usage;
use crate::run::{Outcome, StepSamples};

/// The columns of every row `print` writes, for a script to put above them.
pub const HEADER: &str = "| Run | Step | OK | Errors | Per second | p50 ms | p90 ms | p99 ms | max ms | Server CPU | Generator CPU | Other CPU |\n\
                          |---|---|---|---|---|---|---|---|---|---|---|---|";

/// Nearest-rank percentile of sorted samples (exact, no histogram buckets).
fn percentile<T: Copy + Default>(sorted: &[T], q: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(us: u64) -> String {
    let v = us as f64 / 1000.0;
    if v < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

/// `ms` for a signed interval (an answer → webhook delay is negative when the webhook came
/// first).
fn signed_ms(us: i64) -> String {
    let sign = if us < 0 { "-" } else { "" };
    format!("{sign}{}", ms(us.unsigned_abs()))
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".into(), |p| format!("{p:.0} %"))
}

pub fn print(label: &str, names: &[&str], outcome: &mut Outcome, cpu: &Usage) {
    let secs = outcome.elapsed.as_secs_f64();
    eprintln!(
        "{label}: {} complete iterations in {secs:.2} s ({:.1}/s); CPU: server {}, generator {}, other {}",
        outcome.iterations,
        outcome.iterations as f64 / secs,
        pct(cpu.server),
        pct(cpu.generator),
        pct(cpu.other),
    );
    for (name, s) in names.iter().zip(outcome.steps.iter_mut()) {
        print_step(label, name, s, secs, cpu);
    }
}

fn print_step(label: &str, name: &str, s: &mut StepSamples, secs: f64, cpu: &Usage) {
    s.ok.sort_unstable();
    let (p50, p90, p99) = (
        percentile(&s.ok, 0.50),
        percentile(&s.ok, 0.90),
        percentile(&s.ok, 0.99),
    );
    let max = s.ok.last().copied().unwrap_or(0);
    let rate = s.ok.len() as f64 / secs;
    eprintln!(
        "  {name:<10} ok {:>7}  errors {:>5}  {rate:>8.1}/s  p50 {:>8} ms  p90 {:>8} ms  p99 {:>8} ms  max {:>8} ms",
        s.ok.len(),
        s.errors,
        ms(p50),
        ms(p90),
        ms(p99),
        ms(max)
    );
    if let Some(e) = &s.first_error {
        eprintln!("    first error: {e}");
    }
    println!(
        "| {label} | {name} | {} | {} | {rate:.1} | {} | {} | {} | {} | {} | {} | {} |",
        s.ok.len(),
        s.errors,
        ms(p50),
        ms(p90),
        ms(p99),
        ms(max),
        pct(cpu.server),
        pct(cpu.generator),
        pct(cpu.other),
    );
}

/// The columns of the rows `webhooks` writes. Count: events measured; Missing: expected but
/// not seen (or failed calls); Extra: seen beyond what was expected (duplicates).
pub const WEBHOOKS_HEADER: &str = "| Run | Figure | Count | Missing | Extra | Per second | p50 ms | p90 ms | p99 ms | max ms | Server CPU | Generator CPU | Other CPU |\n\
                                   |---|---|---|---|---|---|---|---|---|---|---|---|---|";

/// p50, p90, p99 and max of signed samples in microseconds.
pub struct Spread([i64; 4]);

impl Spread {
    /// `None` for no samples. Sorts `samples`.
    pub fn of(samples: &mut [i64]) -> Option<Spread> {
        samples.sort_unstable();
        let max = *samples.last()?;
        Some(Spread([
            percentile(samples, 0.50),
            percentile(samples, 0.90),
            percentile(samples, 0.99),
            max,
        ]))
    }

    fn cells(s: Option<&Spread>) -> [String; 4] {
        match s {
            Some(Spread(v)) => v.map(signed_ms),
            None => std::array::from_fn(|_| "–".to_string()),
        }
    }
}

/// One figure of `webhooks`: a line on stderr and a row of `WEBHOOKS_HEADER` on stdout.
pub struct Figure<'a> {
    pub run: &'a str,
    pub name: &'a str,
    pub count: usize,
    pub missing: usize,
    pub extra: usize,
    pub rate: Option<f64>,
    pub spread: Option<Spread>,
}

pub fn print_figure(f: &Figure, cpu: &Usage) {
    let [p50, p90, p99, max] = Spread::cells(f.spread.as_ref());
    let rate = f.rate.map_or("–".to_string(), |r| format!("{r:.1}"));
    eprintln!(
        "  {:<22} count {:>6}  missing {:>5}  extra {:>5}  {rate:>8}/s  p50 {p50:>8} ms  p90 {p90:>8} ms  p99 {p99:>8} ms  max {max:>8} ms",
        f.name, f.count, f.missing, f.extra
    );
    println!(
        "| {} | {} | {} | {} | {} | {rate} | {p50} | {p90} | {p99} | {max} | {} | {} | {} |",
        f.run,
        f.name,
        f.count,
        f.missing,
        f.extra,
        pct(cpu.server),
        pct(cpu.generator),
        pct(cpu.other),
    );
}

/// The CPU split of a run, in words, for the summary line.
pub fn cpu_words(cpu: &Usage) -> String {
    format!(
        "CPU: server {}, generator {}, other {}",
        pct(cpu.server),
        pct(cpu.generator),
        pct(cpu.other)
    )
}

#[cfg(test)]
mod tests {
    use super::{Spread, percentile, signed_ms};

    #[test]
    fn nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), 50);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&v, 1.0), 100);
        assert_eq!(percentile(&[7], 0.9), 7);
        assert_eq!(percentile::<u64>(&[], 0.9), 0);
    }

    #[test]
    fn signed_spread() {
        let mut v = vec![-1500, 2500, 12_000, -30];
        let Spread([p50, _, _, max]) = Spread::of(&mut v).unwrap();
        assert_eq!((p50, max), (-30, 12_000));
        assert_eq!(signed_ms(-1500), "-1.50");
        assert_eq!(signed_ms(12_000), "12.0");
        assert!(Spread::of(&mut []).is_none());
    }
}
