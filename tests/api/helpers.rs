//! Test helpers: a real server on a random loopback port, over a models directory of its own, and
//! an HTTP client. Each test spawns its own app (arrange), talks HTTP to it (act) and checks the
//! answers (assert).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;
use serve::{ServeConfig, Server};

pub const TOKEN: &str = "test-token-4f1c9a";

/// A leak model trained once per test process with the current code, on the shipped samples (the
/// same command as the one that produced `models/leaks`).
fn trained_leak_model() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("leaks");
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_prevoir"))
            .args([
                "train",
                "leaks",
                "--labels",
                "data-samples/leaks/leak_labels.csv",
                "--to",
                "2019-01-27",
                "--out",
            ])
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("running prevoir train leaks");
        assert!(status.success(), "prevoir train leaks failed");
        dir
    })
    .path()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create model dir");
    for entry in std::fs::read_dir(from).expect("read model dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().expect("file name")))
                .expect("copy model file");
        }
    }
}

/// A models directory like the shipped one: both canteen models as shipped, the leak model freshly
/// trained.
pub fn models_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["canteen", "canteen-h1"] {
        copy_dir(&PathBuf::from("models").join(name), &dir.path().join(name));
    }
    copy_dir(
        &trained_leak_model().join("leaks"),
        &dir.path().join("leaks"),
    );
    dir
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub models_dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The default test configuration: a token, the sample readings held, no background precompute.
pub fn config(models: &Path) -> ServeConfig {
    let mut config = ServeConfig::new(models);
    config.token = Some(TOKEN.to_owned());
    config.leak_readings = Some(PathBuf::from("data-samples/leaks"));
    config.precompute = false;
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns the app with a configuration adjusted by `adjust`.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut ServeConfig)) -> TestApp {
    let models_dir = models_dir();
    let mut config = config(models_dir.path());
    adjust(&mut config);
    let server = Server::bind(config, "127.0.0.1:0")
        .await
        .expect("the server starts");
    let address = format!("http://{}", server.local_addr().expect("bound"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run_until(async {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        address,
        client,
        models_dir,
        shutdown: Some(tx),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_with_token(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_json_with_token(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(TOKEN)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// GET and parse a 200 JSON answer.
    pub async fn get_ok(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("JSON body")
    }
}

/// Asserts a problem+json answer with `status` and returns it.
pub async fn assert_problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("problem JSON");
    assert_eq!(body["status"], status);
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("urn:prevoir:problem:")),
        "{body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    body
}

/// The field a problem names.
pub fn problem_field(problem: &Value) -> &str {
    problem["errors"][0]["field"].as_str().unwrap_or_default()
}

/// base + Σ contributions, and the forecast.
pub fn additivity(forecast: &Value) -> (f64, f64) {
    let e = &forecast["explanation"];
    let base = e["base_meals"].as_f64().expect("base");
    let sum: f64 = e["contributions"]
        .as_array()
        .expect("contributions")
        .iter()
        .map(|c| c["meals"].as_f64().expect("meals"))
        .sum();
    (
        base + sum,
        forecast["forecast_meals"].as_f64().expect("forecast"),
    )
}

/// Every answer about a model says which model and which data.
pub fn assert_provenance(body: &Value) {
    for key in ["model_version", "data_fingerprint", "data_cutoff"] {
        assert!(
            body[key].as_str().is_some_and(|s| !s.is_empty()),
            "missing {key} in {body}"
        );
    }
    assert_eq!(
        body["data_fingerprint"].as_str().map(str::len),
        Some(64),
        "SHA-256 hex"
    );
}
