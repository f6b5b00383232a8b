//! Health, metrics, the OpenAPI description, the docs page, and the error classes common to every
//! route.

use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn health_lists_the_models_and_the_precompute() {
    let app = spawn_app().await;

    let h = app.get_ok("/health").await;

    assert_eq!(h["status"], "ok");
    assert_eq!(h["models"].as_array().unwrap().len(), 3);
    assert_eq!(h["leak_readings_from"], "2019-01-07 00:00:00");
    assert_eq!(h["precompute"][0]["done"], 0, "precompute is off in tests");
}

#[tokio::test]
async fn the_precompute_fills_the_window_and_serves_from_memory() {
    let app = spawn_app_with(|c| c.precompute = true).await;

    let mut done = false;
    for _ in 0..600 {
        let h = app.get_ok("/health").await;
        done = h["precompute"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["done"] == p["total"] && p["total"].as_u64() > Some(0));
        if done {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(done, "precompute finished within a minute");
    let h = app.get_ok("/health").await;
    let window = &h["precompute"][0];
    app.get_ok(&format!(
        "/v1/canteens/condorcet/forecast?date={}&horizon=1",
        window["from"].as_str().unwrap()
    ))
    .await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("prevoir_forecasts_computed_total 0"),
        "served from memory:\n{metrics}"
    );
    assert!(metrics.contains("prevoir_forecast_cache_entries{model=\"canteen\"} 476"));
}

#[tokio::test]
async fn metrics_count_answers_by_route_template() {
    let app = spawn_app().await;
    app.get_ok("/v1/canteens/condorcet/forecast?date=2018-06-12")
        .await;
    app.get("/v1/canteens/atlantis/forecast?date=2018-06-12")
        .await;

    let response = app.get("/metrics").await;

    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    assert!(text.contains(r#"prevoir_http_requests_total{method="GET",route="/v1/canteens/{id}/forecast",status="2xx"} 1"#), "{text}");
    assert!(text.contains(r#"prevoir_http_requests_total{method="GET",route="/v1/canteens/{id}/forecast",status="4xx"} 1"#));
    assert!(text.contains("prevoir_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/canteens/{id}/forecast\",le=\"+Inf\"} 2"));
    assert!(text.contains("prevoir_model_info{model=\"leaks\",kind=\"leaks\""));
    assert!(text.contains("process_resident_memory_bytes "));
    assert!(!text.contains("atlantis"), "raw paths never become labels");
}

#[tokio::test]
async fn the_openapi_description_lists_every_endpoint() {
    let app = spawn_app().await;

    let spec = app.get_ok("/openapi.json").await;

    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = spec["paths"].as_object().unwrap();
    for (path, method) in [
        ("/v1/canteens", "get"),
        ("/v1/canteens/{id}/forecast", "get"),
        ("/v1/canteens/forecast", "post"),
        ("/v1/canteens/{id}/history", "get"),
        ("/v1/leaks/score", "post"),
        ("/v1/leaks/readings", "post"),
        ("/v1/leaks/alarms", "get"),
        ("/v1/leaks/scores", "get"),
        ("/v1/leaks/network", "get"),
        ("/v1/models", "get"),
        ("/v1/models/{name}", "get"),
        ("/v1/models/{name}/notice", "get"),
        ("/v1/admin/reload", "post"),
        ("/health", "get"),
        ("/metrics", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path}"
        );
    }
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
    assert!(spec["components"]["schemas"]["ForecastAnswer"].is_object());
}

#[tokio::test]
async fn the_docs_page_works_offline() {
    let app = spawn_app().await;

    // `/` is the web page (tested in a browser by tests/web_e2e.rs); the API docs stay at /docs.
    let root = app.get("/").await;
    assert_eq!(root.status(), 200);
    assert_eq!(root.headers()["content-type"], "text/html; charset=utf-8");
    let page = app.get("/docs").await.text().await.unwrap();

    assert!(page.contains("fetch(\"/openapi.json\")"));
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"http"),
        "no CDN"
    );
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_problems() {
    let app = spawn_app().await;

    let missing = assert_problem(app.get("/v2/everything").await, 404).await;
    assert!(
        missing["detail"]
            .as_str()
            .unwrap()
            .contains("/v2/everything")
    );
    let wrong = app
        .client
        .delete(app.url("/v1/canteens"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.headers()["allow"], "GET,HEAD");
    assert_problem(wrong, 405).await;
    let get_on_post = app.get("/v1/canteens/forecast").await;
    assert_problem(get_on_post, 405).await;
}

#[tokio::test]
async fn slow_requests_time_out_with_a_problem() {
    let app = spawn_app_with(|c| c.request_timeout = std::time::Duration::from_millis(1)).await;
    // A thousand canteen-days with the caller's menus: computed on request, never cached.
    let requests: Vec<Value> = (0..1000)
        .map(|i| {
            let canteen = ["condorcet", "la-source", "victor-hugo"][i % 3];
            json!({"canteen": canteen, "date": format!("2018-0{}-{:02}", 3 + i % 4, 1 + i % 28), "menu": ["Frites", format!("Plat {i}")]})
        })
        .collect();

    let response = app
        .post_json("/v1/canteens/forecast", &json!({ "requests": requests }))
        .await;

    let problem = assert_problem(response, 503).await;
    assert_eq!(problem["type"], "urn:prevoir:problem:timeout");
}

#[tokio::test]
async fn every_error_body_is_a_problem_document() {
    let app = spawn_app().await;

    let problem: Value =
        assert_problem(app.get("/v1/canteens/condorcet/forecast?date=x").await, 400).await;

    for key in ["type", "title", "status", "detail"] {
        assert!(problem.get(key).is_some(), "{key}");
    }
}
