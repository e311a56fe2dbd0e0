//! Benchmark: the cost per element of each list-shaped input of a SCIM body,
//! at 1×, 10× and 100× a list's length (issue 15, "Bounded work per
//! request"; docs/SECURITY.md and docs/PERFORMANCE.md say why).
//!
//! Work that grows linearly costs the same per element at every length;
//! quadratic work costs ten times more per element at each step, which is how
//! one 430 KB body once held a worker for seconds. Each case runs the pure
//! functions a request runs — `RequestLimits::check_body`, the normalisation
//! of a POST body, a PATCH parsed, applied and checked — in-process, without
//! a server or database, so the figures are of that work alone. Each length
//! is timed for at least 200 ms and the median of 5 such runs is printed.
//!
//! `cargo bench -p roster-bench --bench list_inputs [-- --base 10]`. Without
//! `--bench` (which `cargo bench` passes and `cargo test --all-targets` does
//! not) it exits at once.

use std::hint::black_box;
use std::time::{Duration, Instant};

use roster::scim::limits::RequestLimits;
use roster::scim::patch;
use roster::scim::resource::{self, Document};
use roster::scim::schema::ResourceKind;
use serde_json::{Value, json};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn emails(count: usize, prefix: &str) -> Value {
    (0..count)
        .map(|index| json!({"value": format!("{prefix}{index}@example.com"), "type": "work"}))
        .collect::<Vec<_>>()
        .into()
}

/// The stored document of a user with `count` e-mail addresses.
fn stored(count: usize) -> Document {
    let body = json!({"userName": "bench", "emails": emails(count, "old")});
    resource::document_from_request(ResourceKind::User, body).expect("the stored user is valid")
}

/// One PATCH: parsed and checked as the handler does, applied to `document`.
fn patched(limits: &RequestLimits, body: &Value, document: &Document) {
    let patch =
        patch::parse_user_request(body, limits).expect("the PATCH body parses, within the limits");
    let document = patch.apply(document).expect("the PATCH applies");
    limits
        .check_document(&document)
        .expect("the patched user is within the limits");
    black_box(document);
}

/// A PATCH case: for length `n`, a user with `stored_len(n)` e-mail
/// addresses and the request of `operations(n)`, run as [`patched`].
fn patch_case(
    limits: &RequestLimits,
    stored_len: fn(usize) -> usize,
    operations: fn(usize) -> Value,
) -> Box<dyn Fn(usize) -> Box<dyn FnMut()>> {
    let limits = limits.clone();
    Box::new(move |n| {
        let limits = limits.clone();
        let document = stored(stored_len(n));
        let body = json!({"schemas": [PATCH_OP], "Operations": operations(n)});
        Box::new(move || patched(&limits, &body, &document))
    })
}

/// Seconds per call of `work`: the median of 5 runs of at least 200 ms each.
fn time(mut work: impl FnMut()) -> f64 {
    let mut runs: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let mut calls = 0u32;
            while started.elapsed() < Duration::from_millis(200) {
                work();
                calls += 1;
            }
            started.elapsed().as_secs_f64() / f64::from(calls)
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|arg| arg == "--bench") {
        return;
    }
    let base: usize = args
        .iter()
        .position(|arg| arg == "--base")
        .and_then(|at| args.get(at + 1)?.parse().ok())
        .unwrap_or(10);
    let lengths = [base, base * 10, base * 100];
    let limits = RequestLimits {
        max_values: lengths[2] * 2,
        ..RequestLimits::default()
    };
    type Case<'a> = (&'a str, Box<dyn Fn(usize) -> Box<dyn FnMut()>>);
    let limits_for_cases = limits.clone();
    let cases: Vec<Case> = vec![
        (
            "POST /Users with n emails: body checked, normalised (duplicates removed)",
            Box::new(move |n| {
                let limits = limits_for_cases.clone();
                let body = json!({"userName": "bench", "emails": emails(n, "new")});
                Box::new(move || {
                    limits
                        .check_body(&body)
                        .expect("the POST body is within the limits");
                    let document =
                        resource::document_from_request(ResourceKind::User, body.clone())
                            .expect("the POST body is a valid user");
                    limits
                        .check_document(&document)
                        .expect("the normalised user is within the limits");
                    black_box(document);
                })
            }),
        ),
        (
            "PATCH add n emails to a user with n",
            patch_case(
                &limits,
                |n| n,
                |n| json!([{"op": "add", "path": "emails", "value": emails(n, "new")}]),
            ),
        ),
        (
            "PATCH remove n listed emails of a user with n",
            patch_case(
                &limits,
                |n| n,
                |n| json!([{"op": "remove", "path": "emails", "value": emails(n, "old")}]),
            ),
        ),
        (
            "PATCH with n operations replacing title",
            patch_case(
                &limits,
                |_| 1,
                |n| {
                    (0..n)
                    .map(|index| json!({"op": "replace", "path": "title", "value": format!("t{index}")}))
                    .collect::<Vec<_>>()
                    .into()
                },
            ),
        ),
    ];
    println!(
        "cost per element at 1x, 10x and 100x (n = {lengths:?}); growth = per-element cost / the 1x one"
    );
    for (name, case) in cases {
        println!("\n{name}");
        let mut first = None;
        for n in lengths {
            let per_element = time(case(n)) / n as f64;
            let first = *first.get_or_insert(per_element);
            println!(
                "  n = {n:>6}: {:>9.1} ns per element, growth {:>5.2}x",
                per_element * 1e9,
                per_element / first
            );
        }
    }
}
