//! Issue 7's bars, judged on a run's figures. They hold for the full-size run
//! (100,000 users, 1,000 groups, groups of 10, 5,000 and 50,000 members) on
//! SQLite with the server on one core; a smaller run is not judged.

use super::report::{Bar, Report};

/// The group size the membership and rule-change bars are about.
const LARGE_GROUP: usize = 50_000;

/// Every bar, with its figure from `report` (or "not measured").
pub fn evaluate(report: &Report, small_lookup: &str) -> Vec<Bar> {
    let rate = |name: &str| report.find(name).map(|m| m.rate());
    let lookup_ratio = rate("lookup")
        .zip(rate(small_lookup))
        .map(|(full, small)| full / small);
    let bars = [
        (
            "lookup ≥ 15,000 requests/s",
            rate("lookup"),
            "req/s",
            at_least(15_000.0),
        ),
        (
            "lookup p99 ≤ 5 ms",
            report.find("lookup").map(|m| m.p99_ms),
            "ms",
            at_most(5.0),
        ),
        (
            "create ≥ 3,000 requests/s",
            rate("create"),
            "req/s",
            at_least(3_000.0),
        ),
        (
            "PATCH deactivate ≥ 3,000 requests/s",
            rate("deactivate"),
            "req/s",
            at_least(3_000.0),
        ),
        (
            "lookup at full size ≥ 90% of lookup at 1,000",
            lookup_ratio,
            "x",
            at_least(0.9),
        ),
        (
            "group add PATCH on 50,000 members: median ≤ 2 ms",
            median(report, "add"),
            "ms",
            at_most(2.0),
        ),
        (
            "group remove PATCH on 50,000 members: median ≤ 2 ms",
            median(report, "remove"),
            "ms",
            at_most(2.0),
        ),
        (
            "access read ≥ 15,000 requests/s",
            rate("access.read"),
            "req/s",
            at_least(15_000.0),
        ),
        (
            "rule change on the 50,000-member group ≤ 2 s",
            report.find("access.rule-create").map(|m| m.seconds),
            "s",
            at_most(2.0),
        ),
        (
            "console Team page p99 ≤ 200 ms, every filter",
            report.worst_p99("console.team"),
            "ms",
            at_most(200.0),
        ),
        (
            "server RSS ≤ 150 MB",
            report.server_peak_rss_bytes.map(|bytes| bytes as f64 / 1e6),
            "MB",
            at_most(150.0),
        ),
    ];
    bars.into_iter()
        .map(|(bar, value, unit, judge)| Bar {
            bar,
            value,
            unit,
            met: value.map(|value| judge.met(value)),
        })
        .collect()
}

fn median(report: &Report, op: &str) -> Option<f64> {
    report
        .find(&format!("membership.{op}.{LARGE_GROUP}"))
        .map(|m| m.p50_ms)
}

/// How a figure meets its bar.
#[derive(Clone, Copy)]
enum Judge {
    AtLeast(f64),
    AtMost(f64),
}

impl Judge {
    fn met(self, value: f64) -> bool {
        match self {
            Self::AtLeast(bar) => value >= bar,
            Self::AtMost(bar) => value <= bar,
        }
    }
}

fn at_least(bar: f64) -> Judge {
    Judge::AtLeast(bar)
}

fn at_most(bar: f64) -> Judge {
    Judge::AtMost(bar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Measurement;

    fn measured(name: &str, count: u64, seconds: f64, p50_ms: f64, p99_ms: f64) -> Measurement {
        Measurement {
            scenario: 2,
            name: name.into(),
            unit: "requests",
            count,
            requests: count,
            seconds,
            p50_ms,
            p90_ms: p99_ms,
            p99_ms,
            max_ms: p99_ms,
            errors: 0,
            error_samples: Vec::new(),
        }
    }

    #[test]
    fn each_bar_is_judged_on_its_figure() {
        let mut report = Report {
            server_peak_rss_bytes: Some(160_000_000),
            ..Report::default()
        };
        for measurement in [
            measured("lookup", 160_000, 10.0, 1.0, 4.0),
            measured("lookup.at-1000", 170_000, 10.0, 1.0, 4.0),
            measured("create", 20_000, 10.0, 5.0, 9.0),
            measured("membership.add.50000", 300, 0.6, 1.9, 8.0),
            measured("access.rule-create", 1, 2.5, 2500.0, 2500.0),
        ] {
            report.measurements.push(measurement);
        }
        let bars = evaluate(&report, "lookup.at-1000");
        let met = |start: &str| {
            bars.iter()
                .find(|bar| bar.bar.starts_with(start))
                .and_then(|bar| bar.met)
        };
        assert_eq!(met("lookup ≥"), Some(true), "16,000/s");
        assert_eq!(met("lookup p99"), Some(true), "4 ms");
        assert_eq!(met("create"), Some(false), "2,000/s");
        assert_eq!(met("PATCH deactivate"), None, "not measured");
        assert_eq!(met("lookup at full size"), Some(true), "0.94");
        assert_eq!(met("group add"), Some(true), "1.9 ms");
        assert_eq!(met("group remove"), None);
        assert_eq!(met("rule change"), Some(false), "2.5 s");
        assert_eq!(met("server RSS"), Some(false), "160 MB");
    }
}
