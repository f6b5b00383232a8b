//! `prevoir serve` as a user starts it: the real binary on a free port, its start-up messages, and
//! the start-up errors it must explain.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

/// The child server, killed when the test ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn prevoir() -> Command {
    Command::new(env!("CARGO_BIN_EXE_prevoir"))
}

#[test]
fn prevoir_serve_prints_where_it_listens_and_answers_there() {
    let models = helpers::models_dir();
    let token_file = models.path().join("token");
    std::fs::write(&token_file, format!("{}\n", helpers::TOKEN)).unwrap();
    let mut child = prevoir()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--no-precompute",
            "--models",
        ])
        .arg(models.path())
        .arg("--token-file")
        .arg(&token_file)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);

    let mut printed = Vec::new();
    let mut address = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            address = rest.split_whitespace().next().map(str::to_owned);
            break;
        }
        printed.push(line);
    }

    let address = address.expect("the listening line");
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with("model canteen: canteen-h28-")),
        "{printed:?}"
    );
    assert!(
        printed
            .iter()
            .any(|l| l.contains("writing endpoints enabled")),
        "{printed:?}"
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let health: serde_json::Value = client
            .get(format!("http://{address}/health"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["status"], "ok");
        let reload = client
            .post(format!("http://{address}/v1/admin/reload"))
            .bearer_auth(helpers::TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(
            reload.status(),
            200,
            "the token from --token-file is the one checked"
        );
    });
}

#[test]
fn an_empty_token_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "\n").unwrap();

    let out = prevoir()
        .args(["serve", "--addr", "127.0.0.1:0", "--token-file"])
        .arg(&token_file)
        .output()
        .unwrap();

    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("the API token is empty"));
}

#[test]
fn a_broken_model_stops_the_start_and_names_the_file() {
    let models = helpers::models_dir();
    let broken = models.path().join("canteen-h1").join("model.json");
    std::fs::write(&broken, "{\"card\": 42}").unwrap();

    let out = prevoir()
        .args(["serve", "--addr", "127.0.0.1:0", "--models"])
        .arg(models.path())
        .output()
        .unwrap();

    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("canteen-h1/model.json") && stderr.contains("not a Prévoir model"),
        "{stderr}"
    );
}
