//! Leak endpoints: scoring posted readings (JSON and CSV), ingesting, alarms, score timelines, the
//! network sketch, and who may read them.

use serde_json::{Value, json};

use crate::helpers::{
    TOKEN, assert_problem, assert_provenance, problem_field, spawn_app, spawn_app_with,
};

/// `days` days of the sample readings from `first_day` as a SCADA table (every kind of sensor).
fn sample_csv(first_day: &str, days: usize) -> String {
    let mut columns: Vec<(String, Vec<String>)> = Vec::new();
    let mut times: Vec<String> = Vec::new();
    for file in ["flows.csv", "pressures.csv", "levels.csv"] {
        let text = std::fs::read_to_string(format!("data-samples/leaks/{file}")).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(';').collect();
        let rows: Vec<Vec<&str>> = lines
            .map(|l| l.split(';').collect::<Vec<_>>())
            .filter(|r| r[0].as_bytes() >= first_day.as_bytes())
            .take(days * 288)
            .collect();
        if times.is_empty() {
            times = rows.iter().map(|r| r[0].to_owned()).collect();
        }
        for (j, id) in header.iter().enumerate().skip(1) {
            columns.push((
                id.to_string(),
                rows.iter().map(|r| r[j].to_owned()).collect(),
            ));
        }
    }
    let mut out = String::from("Timestamp");
    for (id, _) in &columns {
        out.push(';');
        out.push_str(id);
    }
    out.push('\n');
    for (t, time) in times.iter().enumerate() {
        out.push_str(time);
        for (_, values) in &columns {
            out.push(';');
            out.push_str(&values[t]);
        }
        out.push('\n');
    }
    out
}

/// The same readings as JSON columns.
fn sample_json(first_day: &str, days: usize) -> Value {
    let csv = sample_csv(first_day, days);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(';').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(';').collect()).collect();
    let number = |s: &str| s.replace(',', ".").parse::<f64>().ok();
    let column = |j: usize| rows.iter().map(|r| number(r[j])).collect::<Vec<_>>();
    let (mut flows, mut pressures, mut levels) = (
        serde_json::Map::new(),
        serde_json::Map::new(),
        serde_json::Map::new(),
    );
    for (j, id) in header.iter().enumerate().skip(1) {
        let target = match *id {
            "pin1" | "pin2" | "PUMP_1" => &mut flows,
            "T1" => &mut levels,
            _ => &mut pressures,
        };
        target.insert(id.to_string(), json!(column(j)));
    }
    json!({"start": rows[0][0], "step_minutes": 5, "flows": flows, "pressures": pressures, "levels": levels})
}

#[tokio::test]
async fn leak_data_needs_the_token_unless_public() {
    let app = spawn_app().await;

    for path in ["/v1/leaks/alarms", "/v1/leaks/scores", "/v1/leaks/network"] {
        assert_problem(app.get(path).await, 401).await;
        let wrong = app
            .client
            .get(app.url(path))
            .bearer_auth("guess")
            .send()
            .await
            .unwrap();
        assert_problem(wrong, 401).await;
        assert_eq!(app.get_with_token(path).await.status(), 200, "{path}");
    }
    let public = spawn_app_with(|c| c.leaks_public = true).await;
    assert_eq!(public.get("/v1/leaks/alarms").await.status(), 200);
}

#[tokio::test]
async fn the_held_sample_readings_raise_alarms_with_candidates_and_explanations() {
    let app = spawn_app().await;

    let response = app
        .get_with_token("/v1/leaks/alarms?from=2019-01-28&to=2019-02-17")
        .await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_provenance(&body);
    assert_eq!(body["readings_from"], "2019-01-07 00:00:00");
    let alarms = body["alarms"].as_array().unwrap();
    assert!(!alarms.is_empty(), "the test weeks hold injected leaks");
    for alarm in alarms {
        let at = alarm["detected_at"].as_str().unwrap();
        assert!(("2019-01-28".."2019-02-18").contains(&at), "{at}");
        assert!(!alarm["candidates"].as_array().unwrap().is_empty());
        let sensors = alarm["explanation"]["sensors"].as_array().unwrap();
        assert!(!sensors.is_empty());
        assert!(
            sensors[0]["expected_m"].as_f64().is_some()
                && sensors[0]["observed_m"].as_f64().is_some()
        );
        assert!(sensors[0]["since"].as_str().unwrap().len() == 19);
        assert!(
            alarm["explanation"]["summary"]
                .as_str()
                .unwrap()
                .contains("below expected")
        );
    }
    let p44 = alarms.iter().any(|a| {
        a["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .take(5)
            .any(|c| c["pipe"] == "p44")
    });
    assert!(
        p44,
        "the leak on p44 (2019-01-30) is among the first candidates of an alarm"
    );
    let none = app
        .get_with_token("/v1/leaks/alarms?from=2019-01-07&to=2019-01-20")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        none["alarms"],
        json!([]),
        "no alarm in the warm-up and training weeks"
    );
    let reversed = assert_problem(
        app.get_with_token("/v1/leaks/alarms?from=2019-02-17&to=2019-01-28")
            .await,
        422,
    )
    .await;
    assert_eq!(problem_field(&reversed), "from");
}

#[tokio::test]
async fn the_score_timeline_has_one_value_per_bucket_and_area() {
    let app = spawn_app().await;

    let body: Value = app
        .get_with_token("/v1/leaks/scores?from=2019-02-01&to=2019-02-02&every_minutes=60")
        .await
        .json()
        .await
        .unwrap();

    let times = body["times"].as_array().unwrap();
    assert_eq!(times.len(), 48);
    assert_eq!(times[0], "2019-02-01 00:00:00");
    for area in body["areas"].as_array().unwrap() {
        assert_eq!(area["scores"].as_array().unwrap().len(), 48);
        let max = area["max_score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&max));
    }
    let bad = assert_problem(
        app.get_with_token("/v1/leaks/scores?every_minutes=1").await,
        422,
    )
    .await;
    assert_eq!(problem_field(&bad), "every_minutes");
    let bad = assert_problem(
        app.get_with_token("/v1/leaks/scores?from=yesterday").await,
        400,
    )
    .await;
    assert_eq!(problem_field(&bad), "from");
}

#[tokio::test]
async fn scoring_posted_json_and_csv_gives_the_same_scores() {
    let app = spawn_app().await;
    let csv = sample_csv("2019-01-29", 3);

    let from_json = app
        .client
        .post(app.url("/v1/leaks/score?alarms_from=2019-01-30"))
        .bearer_auth(TOKEN)
        .json(&sample_json("2019-01-29", 3))
        .send()
        .await
        .unwrap();
    let from_csv = app
        .client
        .post(app.url("/v1/leaks/score?alarms_from=2019-01-30"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();

    assert_eq!(from_json.status(), 200);
    assert_eq!(from_csv.status(), 200);
    let (a, b): (Value, Value) = (
        from_json.json().await.unwrap(),
        from_csv.json().await.unwrap(),
    );
    assert_provenance(&a);
    assert_eq!(a["steps"], 3 * 288);
    assert_eq!(a["alarms_from"], "2019-01-30 00:00:00");
    assert_eq!(a["areas"], b["areas"]);
    assert_eq!(a["areas"][0]["scores"].as_array().unwrap().len(), 3 * 288);
    // Alarms the area balance did not confirm are listed apart, each saying why it was held.
    assert_eq!(a["held_alarms"], b["held_alarms"]);
    for held in a["held_alarms"].as_array().expect("held_alarms is a list") {
        let summary = held["explanation"]["summary"].as_str().unwrap_or_default();
        assert!(summary.contains("Not raised"), "{summary}");
    }
}

#[tokio::test]
async fn readings_that_do_not_fit_the_model_are_refused_by_name() {
    let app = spawn_app().await;
    let post = |body: Value| {
        app.client
            .post(app.url("/v1/leaks/score"))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
    };

    let mut unknown = sample_json("2019-02-01", 1);
    unknown["pressures"]["n999"] = unknown["pressures"]["n1"].clone();
    assert_eq!(
        problem_field(&assert_problem(post(unknown).await.unwrap(), 422).await),
        "pressures.n999"
    );
    let mut step = sample_json("2019-02-01", 1);
    step["step_minutes"] = json!(10);
    assert_eq!(
        problem_field(&assert_problem(post(step).await.unwrap(), 422).await),
        "step_minutes"
    );
    let mut ragged = sample_json("2019-02-01", 1);
    ragged["pressures"]["n1"].as_array_mut().unwrap().pop();
    assert_problem(post(ragged).await.unwrap(), 422).await;
    let mut extra = sample_json("2019-02-01", 1);
    extra["operator"] = json!("Jean Dupont");
    assert_eq!(
        problem_field(&assert_problem(post(extra).await.unwrap(), 422).await),
        "operator"
    );
    let csv = app
        .client
        .post(app.url("/v1/leaks/score"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/csv")
        .body("Timestamp;n1;zz9\n2019-02-01 00:00:00;30;1\n")
        .send()
        .await
        .unwrap();
    assert!(
        assert_problem(csv, 422).await["detail"]
            .as_str()
            .unwrap()
            .contains("unknown sensor zz9")
    );
    let located = app
        .client
        .post(app.url("/v1/leaks/score"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/csv")
        .body("Timestamp;n1\n2019-02-01 00:00:00;thirty\n")
        .send()
        .await
        .unwrap();
    assert!(
        assert_problem(located, 422).await["detail"]
            .as_str()
            .unwrap()
            .contains("<request body>:2:21")
    );
    let xml = app
        .client
        .post(app.url("/v1/leaks/score"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/xml")
        .body("<a/>")
        .send()
        .await
        .unwrap();
    assert_problem(xml, 415).await;
}

#[tokio::test]
async fn ingesting_needs_the_token_and_merges_into_the_held_readings() {
    let app = spawn_app_with(|c| c.leak_readings = None).await;
    let day = sample_json("2019-02-01", 2);

    assert_problem(app.post_json("/v1/leaks/readings", &day).await, 401).await;
    let response = app.post_json_with_token("/v1/leaks/readings", &day).await;
    assert_eq!(response.status(), 200);
    let first: Value = response.json().await.unwrap();
    let response = app
        .post_json_with_token("/v1/leaks/readings", &sample_json("2019-02-03", 1))
        .await;
    let second: Value = response.json().await.unwrap();

    assert_provenance(&second);
    assert_eq!(first["steps_held"], 2 * 288);
    assert_eq!(second["readings_from"], "2019-02-01 00:00:00");
    assert_eq!(second["readings_to"], "2019-02-03 23:55:00");
    assert_eq!(second["steps_held"], 3 * 288);
    let alarms: Value = app
        .get_with_token("/v1/leaks/alarms")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alarms["readings_to"], "2019-02-03 23:55:00");
    let no_token = spawn_app_with(|c| c.token = None).await;
    let problem = assert_problem(no_token.post_json("/v1/leaks/readings", &day).await, 403).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("no API token is configured")
    );
}

#[tokio::test]
async fn the_network_sketch_has_coordinates_areas_and_sensors() {
    let app = spawn_app().await;

    let net: Value = app
        .get_with_token("/v1/leaks/network")
        .await
        .json()
        .await
        .unwrap();

    assert_provenance(&net);
    assert_eq!(net["matches_training_data"], true);
    let nodes = net["nodes"].as_array().unwrap();
    let links = net["links"].as_array().unwrap();
    assert!(nodes.len() > 40 && links.len() > 40);
    assert!(
        nodes
            .iter()
            .all(|n| n["x"].as_f64().is_some() && n["y"].as_f64().is_some())
    );
    let ids: std::collections::HashSet<&str> =
        nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert!(
        links
            .iter()
            .all(|l| ids.contains(l["from"].as_str().unwrap())
                && ids.contains(l["to"].as_str().unwrap()))
    );
    assert_eq!(
        nodes.iter().filter(|n| n["sensor"] == "pressure").count(),
        11
    );
    assert!(links.iter().any(|l| l["id"] == "p44"));
    let areas: Vec<&str> = net["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(areas, ["A", "B", "C"]);
}
