//! Canteen endpoints: the list, single and batch forecasts, their explanation and history, and
//! every way a request can be wrong.

use serde_json::json;

use crate::helpers::{additivity, assert_problem, assert_provenance, problem_field, spawn_app};

#[tokio::test]
async fn the_canteen_list_gives_ids_names_and_the_forecastable_days() {
    let app = spawn_app().await;

    let body = app.get_ok("/v1/canteens").await;

    assert_provenance(&body);
    assert_eq!(body["horizons"], json!([1, 28]));
    let canteens = body["canteens"].as_array().unwrap();
    assert_eq!(canteens.len(), 7);
    let zola = canteens.iter().find(|c| c["id"] == "emile-zola").unwrap();
    assert_eq!(
        zola["name"], "EMILE ZOLA ",
        "the open-data key keeps its trailing space"
    );
    assert!(
        body["forecastable_from"].as_str().unwrap() < body["forecastable_to"].as_str().unwrap()
    );
}

#[tokio::test]
async fn contributions_plus_base_equal_the_forecast_for_every_canteen_and_both_horizons() {
    let app = spawn_app().await;
    let list = app.get_ok("/v1/canteens").await;

    for canteen in list["canteens"].as_array().unwrap() {
        for (horizon, date) in [(28, "2018-06-12"), (1, "2018-03-20"), (28, "2018-09-10")] {
            let id = canteen["id"].as_str().unwrap();
            let f = app
                .get_ok(&format!(
                    "/v1/canteens/{id}/forecast?date={date}&horizon={horizon}"
                ))
                .await;

            let (total, forecast) = additivity(&f);
            assert!(
                (total - forecast).abs() < 1e-6,
                "{id} {date}: {total} vs {forecast}"
            );
            assert_provenance(&f);
            assert_eq!(f["horizon_days"], horizon);
            assert!(
                f["order_quantity"].as_f64().unwrap()
                    >= f["order_basis_meals"].as_f64().unwrap().floor()
            );
            let groups: f64 = f["explanation"]["groups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["meals"].as_f64().unwrap())
                .sum();
            assert!(
                (f["explanation"]["base_meals"].as_f64().unwrap() + groups - forecast).abs() < 1e-6,
                "groups add up too"
            );
            let low = f["interval"]["low_meals"].as_f64().unwrap();
            let high = f["interval"]["high_meals"].as_f64().unwrap();
            assert!(
                low <= forecast && forecast <= high,
                "{low} ≤ {forecast} ≤ {high}"
            );
        }
    }
}

#[tokio::test]
async fn a_forecast_explains_itself_in_french_and_english_with_the_day_facts() {
    let app = spawn_app().await;

    let f = app
        .get_ok("/v1/canteens/jules-ferry/forecast?date=2018-07-02")
        .await;

    assert_eq!(f["canteen"], "JULES FERRY");
    assert_eq!(f["weekday_fr"], "lundi");
    assert_eq!(f["school_day"], true);
    assert_eq!(f["menu_source"], "data");
    assert!(f["menu"].as_array().is_some_and(|m| !m.is_empty()));
    assert_eq!(
        f["strike_source"], "unknown",
        "strikes are not known 28 days ahead"
    );
    assert!(f["actual_meals"].as_u64().is_some() && f["agents_forecast_meals"].as_u64().is_some());
    let e = &f["explanation"];
    assert_eq!(e["reasons_fr"].as_array().unwrap().len(), 5);
    assert!(e["reasons_fr"][0].as_str().unwrap().ends_with("repas"));
    assert!(e["reasons_en"][0].as_str().unwrap().ends_with("meals"));
    let fries = e["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["feature"] == "menu_fries")
        .unwrap();
    assert_eq!(
        (fries["group"].as_str(), fries["label_fr"].as_str()),
        (Some("menu"), Some("Frites au menu"))
    );
    assert!(fries["value_fr"] == "oui" || fries["value_fr"] == "non");
}

#[tokio::test]
async fn the_same_day_twice_gives_the_same_answer() {
    let app = spawn_app().await;
    let path = "/v1/canteens/condorcet/forecast?date=2018-02-06";

    let first = app.get(path).await.text().await.unwrap();
    let second = app.get(path).await.text().await.unwrap();

    assert_eq!(first, second);
}

#[tokio::test]
async fn the_exact_open_data_name_works_as_an_id() {
    let app = spawn_app().await;

    let by_name = app
        .get_ok("/v1/canteens/EMILE%20ZOLA%20/forecast?date=2018-06-12")
        .await;
    let by_id = app
        .get_ok("/v1/canteens/emile-zola/forecast?date=2018-06-12")
        .await;

    assert_eq!(by_name, by_id);
}

#[tokio::test]
async fn a_batch_keeps_the_order_and_uses_the_callers_menu_without_caching_it() {
    let app = spawn_app().await;
    let plain_path = "/v1/canteens/jules-ferry/forecast?date=2018-09-10";
    let plain = app.get_ok(plain_path).await;

    let response = app
        .post_json(
            "/v1/canteens/forecast",
            &json!({"horizon": 28, "requests": [
                {"canteen": "jules-ferry", "date": "2018-09-10", "menu": ["Carottes râpées", "Steak haché", "Frites", "Glace"]},
                {"canteen": "condorcet", "date": "2018-06-12"}
            ]}),
        )
        .await;

    assert_eq!(response.status(), 200);
    let batch: serde_json::Value = response.json().await.unwrap();
    assert_provenance(&batch);
    let forecasts = batch["forecasts"].as_array().unwrap();
    assert_eq!(
        (
            forecasts[0]["canteen_id"].as_str(),
            forecasts[1]["canteen_id"].as_str()
        ),
        (Some("jules-ferry"), Some("condorcet"))
    );
    assert_eq!(forecasts[0]["menu_source"], "caller");
    let fries = forecasts[0]["explanation"]["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["feature"] == "menu_fries")
        .unwrap()
        .clone();
    assert_eq!(fries["value"], 1.0);
    for f in forecasts {
        let (total, forecast) = additivity(f);
        assert!((total - forecast).abs() < 1e-6);
    }
    assert_eq!(
        plain["menu_source"], "unknown",
        "no menu is published that far ahead"
    );
    assert_ne!(
        forecasts[0]["forecast_meals"], plain["forecast_meals"],
        "the caller's menu changes the forecast"
    );
    let again = app.get_ok(plain_path).await;
    assert_eq!(
        again, plain,
        "the caller's menu was not cached under the plain key"
    );
}

#[tokio::test]
async fn a_strike_notice_lowers_the_next_day_forecast_but_not_the_order_basis() {
    let app = spawn_app().await;
    let day = json!({"canteen": "la-source", "date": "2018-03-20"});
    let strike = json!({"canteen": "la-source", "date": "2018-03-20", "strike": true});

    let response = app
        .post_json(
            "/v1/canteens/forecast",
            &json!({"horizon": 1, "requests": [day, strike]}),
        )
        .await;

    assert_eq!(response.status(), 200);
    let batch: serde_json::Value = response.json().await.unwrap();
    let (normal, struck) = (&batch["forecasts"][0], &batch["forecasts"][1]);
    assert_eq!(struck["strike_announced"], true);
    assert_eq!(struck["strike_source"], "caller");
    assert_eq!(struck["day_class"], "strike");
    assert!(
        struck["forecast_meals"].as_f64().unwrap() < normal["forecast_meals"].as_f64().unwrap()
    );
    assert!(
        struck["order_basis_meals"].as_f64().unwrap() > struck["forecast_meals"].as_f64().unwrap()
    );
}

#[tokio::test]
async fn history_shows_actuals_agents_and_model_forecasts() {
    let app = spawn_app().await;

    let h = app
        .get_ok("/v1/canteens/victor-hugo/history?from=2018-06-01&to=2018-07-06")
        .await;

    assert_provenance(&h);
    let days = h["days"].as_array().unwrap();
    assert!(days.len() >= 15, "{} days", days.len());
    assert!(
        days.windows(2)
            .all(|w| w[0]["date"].as_str() < w[1]["date"].as_str())
    );
    assert!(days.iter().all(|d| d["forecast_meals"].as_f64().is_some()));
    assert!(
        days.iter()
            .filter(|d| d["actual_meals"].as_u64().is_some())
            .count()
            >= 15
    );
    let one = app
        .get_ok(&format!(
            "/v1/canteens/victor-hugo/forecast?date={}",
            days[3]["date"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        one["forecast_meals"], days[3]["forecast_meals"],
        "the chart shows the same forecast as the API"
    );
}

#[tokio::test]
async fn an_unknown_canteen_is_404() {
    let app = spawn_app().await;

    let problem = assert_problem(
        app.get("/v1/canteens/atlantis/forecast?date=2018-06-12")
            .await,
        404,
    )
    .await;

    assert!(problem["detail"].as_str().unwrap().contains("atlantis"));
    assert_problem(app.get("/v1/canteens/atlantis/history").await, 404).await;
}

#[tokio::test]
async fn malformed_dates_are_400_and_impossible_ones_422_naming_the_field() {
    let app = spawn_app().await;

    for date in ["12/06/2018", "2018-6-1", "tomorrow", ""] {
        let problem = assert_problem(
            app.get(&format!("/v1/canteens/condorcet/forecast?date={date}"))
                .await,
            400,
        )
        .await;
        assert_eq!(problem_field(&problem), "date", "{date}: {problem}");
    }
    let missing = assert_problem(app.get("/v1/canteens/condorcet/forecast").await, 400).await;
    assert_eq!(problem_field(&missing), "date");
    let history = assert_problem(
        app.get("/v1/canteens/condorcet/history?from=02/03/2018")
            .await,
        400,
    )
    .await;
    assert_eq!(problem_field(&history), "from");
    for date in ["2018-13-01", "2018-02-30"] {
        let problem = assert_problem(
            app.get(&format!("/v1/canteens/condorcet/forecast?date={date}"))
                .await,
            422,
        )
        .await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("not a day of the calendar"),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn days_the_model_cannot_forecast_are_422() {
    let app = spawn_app().await;

    let problem = assert_problem(
        app.get("/v1/canteens/condorcet/forecast?date=2031-01-06")
            .await,
        422,
    )
    .await;

    assert_eq!(problem_field(&problem), "date");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("outside the days this model can forecast")
    );
    let reversed = assert_problem(
        app.get("/v1/canteens/condorcet/history?from=2018-06-01&to=2018-05-01")
            .await,
        422,
    )
    .await;
    assert_eq!(problem_field(&reversed), "from");
}

#[tokio::test]
async fn unknown_horizons_and_parameters_are_refused() {
    let app = spawn_app().await;

    let horizon = assert_problem(
        app.get("/v1/canteens/condorcet/forecast?date=2018-06-12&horizon=7")
            .await,
        404,
    )
    .await;
    assert!(
        horizon["detail"]
            .as_str()
            .unwrap()
            .contains("loaded horizons: 1, 28")
    );
    let not_a_number = assert_problem(
        app.get("/v1/canteens/condorcet/forecast?date=2018-06-12&horizon=abc")
            .await,
        400,
    )
    .await;
    assert_eq!(problem_field(&not_a_number), "horizon");
    let extra = assert_problem(
        app.get("/v1/canteens/condorcet/forecast?date=2018-06-12&pupil=Jean")
            .await,
        400,
    )
    .await;
    assert_eq!(problem_field(&extra), "pupil");
}

#[tokio::test]
async fn batch_fields_outside_the_schema_are_refused_by_name() {
    let app = spawn_app().await;

    let top = app
        .post_json(
            "/v1/canteens/forecast",
            &json!({"requests": [], "school": "x"}),
        )
        .await;
    assert_eq!(problem_field(&assert_problem(top, 422).await), "school");
    let nested = app
        .post_json("/v1/canteens/forecast", &json!({"requests": [{"canteen": "condorcet", "date": "2018-06-12", "pupil_name": "Jean"}]}))
        .await;
    let problem = assert_problem(nested, 422).await;
    assert_eq!(problem_field(&problem), "requests[0].pupil_name");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("unknown field")
    );
}

#[tokio::test]
async fn batch_values_that_do_not_fit_are_422_naming_the_item() {
    let app = spawn_app().await;
    let cases = [
        (json!({"requests": []}), "requests"),
        (
            json!({"requests": [{"canteen": "condorcet", "date": "2018-06-12"}, {"canteen": "nowhere", "date": "2018-06-12"}]}),
            "requests[1].canteen",
        ),
        (
            json!({"requests": [{"canteen": "condorcet", "date": "12/06/2018"}]}),
            "requests[0].date",
        ),
        (
            json!({"requests": [{"canteen": "condorcet", "date": "2040-06-12"}]}),
            "requests[0].date",
        ),
        (
            json!({"requests": [{"canteen": "condorcet", "date": 20180612}]}),
            "requests[0].date",
        ),
        (
            json!({"requests": [{"canteen": "condorcet", "date": "2018-06-12", "strike": "yes"}]}),
            "requests[0].strike",
        ),
        (
            json!({"requests": [{"canteen": "condorcet", "date": "2018-06-12", "menu": ["x".repeat(201)]}]}),
            "requests[0].menu[0]",
        ),
        (
            json!({"requests": [{"canteen": "condorcet"}]}),
            "requests[0]",
        ),
    ];

    for (body, field) in cases {
        let problem =
            assert_problem(app.post_json("/v1/canteens/forecast", &body).await, 422).await;
        assert!(
            problem_field(&problem).starts_with(field),
            "{body}: {problem}"
        );
    }
    let too_many: Vec<_> = (0..1001)
        .map(|_| json!({"canteen": "condorcet", "date": "2018-06-12"}))
        .collect();
    let problem = assert_problem(
        app.post_json("/v1/canteens/forecast", &json!({"requests": too_many}))
            .await,
        422,
    )
    .await;
    assert_eq!(problem_field(&problem), "requests");
}

#[tokio::test]
async fn malformed_or_foreign_bodies_are_400_415_and_413() {
    let app = spawn_app().await;
    let url = app.url("/v1/canteens/forecast");

    let syntax = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"requests\": [")
        .send()
        .await
        .unwrap();
    assert_problem(syntax, 400).await;
    let form = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=b")
        .send()
        .await
        .unwrap();
    assert_problem(form, 415).await;
    let huge = format!(
        "{{\"requests\": [{}]}}",
        vec!["{\"canteen\": \"condorcet\", \"date\": \"2018-06-12\"}"; 8000].join(",")
    );
    let large = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(large, 413).await;
    assert!(problem["detail"].as_str().unwrap().contains("262144 bytes"));
}
