//! The web page in a real browser: starts `prevoir serve` (the binary under test) on a free
//! loopback port with the shipped models and the sample leak readings, leak data behind a token,
//! then runs `node tests/web/e2e.mjs <base-url>`, which drives Debian's headless Chromium through
//! playwright-core, checks the page's numbers against the API's and saves screenshots in
//! `tests/web/artifacts/`.
//!
//! Skip rule: with `PREVOIR_E2E` unset the test prints a notice and returns. With it set, a missing
//! Node.js, Chromium or `tests/web/node_modules` (run `npm ci` in `tests/web`) fails the test, as
//! does any failed check.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The browser the tests drive (`PREVOIR_CHROMIUM` overrides it).
fn chromium() -> PathBuf {
    std::env::var_os("PREVOIR_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Longest run of the browser tests before they are stopped.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(420);

/// A child process killed when the test ends, whatever happens.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn prerequisites(web: &Path) {
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.as_ref().is_ok_and(|o| o.status.success()),
        "PREVOIR_E2E is set but Node.js (`node`) cannot be run: {node:?}"
    );
    let browser = chromium();
    assert!(
        browser.is_file(),
        "PREVOIR_E2E is set but Chromium is missing at {} (Debian package `chromium`)",
        browser.display()
    );
    assert!(
        web.join("node_modules/playwright-core/package.json")
            .is_file(),
        "PREVOIR_E2E is set but {} has no node_modules/playwright-core: run `npm ci` in tests/web",
        web.display()
    );
}

/// Starts the server and returns it with its base URL.
fn start_server(token_file: &Path) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_prevoir"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--models",
            "models",
            "--leak-readings",
            "data-samples/leaks",
            "--no-precompute",
            "--token-file",
        ])
        .arg(token_file)
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting prevoir serve");
    let stdout = child.stdout.take().expect("the server's output");
    let running = Running(child);
    let mut printed = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("reading the server's output");
        if let Some(rest) = line.split("listening on http://").nth(1) {
            let address = rest
                .split_whitespace()
                .next()
                .expect("an address")
                .to_owned();
            return (running, format!("http://{address}"));
        }
        printed.push(line);
    }
    panic!("prevoir serve stopped before listening: {printed:?}");
}

#[test]
fn the_web_page_works_in_a_real_browser() {
    if std::env::var_os("PREVOIR_E2E").is_none() {
        eprintln!(
            "PREVOIR_E2E is unset: browser tests of the web page skipped (set it, install Chromium and run `npm ci` in tests/web)"
        );
        return;
    }
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web");
    prerequisites(&web);

    let dir = tempfile::tempdir().expect("temp dir");
    let token = "e2e-token-7c21d9";
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{token}\n")).expect("writing the token file");
    let (_server, base) = start_server(&token_file);

    // Output goes to files (no pipe to fill up while we wait), shown when the test ends.
    let out_path = dir.path().join("e2e.out");
    let out = std::fs::File::create(&out_path).expect("output file");
    let err = out.try_clone().expect("output file");
    let child = Command::new("node")
        .arg(web.join("e2e.mjs"))
        .arg(&base)
        .env("PREVOIR_E2E_TOKEN", token)
        .env("PREVOIR_E2E_ARTIFACTS", web.join("artifacts"))
        .env("PREVOIR_CHROMIUM", chromium())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("running node tests/web/e2e.mjs");
    let mut browser = Running(child);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = browser.0.try_wait().expect("waiting for the browser tests") {
            break Some(status);
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let output = std::fs::read_to_string(&out_path).unwrap_or_default();
    println!("{output}");
    let status = status.unwrap_or_else(|| {
        panic!("the browser tests ran longer than {BROWSER_TIMEOUT:?}:\n{output}")
    });
    assert!(
        status.success(),
        "browser tests failed ({status}):\n{output}"
    );
    assert!(
        output.contains(" passed, 0 failed"),
        "no summary from the browser tests:\n{output}"
    );
}
