//! Percentiles and the two outputs: a readable summary on stderr, markdown table rows on
//! stdout (what bench/server.sh collects into its table).

use crate::cpu::Usage;
use crate::run::{Outcome, StepSamples};

/// The columns of every row `print` writes, for a script to put above them.
pub const HEADER: &str = "| Run | Step | OK | Errors | Per second | p50 ms | p90 ms | p99 ms | max ms | Server CPU | Generator CPU | Other CPU |\n\
                          |---|---|---|---|---|---|---|---|---|---|---|---|";

/// Nearest-rank percentile of sorted samples (exact, no histogram buckets).
fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
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

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), 50);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&v, 1.0), 100);
        assert_eq!(percentile(&[7], 0.9), 7);
        assert_eq!(percentile(&[], 0.9), 0);
    }
}
