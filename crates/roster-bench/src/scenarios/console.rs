//! Scenario 8, the admin console's Team page (docs/CONSOLE.md): a one-time
//! link from `POST /api/v1/console/links` opens a session, then
//! - `console.team.<filter>`: `GET /console/team` with each filter an admin
//!   uses, each measured on its own for `--duration`, one request at a time
//!   on one connection (the latency of a page is the figure: the bar is
//!   200 ms at 100,000 members, for every filter): `all` (none), `search`
//!   (many match), `search.one` (one member matches: every member is read),
//!   `role` (most match), `role.none` (none does: every member is read),
//!   `workspace` (a workspace the largest sized group gets a level
//!   in, by a rule made for the scenario and deleted after it), `status`
//!   (inactive) and `stale` ("not logged in for 30 days");
//! - `console.team.paging`: the first 50 pages of the unfiltered list, each
//!   asked for by the "Next page" link of the one before (cursor paging:
//!   page 50 must cost what page 1 does).
//!
//! The first page's count must be the number of users the sync created.

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::Value;

use super::Bench;
use crate::client::{Connection, Endpoint, FORM};
use crate::load::{self, Recorder, Request, Workload};
use crate::report::Measurement;

/// Pages the paging walk follows.
const PAGES: usize = 50;

/// One Team page, asked for again and again.
struct Repeat(String);

impl Workload for Repeat {
    fn next(&mut self) -> Option<Request> {
        Some(Request::get(self.0.clone()))
    }
}

pub async fn run(bench: &mut Bench) -> anyhow::Result<()> {
    let Some(admin) = bench.admin.clone() else {
        bench.report.note(
            "console (scenario 8) skipped: it needs Roster's /api/v1 (--api-url and --api-token with another server)"
                .into(),
        );
        return Ok(());
    };
    eprintln!("8. console: the Team page");
    let console = sign_in(&admin).await?;
    let first = first_page_total(&console).await?;
    bench.report.check(
        "console.team.total",
        first.is_some_and(|total| total >= bench.users.len()),
        format!(
            "the Team page counts {first:?} members; the sync created {}",
            bench.users.len()
        ),
    );
    let tag = bench.tag.clone();
    let one = bench.users.len().saturating_sub(1);
    let workspace = WorkspaceRule::create(bench, &admin).await?;
    let mut filters = vec![
        ("all", "/team".to_owned()),
        ("search", format!("/team?q={tag}.user1")),
        ("search.one", format!("/team?q={tag}.user{one}%40")),
        ("role", "/team?role=member".to_owned()),
        ("role.none", "/team?role=admin".to_owned()),
        ("status", "/team?status=inactive".to_owned()),
        ("stale", "/team?stale_days=30".to_owned()),
    ];
    if let Some(workspace) = &workspace {
        filters.push(("workspace", format!("/team?workspace={}", workspace.slug)));
    }
    for (name, path) in filters {
        let settings = bench.settings.timed();
        let (recorder, _) = load::run(&console, 1, Repeat(path), settings).await?;
        bench.report.push(Measurement::of(
            8,
            format!("console.team.{name}"),
            &recorder,
        ));
    }
    if let Some(workspace) = workspace {
        workspace.delete(&admin).await?;
    }
    paging(bench, &console).await
}

/// A workspace whose level the largest sized group's members get by a rule.
struct WorkspaceRule {
    slug: String,
    rule: String,
}

impl WorkspaceRule {
    async fn create(bench: &Bench, admin: &Rc<Endpoint>) -> anyhow::Result<Option<Self>> {
        let Some(group) = bench.largest_group() else {
            return Ok(None);
        };
        let mut api = Connection::new(Rc::clone(admin));
        let slug = format!("bench-console-{}", bench.tag);
        let body = serde_json::json!({"slug": slug, "name": "roster bench console"});
        let created = api
            .send("POST", "/workspaces", body.to_string().as_bytes())
            .await?;
        anyhow::ensure!(created.status == 201, "a workspace: {}", created.excerpt());
        let rule = serde_json::json!({"match": {"group_id": group.id}, "workspace": slug, "level": "viewer"});
        let created = api
            .send("POST", "/rules", rule.to_string().as_bytes())
            .await?;
        anyhow::ensure!(created.status == 201, "a rule: {}", created.excerpt());
        let rule = super::id_of(&created).map_err(anyhow::Error::msg)?;
        Ok(Some(Self { slug, rule }))
    }

    async fn delete(self, admin: &Rc<Endpoint>) -> anyhow::Result<()> {
        let mut api = Connection::new(Rc::clone(admin));
        for path in [
            format!("/rules/{}", self.rule),
            format!("/workspaces/{}", self.slug),
        ] {
            let deleted = api.send("DELETE", &path, b"").await?;
            anyhow::ensure!(
                matches!(deleted.status, 200 | 204),
                "DELETE {path}: {}",
                deleted.excerpt()
            );
        }
        Ok(())
    }
}

/// Opens a console session with a new link; the console endpoint that
/// sends its cookie.
async fn sign_in(admin: &Rc<Endpoint>) -> anyhow::Result<Rc<Endpoint>> {
    let mut api = Connection::new(Rc::clone(admin));
    let link = api.send("POST", "/console/links", b"{}").await?;
    anyhow::ensure!(link.status == 201, "a console link: {}", link.excerpt());
    let link: Value = serde_json::from_slice(&link.body)?;
    let url = link["url"].as_str().unwrap_or_default();
    let (base, secret) = url
        .split_once("/console/enter/")
        .ok_or_else(|| anyhow::anyhow!("a console link without /console/enter/: {url}"))?;
    let console = Endpoint::parse(&format!("{base}/console"), "", FORM)?;
    let mut connection = Connection::new(Rc::clone(&console));
    let entered = connection
        .send("POST", "/enter", format!("link={secret}").as_bytes())
        .await?;
    anyhow::ensure!(
        entered.status == 303,
        "opening the console: {}",
        entered.excerpt()
    );
    let cookie = entered
        .set_cookies
        .iter()
        .filter_map(|cookie| cookie.split(';').next())
        .find(|pair| pair.contains("roster_console="))
        .ok_or_else(|| anyhow::anyhow!("opening the console set no session cookie"))?;
    Ok(console.with_cookie(cookie.to_owned()))
}

/// The member count the unfiltered first page shows.
async fn first_page_total(console: &Rc<Endpoint>) -> anyhow::Result<Option<usize>> {
    let mut connection = Connection::new(Rc::clone(console));
    let page = connection.send("GET", "/team", b"").await?;
    anyhow::ensure!(page.status == 200, "the Team page: {}", page.excerpt());
    let html = String::from_utf8_lossy(&page.body);
    Ok(html
        .split_once("id=\"team-total\">")
        .and_then(|(_, rest)| rest.split(' ').next())
        .and_then(|count| count.parse().ok()))
}

/// Follows "Next page" from the first page for [`PAGES`] pages.
async fn paging(bench: &mut Bench, console: &Rc<Endpoint>) -> anyhow::Result<()> {
    let mut connection = Connection::new(Rc::clone(console));
    let recorder = RefCell::new(Recorder::default());
    let started = std::time::Instant::now();
    let mut path = Some("/team".to_owned());
    let mut pages = 0;
    while let Some(current) = path.take() {
        if pages == PAGES {
            break;
        }
        let mut next = None;
        let read = |response: &crate::client::Response| {
            next = next_link(&response.body);
            Ok(())
        };
        load::send(&mut connection, &Request::get(current), read, &recorder).await?;
        pages += 1;
        path = next;
    }
    let mut recorder = recorder.into_inner();
    recorder.elapsed = started.elapsed();
    bench.report.push(Measurement::counting(
        8,
        "console.team.paging",
        "pages",
        pages as u64,
        &recorder,
    ));
    Ok(())
}

/// The path of the page's `rel="next"` link, below `/console`.
fn next_link(body: &[u8]) -> Option<String> {
    let html = String::from_utf8_lossy(body);
    let (_, rest) = html.split_once("rel=\"next\" href=\"/console")?;
    let href = rest.split('"').next()?;
    Some(href.replace("&amp;", "&"))
}
