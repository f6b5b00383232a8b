//! Model endpoints: list, cards, public-algorithm notices, and the atomic reload.

use serde_json::Value;

use crate::helpers::{TOKEN, TestApp, additivity, assert_problem, assert_provenance, spawn_app};

/// `POST /v1/admin/reload`, with `token` as bearer when given.
async fn reload(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let request = app.client.post(app.url("/v1/admin/reload"));
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_model_list_carries_versions_fingerprints_and_cutoffs() {
    let app = spawn_app().await;

    let body = app.get_ok("/v1/models").await;

    let models = body["models"].as_array().unwrap();
    let names: Vec<&str> = models
        .iter()
        .map(|m| m["model_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["canteen", "canteen-h1", "leaks"]);
    for m in models {
        assert_provenance(m);
    }
    assert_eq!(models[0]["horizon_days"], 28);
    assert_eq!(models[1]["horizon_days"], 1);
    assert_eq!(models[2]["kind"], "leaks");
}

#[tokio::test]
async fn every_model_has_a_card_and_unknown_ones_are_404() {
    let app = spawn_app().await;

    for name in ["canteen", "canteen-h1", "leaks"] {
        let card = app.get_ok(&format!("/v1/models/{name}")).await;
        assert_provenance(&card);
        assert_eq!(card["model_version"], card["version"]);
        assert!(!card["features"].as_array().unwrap().is_empty());
        assert!(!card["data_files"].as_array().unwrap().is_empty());
    }
    assert_problem(app.get("/v1/models/crystal-ball").await, 404).await;
    assert_problem(app.get("/v1/models/crystal-ball/notice").await, 404).await;
}

#[tokio::test]
async fn the_notice_covers_the_four_crpa_items_in_french() {
    let app = spawn_app().await;

    for name in ["canteen", "leaks"] {
        let n = app.get_ok(&format!("/v1/models/{name}/notice")).await;

        assert_provenance(&n);
        assert!(n["legal_basis"].as_str().unwrap().contains("L.311-3-1"));
        assert!(
            n["contribution"]["title"]
                .as_str()
                .unwrap()
                .starts_with("1. Degré et mode de contribution")
        );
        assert!(
            n["contribution"]["paragraphs"][0]
                .as_str()
                .unwrap()
                .contains("aide")
        );
        assert!(
            n["data"]["title"]
                .as_str()
                .unwrap()
                .starts_with("2. Données traitées et leurs sources")
        );
        assert!(!n["data"]["variables"].as_array().unwrap().is_empty());
        assert!(!n["data"]["sources"].as_array().unwrap().is_empty());
        assert!(n["data"]["files"][0]["sha256"].as_str().unwrap().len() == 64);
        assert!(
            n["parameters"]["title"]
                .as_str()
                .unwrap()
                .starts_with("3. Paramètres de traitement")
        );
        assert!(!n["parameters"]["settings"].as_array().unwrap().is_empty());
        assert!(
            n["operations"]["title"]
                .as_str()
                .unwrap()
                .starts_with("4. Opérations")
        );
        assert!(!n["operations"]["paragraphs"].as_array().unwrap().is_empty());
        assert!(n["contact"].as_str().unwrap().contains("À compléter"));
    }
}

#[tokio::test]
async fn the_notice_applies_the_weights_to_a_canteen_day() {
    let app = spawn_app().await;
    let forecast = app
        .get_ok("/v1/canteens/jules-ferry/forecast?date=2018-07-02")
        .await;

    let n = app
        .get_ok("/v1/models/canteen/notice?canteen=jules-ferry&date=2018-07-02")
        .await;

    let case = &n["parameters"]["case"];
    assert!(
        case["description"]
            .as_str()
            .unwrap()
            .contains("JULES FERRY le 2018-07-02 (lundi)")
    );
    assert_eq!(case["result"], forecast["forecast_meals"]);
    let sum: f64 = case["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["effect"].as_f64().unwrap())
        .sum();
    let (total, value) = additivity(&forecast);
    assert!(
        (case["base"].as_f64().unwrap() + sum - value).abs() < 1e-6 && (total - value).abs() < 1e-6
    );
    let leak_case = assert_problem(
        app.get("/v1/models/leaks/notice?canteen=jules-ferry&date=2018-07-02")
            .await,
        422,
    )
    .await;
    assert_eq!(leak_case["errors"][0]["field"], "canteen");
    assert_problem(
        app.get("/v1/models/canteen/notice?canteen=jules-ferry")
            .await,
        422,
    )
    .await;
}

#[tokio::test]
async fn the_notice_is_a_french_html_page_for_browsers() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/v1/models/canteen/notice"))
        .header("accept", "text/html,*/*")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("<html lang=\"fr\">"));
    for heading in [
        "1. Degré et mode de contribution",
        "2. Données traitées",
        "3. Paramètres de traitement",
        "4. Opérations effectuées",
    ] {
        assert!(page.contains(heading), "{heading}");
    }
    let json = app
        .client
        .get(app.url("/v1/models/canteen/notice?format=json"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(
        json.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_problem(app.get("/v1/models/canteen/notice?format=pdf").await, 400).await;
}

#[tokio::test]
async fn reloading_needs_the_token() {
    let app = spawn_app().await;

    assert_problem(reload(&app, None).await, 401).await;
    assert_problem(reload(&app, Some("not-it")).await, 401).await;
    let ok = reload(&app, Some(TOKEN)).await;
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["models"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_bad_model_file_is_refused_and_the_running_model_stays() {
    let app = spawn_app().await;
    let before = app
        .get_ok("/v1/canteens/condorcet/forecast?date=2018-06-12")
        .await;
    let model = app.models_dir.path().join("canteen").join("model.json");
    let mut broken = std::fs::read(&model).unwrap();
    broken.truncate(broken.len() / 2);
    std::fs::write(&model, broken).unwrap();

    let response = reload(&app, Some(TOKEN)).await;

    let problem = assert_problem(response, 422).await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("reload refused") && detail.contains("model.json"),
        "{detail}"
    );
    let after = app
        .get_ok("/v1/canteens/condorcet/forecast?date=2018-06-12")
        .await;
    assert_eq!(after, before);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("prevoir_model_reloads_refused_total 1"));
}

#[tokio::test]
async fn a_reload_swaps_in_a_retrained_model() {
    let app = spawn_app().await;
    let card = app.models_dir.path().join("canteen-h1").join("model.json");
    let mut model: Value = serde_json::from_slice(&std::fs::read(&card).unwrap()).unwrap();
    model["card"]["version"] = Value::from("canteen-h1-retrained-42f6b4d0");
    std::fs::write(&card, serde_json::to_vec(&model).unwrap()).unwrap();

    let response = reload(&app, Some(TOKEN)).await;

    assert_eq!(response.status(), 200);
    let f = app
        .get_ok("/v1/canteens/condorcet/forecast?date=2018-06-12&horizon=1")
        .await;
    assert_eq!(f["model_version"], "canteen-h1-retrained-42f6b4d0");
}

#[test]
fn the_shipped_models_directory_loads() {
    let loaded = serve::AppState::load(serve::ServeConfig::new("models"));

    if let Err(e) = &loaded {
        panic!("models/ does not load with the current code (retrain and re-ship the model): {e}");
    }
}
