//! Scenario 5, an identity provider's import (Okta pages with `count=100`):
//! `GET /Users?startIndex=…&count=100` page after page on one connection,
//! each page asked for when the previous one has arrived, until every user
//! was seen. Reports pages per second, the total time and the latency of a
//! page; checks that the users seen add up to `totalResults`.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use serde_json::{Value, json};

use super::Bench;
use crate::client::Connection;
use crate::load::{self, Recorder, Request};
use crate::report::{Measurement, round};

/// The page size Okta asks for.
const PAGE: u64 = 100;

pub async fn run(bench: &mut Bench) -> anyhow::Result<()> {
    eprintln!("5. list: every user, {PAGE} a page");
    let mut connection = Connection::new(Rc::clone(&bench.scim));
    let recorder = RefCell::new(Recorder::default());
    let started = Instant::now();
    let (mut start_index, mut seen, mut pages) = (1u64, 0u64, 0u64);
    let mut total = None;
    loop {
        let request = Request::get(format!("/Users?startIndex={start_index}&count={PAGE}"));
        let mut page = None;
        let read = |response: &crate::client::Response| {
            page = Some(read_page(&response.body)?);
            Ok(())
        };
        load::send(&mut connection, &request, read, &recorder).await?;
        let Some((page_total, items)) = page else {
            break;
        };
        pages += 1;
        seen += items;
        total.get_or_insert(page_total);
        if items == 0 || start_index + items > page_total {
            break;
        }
        start_index += items;
    }
    let mut recorder = recorder.into_inner();
    recorder.elapsed = started.elapsed();
    bench
        .report
        .push(Measurement::counting(5, "list", "pages", pages, &recorder));
    let total = total.unwrap_or_default();
    bench.report.check(
        "list.complete",
        seen == total && recorder.errors == 0,
        format!("{seen} users seen in {pages} pages, totalResults {total}"),
    );
    bench.report.fact(
        "list",
        json!({"pages": pages, "users_seen": seen, "total_results": total,
               "seconds": round(recorder.elapsed.as_secs_f64())}),
    );
    Ok(())
}

/// (`totalResults`, number of `Resources`) of a list response.
fn read_page(body: &[u8]) -> Result<(u64, u64), String> {
    let page: Value =
        serde_json::from_slice(body).map_err(|error| format!("a page not in JSON: {error}"))?;
    let total = page["totalResults"]
        .as_u64()
        .ok_or("a page without totalResults")?;
    let items = page["Resources"].as_array().map_or(0, Vec::len);
    Ok((total, items as u64))
}
