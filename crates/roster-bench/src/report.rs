//! What a run found: one [`Measurement`] per timed series, the checks, the
//! server's peak memory, printed as a table and as the JSON summary, with
//! issue 7's bars marked met or not met.

use serde_json::{Map, Value, json};

use super::load::Recorder;

/// One timed series: `count` things (requests, users, pages…) in `seconds`.
pub struct Measurement {
    /// Issue 7's scenario number, 1 to 7.
    pub scenario: u8,
    /// e.g. `lookup`, `membership.add.50000`.
    pub name: String,
    /// What `count` and the rate count: `requests`, `users`, `memberships`…
    pub unit: &'static str,
    pub count: u64,
    pub requests: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub errors: u64,
    /// The first failed answers.
    pub error_samples: Vec<String>,
}

impl Measurement {
    /// From a recorder whose requests are the unit counted.
    pub fn of(scenario: u8, name: impl Into<String>, recorder: &Recorder) -> Self {
        Self::counting(scenario, name, "requests", recorder.requests(), recorder)
    }

    /// From a recorder, counting `count` of `unit` (e.g. memberships added by
    /// the recorded PATCHes).
    pub fn counting(
        scenario: u8,
        name: impl Into<String>,
        unit: &'static str,
        count: u64,
        recorder: &Recorder,
    ) -> Self {
        let ms = |quantile: f64| recorder.histogram.value_at_quantile(quantile) as f64 / 1000.0;
        Self {
            scenario,
            name: name.into(),
            unit,
            count,
            requests: recorder.requests(),
            seconds: recorder.elapsed.as_secs_f64(),
            p50_ms: ms(0.5),
            p90_ms: ms(0.9),
            p99_ms: ms(0.99),
            max_ms: recorder.histogram.max() as f64 / 1000.0,
            errors: recorder.errors,
            error_samples: recorder.error_samples.clone(),
        }
    }

    /// `count` per second of measured wall time.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.count as f64 / self.seconds
        } else {
            0.0
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "scenario": self.scenario, "name": self.name, "unit": self.unit,
            "count": self.count, "requests": self.requests, "seconds": round(self.seconds),
            "throughput": round(self.rate()),
            "p50_ms": round(self.p50_ms), "p90_ms": round(self.p90_ms),
            "p99_ms": round(self.p99_ms), "max_ms": round(self.max_ms),
            "errors": self.errors, "error_samples": self.error_samples,
        })
    }
}

/// Three decimals, for the JSON summary.
pub fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// A check of what the server did (e.g. the rule gave the level).
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
}

/// One of issue 7's bars and the figure it is judged on.
pub struct Bar {
    pub bar: &'static str,
    /// `None` when the run did not measure it.
    pub value: Option<f64>,
    pub unit: &'static str,
    pub met: Option<bool>,
}

/// Everything a run found.
#[derive(Default)]
pub struct Report {
    pub target: Value,
    pub settings: Value,
    pub measurements: Vec<Measurement>,
    pub checks: Vec<Check>,
    pub notes: Vec<String>,
    /// The server's peak resident memory (VmHWM), when the tool started it.
    pub server_peak_rss_bytes: Option<u64>,
    /// Other figures, by name (e.g. `initial_sync`, `list`, `lookup_scaling`).
    pub facts: Map<String, Value>,
    pub bars: Vec<Bar>,
    /// Why the bars were not evaluated, when they were not.
    pub bars_note: Option<String>,
}

impl Report {
    /// Adds a measurement, printing it at once (on stderr: progress).
    pub fn push(&mut self, measurement: Measurement) {
        eprintln!("  {}", row(&measurement));
        for sample in &measurement.error_samples {
            eprintln!("     error: {sample}");
        }
        self.measurements.push(measurement);
    }

    pub fn check(&mut self, name: &'static str, passed: bool, detail: String) {
        eprintln!(
            "  check {name}: {} ({detail})",
            if passed { "passed" } else { "FAILED" }
        );
        self.checks.push(Check {
            name,
            passed,
            detail,
        });
    }

    pub fn note(&mut self, note: String) {
        eprintln!("  note: {note}");
        self.notes.push(note);
    }

    /// Adds a figure that is not a timed series.
    pub fn fact(&mut self, name: &str, value: Value) {
        eprintln!("  {name}: {value}");
        self.facts.insert(name.to_owned(), value);
    }

    pub fn find(&self, name: &str) -> Option<&Measurement> {
        self.measurements.iter().find(|m| m.name == name)
    }

    /// The highest p99 of the measurements whose name starts with `prefix`.
    pub fn worst_p99(&self, prefix: &str) -> Option<f64> {
        self.measurements
            .iter()
            .filter(|m| m.name.starts_with(prefix))
            .map(|m| m.p99_ms)
            .reduce(f64::max)
    }

    /// Failed requests, over every measurement.
    pub fn errors(&self) -> u64 {
        self.measurements.iter().map(|m| m.errors).sum()
    }

    pub fn failed_checks(&self) -> usize {
        self.checks.iter().filter(|check| !check.passed).count()
    }

    /// The text report, for stdout.
    pub fn text(&self) -> String {
        let mut out = String::from("\n");
        out.push_str(&format!(
            "{:<2} {:<26} {:>9} {:>9} {:>12} {:<12} {:>8} {:>8} {:>8} {:>9} {:>6}\n",
            "#",
            "measurement",
            "count",
            "time s",
            "rate/s",
            "(unit)",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "errors"
        ));
        let mut in_order: Vec<&Measurement> = self.measurements.iter().collect();
        in_order.sort_by_key(|measurement| measurement.scenario);
        for measurement in in_order {
            out.push_str(&row(measurement));
            out.push('\n');
        }
        out.push('\n');
        for measurement in &self.measurements {
            for sample in &measurement.error_samples {
                out.push_str(&format!("error in {}: {sample}\n", measurement.name));
            }
        }
        for (name, value) in &self.facts {
            out.push_str(&format!("{name}: {value}\n"));
        }
        match self.server_peak_rss_bytes {
            Some(bytes) => out.push_str(&format!(
                "server peak RSS (VmHWM): {:.1} MB\n",
                bytes as f64 / 1e6
            )),
            None => {
                out.push_str("server peak RSS: not measured (the tool did not start the server)\n")
            }
        }
        for check in &self.checks {
            let verdict = if check.passed { "passed" } else { "FAILED" };
            out.push_str(&format!(
                "check {}: {verdict} ({})\n",
                check.name, check.detail
            ));
        }
        for note in &self.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        out.push_str("\nbars (issue 7):\n");
        if let Some(note) = &self.bars_note {
            out.push_str(&format!("  {note}\n"));
        }
        for bar in &self.bars {
            let verdict = match bar.met {
                Some(true) => "met",
                Some(false) => "NOT met",
                None => "not measured",
            };
            let value = bar.value.map_or_else(
                || "-".to_owned(),
                |value| format!("{value:.3} {}", bar.unit),
            );
            out.push_str(&format!("  {:<52} {:>22}  {verdict}\n", bar.bar, value));
        }
        out
    }

    /// The JSON summary.
    pub fn json(&self) -> Value {
        let mut summary = json!({
            "tool": "roster-bench",
            "version": env!("CARGO_PKG_VERSION"),
            "target": self.target,
            "settings": self.settings,
            "scenarios": self.measurements.iter().map(Measurement::to_json).collect::<Vec<_>>(),
            "server_peak_rss_bytes": self.server_peak_rss_bytes,
            "checks": self.checks.iter().map(|check| json!({
                "name": check.name, "passed": check.passed, "detail": check.detail,
            })).collect::<Vec<_>>(),
            "notes": self.notes,
            "bars": self.bars.iter().map(|bar| json!({
                "bar": bar.bar, "value": bar.value.map(round), "unit": bar.unit, "met": bar.met,
            })).collect::<Vec<_>>(),
            "bars_note": self.bars_note,
            "errors": self.errors(),
            "failed_checks": self.failed_checks(),
        });
        for (name, value) in &self.facts {
            summary[name] = value.clone();
        }
        summary
    }
}

fn row(m: &Measurement) -> String {
    format!(
        "{:<2} {:<26} {:>9} {:>9.2} {:>12.1} {:<12} {:>8.3} {:>8.3} {:>8.3} {:>9.3} {:>6}",
        m.scenario,
        m.name,
        m.count,
        m.seconds,
        m.rate(),
        m.unit,
        m.p50_ms,
        m.p90_ms,
        m.p99_ms,
        m.max_ms,
        m.errors
    )
}
