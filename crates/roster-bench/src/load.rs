//! The load generator: `connections` keep-alive connections, each one task
//! sending its requests one after another, all on the one thread of a
//! single-threaded tokio runtime (the load side gets one core). A
//! [`Workload`] hands out the requests; the run ends when it has none left or,
//! for a timed run, when the time is up (and at least one request was
//! measured), after a warm-up that is not recorded.
//!
//! Every request states the statuses it expects. Its latency — from writing
//! the request to the end of the answer's body — goes into an HDR histogram
//! of microseconds; any other status, or an answer the workload's check
//! refuses, is an error: counted, and the first few answers kept to print.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;

use super::client::{Connection, Endpoint, Response};

/// Answers of failed requests kept to print, per measurement.
const KEPT_ERRORS: usize = 3;
/// The histogram's range: 1 µs to 10 minutes, 3 significant digits.
const MAX_MICROS: u64 = 600_000_000;

/// One request of a workload.
pub struct Request {
    pub method: &'static str,
    /// After the endpoint's base, e.g. `/Users?filter=…`.
    pub path: String,
    pub body: Vec<u8>,
    /// The statuses that count as success.
    pub expect: &'static [u16],
    /// The workload's own number for it (e.g. the user it creates).
    pub key: usize,
}

impl Request {
    pub fn get(path: String) -> Self {
        Self {
            method: "GET",
            path,
            body: Vec::new(),
            expect: &[200],
            key: 0,
        }
    }

    /// A request with a JSON body.
    pub fn json(method: &'static str, path: String, body: &serde_json::Value) -> Self {
        Self {
            method,
            path,
            body: serde_json::to_vec(body).expect("JSON serializes"),
            expect: &[200],
            key: 0,
        }
    }

    pub fn expecting(mut self, expect: &'static [u16]) -> Self {
        self.expect = expect;
        self
    }

    pub fn keyed(mut self, key: usize) -> Self {
        self.key = key;
        self
    }
}

/// What a run sends, and what it learns from the answers.
pub trait Workload {
    /// The next request, or `None` when the workload is done.
    fn next(&mut self) -> Option<Request>;

    /// An answer with an expected status; an `Err` (a failed check, e.g. not
    /// exactly one result) counts the request as an error.
    fn answered(&mut self, _request: &Request, _response: &Response) -> Result<(), String> {
        Ok(())
    }
}

/// How long a run lasts.
#[derive(Clone, Copy)]
pub enum Length {
    /// Until the workload has no more requests; everything is recorded.
    Exhausted,
    /// `warmup` unrecorded, then `measure` recorded (or until the workload is
    /// done).
    Timed { warmup: Duration, measure: Duration },
}

/// The latencies and errors of one measurement.
pub struct Recorder {
    pub histogram: Histogram<u64>,
    /// Requests that failed (unexpected status or check).
    pub errors: u64,
    /// The first failed answers, for the report.
    pub error_samples: Vec<String>,
    /// Measured wall time.
    pub elapsed: Duration,
}

impl Default for Recorder {
    fn default() -> Self {
        Self {
            histogram: Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid bounds"),
            errors: 0,
            error_samples: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }
}

impl Recorder {
    /// Records one answered request.
    pub fn latency(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.histogram.saturating_record(micros.max(1));
    }

    /// Records one failed request.
    pub fn error(&mut self, what: String) {
        self.errors += 1;
        if self.error_samples.len() < KEPT_ERRORS {
            self.error_samples.push(what);
        }
    }

    /// Requests recorded, failed ones included.
    pub fn requests(&self) -> u64 {
        self.histogram.len()
    }

    /// Counts the errors of `other` (e.g. the warm-up's) but not its latencies.
    pub fn absorb_errors(&mut self, other: Recorder) {
        self.errors += other.errors;
        let room = KEPT_ERRORS.saturating_sub(self.error_samples.len());
        self.error_samples
            .extend(other.error_samples.into_iter().take(room));
    }

    /// Adds another part of the same measurement (e.g. users created before
    /// and after a pause).
    pub fn merge(&mut self, other: Recorder) {
        self.histogram.add(&other.histogram).expect("same bounds");
        self.elapsed += other.elapsed;
        self.absorb_errors(other);
    }
}

/// Sends one request on `connection` and records it in `recorder`; `check`
/// judges an answer with an expected status. Returns the answer when it
/// passed.
pub async fn send(
    connection: &mut Connection,
    request: &Request,
    check: impl FnOnce(&Response) -> Result<(), String>,
    recorder: &RefCell<Recorder>,
) -> anyhow::Result<Option<Response>> {
    let started = Instant::now();
    let response = connection
        .send(request.method, &request.path, &request.body)
        .await
        .with_context(|| format!("{} {}", request.method, request.path))?;
    let latency = started.elapsed();
    let verdict = if request.expect.contains(&response.status) {
        check(&response)
    } else {
        Err(format!(
            "{} {}: expected {:?}, got {}",
            request.method,
            request.path,
            request.expect,
            response.excerpt()
        ))
    };
    let mut recorder = recorder.borrow_mut();
    recorder.latency(latency);
    if let Err(what) = &verdict {
        recorder.error(what.clone());
    }
    Ok(verdict.is_ok().then_some(response))
}

/// [`send`] without a check beyond the status.
pub async fn send_one(
    connection: &mut Connection,
    request: &Request,
    recorder: &RefCell<Recorder>,
) -> anyhow::Result<Option<Response>> {
    send(connection, request, |_| Ok(()), recorder).await
}

/// Runs `workload` over `connections` connections to `endpoint`; returns the
/// measurement (with the warm-up's errors, not its latencies) and the
/// workload, with what it learnt from the answers.
pub async fn run<W: Workload + 'static>(
    endpoint: &Rc<Endpoint>,
    connections: usize,
    workload: W,
    length: Length,
) -> anyhow::Result<(Recorder, W)> {
    let workload = Rc::new(RefCell::new(workload));
    let warmup = Rc::new(RefCell::new(Recorder::default()));
    let recorder = Rc::new(RefCell::new(Recorder::default()));
    let started = Instant::now();
    let (measure_from, until) = match length {
        Length::Exhausted => (started, None),
        Length::Timed { warmup, measure } => (started + warmup, Some(started + warmup + measure)),
    };
    let last_answer = Rc::new(RefCell::new(measure_from));
    let tasks: Vec<_> = (0..connections.max(1))
        .map(|_| {
            let mut connection = Connection::new(Rc::clone(endpoint));
            let (workload, warmup, recorder, last_answer) = (
                Rc::clone(&workload),
                Rc::clone(&warmup),
                Rc::clone(&recorder),
                Rc::clone(&last_answer),
            );
            tokio::task::spawn_local(async move {
                loop {
                    let now = Instant::now();
                    // A timed run ends when its time is up, but not before one
                    // request was measured: on a starved machine a warm-up
                    // request can outlast the whole window.
                    if until.is_some_and(|until| now >= until) && recorder.borrow().requests() > 0 {
                        return anyhow::Ok(());
                    }
                    let next = workload.borrow_mut().next();
                    let Some(request) = next else {
                        return Ok(());
                    };
                    let measured = now >= measure_from;
                    let into = if measured { &recorder } else { &warmup };
                    let check =
                        |response: &Response| workload.borrow_mut().answered(&request, response);
                    send(&mut connection, &request, check, into).await?;
                    if measured {
                        *last_answer.borrow_mut() = Instant::now();
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.context("a connection's task")??;
    }
    let mut recorder = unwrap(recorder);
    recorder.absorb_errors(unwrap(warmup));
    recorder.elapsed = last_answer.borrow().saturating_duration_since(measure_from);
    Ok((recorder, unwrap(workload)))
}

/// The value of an `Rc` whose other owners, the tasks, are done.
fn unwrap<T>(shared: Rc<RefCell<T>>) -> T {
    Rc::try_unwrap(shared)
        .ok()
        .expect("the tasks are done")
        .into_inner()
}
