//! The one chromedriver of a test process: found, started on the first
//! browser test's demand, shared by every test of the process (threads under
//! `cargo test`, one test per process under nextest), and stopped when the
//! process exits, however it exits.
//!
//! chromedriver runs under a small `sh`, in a process group of its own
//! with the Chromiums it starts, and `sh` holds the read end of a pipe from
//! this process: when the process ends (a pass, a panic, a kill), the
//! kernel closes the pipe, `sh` reads end-of-file, stops the whole group
//! and deletes the directory of the sessions' profiles — so a session a
//! killed test could not end does not outlive it. chromedriver is asked for
//! port 0 and says which port it took, so no port is guessed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// How long chromedriver may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running chromedriver.
pub struct Driver {
    /// `127.0.0.1:PORT`.
    pub address: String,
    /// The browser it drives.
    pub chromium: PathBuf,
    /// Where the sessions' profiles go: deleted when chromedriver stops.
    pub profiles: PathBuf,
    /// Held, never written: closed by the kernel when this process exits,
    /// which stops chromedriver.
    _lifeline: Mutex<(Child, ChildStdin)>,
}

/// Why no browser test can run here.
pub enum Unavailable {
    /// Chromium or chromedriver is not installed: a test may skip when
    /// `ROSTER_TEST_SKIP_BROWSER=1`.
    Missing(String),
    /// They are installed but chromedriver did not start: always a failure.
    Broken(String),
}

/// The process's chromedriver, started on first use.
pub fn shared() -> Result<&'static Driver, &'static Unavailable> {
    static DRIVER: OnceLock<Result<Driver, Unavailable>> = OnceLock::new();
    DRIVER.get_or_init(start).as_ref()
}

/// `ROSTER_TEST_CHROMIUM` / `ROSTER_TEST_CHROMEDRIVER`, else Debian's paths.
fn binary(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable)
        .filter(|path| !path.is_empty())
        .map_or_else(|| PathBuf::from(default), PathBuf::from)
}

fn start() -> Result<Driver, Unavailable> {
    let chromium = binary("ROSTER_TEST_CHROMIUM", "/usr/bin/chromium");
    let chromedriver = binary("ROSTER_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");
    for path in [&chromium, &chromedriver] {
        if !path.is_file() {
            return Err(Unavailable::Missing(format!(
                "{} is not installed (Debian: apt-get install chromium chromium-driver; scripts/test \
                 installs them when run as root)",
                path.display()
            )));
        }
    }
    let profiles = tempfile::Builder::new()
        .prefix("roster-browser-")
        .tempdir()
        .map_err(|error| Unavailable::Broken(format!("a directory for profiles: {error}")))?
        .keep();
    let (child, lifeline, port) = spawn(&chromedriver, &profiles).map_err(Unavailable::Broken)?;
    Ok(Driver {
        address: format!("127.0.0.1:{port}"),
        chromium,
        profiles,
        _lifeline: Mutex::new((child, lifeline)),
    })
}

/// Starts chromedriver under its `sh` and waits for the port it announces.
fn spawn(chromedriver: &Path, profiles: &Path) -> Result<(Child, ChildStdin, u16), String> {
    // chromedriver's output (stdout and stderr) comes here; `exec
    // >/dev/null` leaves it the only writer of that pipe, so its end (a
    // crash at start) is seen as end-of-file. `cat` returns when this
    // process has ended; `sh` then ignores the TERM it sends its group (set
    // only now: children inherit an ignored signal), and deletes the
    // profiles once the Chromiums have stopped writing them.
    let script = r#""$0" --port=0 2>&1 & exec >/dev/null; cat; trap '' TERM; kill -TERM 0; wait
        for _ in 1 2 3 4 5 6 7 8 9 10; do rm -rf "$1"; sleep 0.5; [ -e "$1" ] || break; done"#;
    let mut child = Command::new("sh")
        .args(["-c", script])
        .arg(chromedriver)
        .arg(profiles)
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot run {}: {error}", chromedriver.display()))?;
    let lifeline = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");
    let (sender, receiver) = mpsc::channel();
    // Reads the announcement, then drains what chromedriver prints later.
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout);
        let mut line = String::new();
        let mut said = String::new();
        while lines.read_line(&mut line).is_ok_and(|read| read > 0) {
            if let Some(port) = line
                .trim()
                .strip_prefix("ChromeDriver was started successfully on port ")
                .and_then(|rest| rest.trim_end_matches('.').parse::<u16>().ok())
            {
                let _ = sender.send(Ok(port));
                let _ = std::io::copy(&mut lines, &mut std::io::sink());
                return;
            }
            said.push_str(&line);
            line.clear();
        }
        let _ = sender.send(Err(said));
    });
    match receiver.recv_timeout(START_TIMEOUT) {
        Ok(Ok(port)) => Ok((child, lifeline, port)),
        Ok(Err(said)) if said.trim().is_empty() => Err(format!(
            "{} exited without starting, and said nothing",
            chromedriver.display()
        )),
        Ok(Err(said)) => Err(format!(
            "{} exited without starting: {}",
            chromedriver.display(),
            said.trim()
        )),
        Err(_) => Err(format!(
            "{} did not start within {START_TIMEOUT:?}",
            chromedriver.display()
        )),
    }
}

impl Driver {
    /// The WebDriver endpoint, for fantoccini.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Ends a WebDriver session (its Chromium quits) with a blocking
    /// `DELETE /session/ID`: for `Drop`, which cannot await and may run
    /// while a panicking test's runtime is going away.
    pub fn delete_session(&self, session: &str) -> std::io::Result<()> {
        let mut stream = TcpStream::connect(&self.address)?;
        stream.set_read_timeout(Some(START_TIMEOUT))?;
        write!(
            stream,
            "DELETE /session/{session} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\n\
             Connection: close\r\n\r\n",
            self.address
        )?;
        // chromedriver keeps the connection open: read the head, then as
        // much body as its Content-Length says.
        let mut answer = Vec::new();
        let mut chunk = [0_u8; 4096];
        loop {
            let read = stream.read(&mut chunk)?;
            if read == 0 {
                break;
            }
            answer.extend_from_slice(&chunk[..read]);
            let text = String::from_utf8_lossy(&answer);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .filter_map(|line| line.split_once(':'))
                    .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, value)| value.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if body.len() >= length {
                    break;
                }
            }
        }
        Ok(())
    }
}
