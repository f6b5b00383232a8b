//! The backtest report: one self-contained HTML page (report-html) with the headline numbers, the
//! per-leak timeline, every alarm with its explanation, score timelines and night flows with leak
//! periods shaded, and how the thresholds were calibrated.

use chrono::{Datelike, NaiveDateTime};
use report_html::{LineChart, Page, Series, Table, chart::PALETTE};

use crate::backtest::BacktestResult;
use crate::battledim::DetectionClass;

fn fmt_opt(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}"))
        .unwrap_or_else(|| "–".into())
}

fn fmt_time(t: Option<NaiveDateTime>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "–".into())
}

/// Renders the report.
pub fn render(result: &BacktestResult) -> String {
    let m = result.metrics();
    let e = &result.evaluation;
    let out = &result.output;
    let mut page = Page::new("Leak backtest — detection, localisation, sizing");
    page.paragraph(&format!(
        "Model trained on {} → {}; alarms scored on {} → {} with the BattLeDIM rules (true positive within the leak's active period and ≤ {:.0} m of pipe; 0.80 €/m³ of water saved minus distance/300·500 €; −500 € per false alarm).",
        m.train_from, m.train_to, m.test_from, m.test_to, e.params.max_distance_m
    ));
    page.key_figures(&[
        (
            "leaks starting in the test period".into(),
            m.leaks_in_scope.to_string(),
        ),
        (
            "true positives (≤ 300 m)".into(),
            m.true_positives.to_string(),
        ),
        (
            "noticed (area and time)".into(),
            m.noticed_by_area_and_time.to_string(),
        ),
        ("false alarms".into(), m.false_alarms.to_string()),
        ("missed".into(), m.missed.to_string()),
        (
            "median delay (true positives)".into(),
            fmt_opt(m.median_delay_hours, 1) + " h",
        ),
        (
            "abrupt ≥ 5 m³/h within 2 h".into(),
            m.abrupt_5m3h_within_2h.clone(),
        ),
        (
            "incipient within 7 days".into(),
            m.incipient_within_7_days.clone(),
        ),
        (
            "economic score".into(),
            format!("{:.0} €", m.economic_score_eur),
        ),
        (
            "share of perfect".into(),
            format!("{:.1} %", 100.0 * m.share_of_perfect),
        ),
    ]);
    page.heading("Per-leak timeline");
    let mut table = Table::new(&[
        "pipe",
        "type",
        "area",
        "start",
        "repaired",
        "detected (true positive)",
        "delay (h)",
        "distance (m)",
        "true flow then (m³/h)",
        "first alarm in the area",
        "its distance (m)",
        "peak flow (m³/h)",
        "value (€)",
        "perfect (€)",
    ]);
    for l in &e.leaks {
        let earlier = l.noticed_at.is_some() && l.noticed_at != l.detected_at;
        table.row(&[
            l.pipe.clone(),
            format!("{:?}", l.leak_type).to_lowercase(),
            l.area.clone(),
            fmt_time(Some(l.start)),
            fmt_time(Some(l.end)),
            match l.detected_at {
                Some(t) => fmt_time(Some(t)),
                None => "missed".into(),
            },
            fmt_opt(l.delay_hours, 1),
            fmt_opt(l.distance_m, 0),
            fmt_opt(l.flow_at_detection_m3h, 1),
            if earlier {
                fmt_time(l.noticed_at)
            } else if l.noticed_at.is_some() {
                "same".into()
            } else {
                "–".into()
            },
            if earlier {
                fmt_opt(l.notice_distance_m, 0)
            } else {
                String::new()
            },
            fmt_opt(l.peak_flow_m3h, 1),
            format!("{:.0}", l.value_eur),
            format!("{:.0}", l.perfect_eur),
        ]);
    }
    page.table(&table);
    page.note("\"detected\": the alarm that counted under the BattLeDIM rule (best candidate within 300 m of pipe of the leaking pipe while it was active), with its delay from the leak's start and its distance. \"first alarm in the area\": an earlier alarm in the leak's area while it was active whose best candidate was too far (a false alarm under the rule), shown with its distance.");
    page.heading("Alarms");
    let mut alarms = Table::new(&[
        "detected",
        "area",
        "trigger",
        "score",
        "best pipe",
        "class",
        "leak",
        "distance (m)",
        "estimated flow (m³/h)",
        "value (€)",
        "why",
    ]);
    for (outcome, alarm) in e.detections.iter().zip(out.alarms.iter().filter(|a| {
        a.detected_at >= e.test_from && a.detected_at <= e.test_to && !a.candidates.is_empty()
    })) {
        alarms.row(&[
            fmt_time(Some(alarm.detected_at)),
            alarm.area.clone(),
            alarm.trigger.name().to_owned(),
            format!("{:.2}", alarm.score),
            outcome.detection.pipe.clone(),
            match outcome.class {
                DetectionClass::TruePositive => "true positive".into(),
                DetectionClass::Repeat => "repeat".into(),
                DetectionClass::KnownLeak => "known leak".into(),
                DetectionClass::FalseAlarm => "false alarm".into(),
            },
            outcome
                .leak
                .clone()
                .or_else(|| outcome.area_match.clone())
                .unwrap_or_else(|| "–".into()),
            fmt_opt(outcome.distance_m, 0),
            format!("{:.1}", alarm.estimated_flow_m3h),
            format!("{:.0}", outcome.value_eur),
            format!(
                "{} {} {}",
                alarm.explanation.summary,
                alarm.explanation.flow.text,
                alarm.explanation.localisation
            ),
        ]);
    }
    page.table(&alarms);
    // Score timelines: hourly maxima, leak periods of the area shaded.
    page.heading("Score timelines");
    page.note("Hourly maximum of each area's score (0.5 = alarm threshold; 0 while an area settles after an alarm). Shaded: leaks of that area active in the period (known leaks from before the test period excluded).");
    let day0 = e.test_from;
    let days = |t: NaiveDateTime| (t - day0).num_minutes() as f64 / 1440.0;
    let mut ticks = Vec::new();
    let mut month = day0.date().with_day(1).unwrap_or(day0.date());
    while month.and_hms_opt(0, 0, 0).is_some_and(|m| m <= e.test_to) {
        if let Some(t) = month.and_hms_opt(0, 0, 0)
            && t >= day0
        {
            ticks.push((days(t), month.format("%b %Y").to_string()));
        }
        month = month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(month);
        if ticks.len() > 40 {
            break;
        }
    }
    let hour = (60 / out.step_minutes).max(1) as usize;
    for area in &out.areas {
        let mut points = Vec::new();
        let mut t = 0;
        while t < out.len {
            let time = out.time(t);
            if time >= day0 && time <= e.test_to {
                let end = (t + hour).min(out.len);
                let max = area.score[t..end]
                    .iter()
                    .copied()
                    .filter(|x| x.is_finite())
                    .fold(f64::NAN, f64::max);
                points.push((days(time), max));
            }
            t += hour;
        }
        let bands: Vec<(f64, f64)> = e
            .leaks
            .iter()
            .filter(|l| l.area == area.area)
            .map(|l| (days(l.start).max(0.0), days(l.end.min(e.test_to))))
            .collect();
        let alarm_marks: Vec<(f64, f64)> = out
            .alarms
            .iter()
            .filter(|a| a.area == area.area && a.detected_at >= day0)
            .map(|a| (days(a.detected_at), 1.0))
            .collect();
        let chart = LineChart::new(
            &format!("Area {} leak score", area.area),
            "days since test start",
            "score",
        )
        .series(Series::line("score", PALETTE[0], points))
        .series(Series::line("alarm", PALETTE[1], alarm_marks).markers())
        .bands("leak active", bands)
        .x_ticks(ticks.clone())
        .y_from_zero();
        page.raw(&chart.to_svg());
    }
    if !out.night_flows.is_empty() {
        page.heading("Night flow against expected consumption");
        page.note("Per metered balance and night: the inflow from 02:00 to 05:00 above what yesterday's daytime inflow and the known leaks predict, over its 28-night baseline (m³/h), and the CUSUM of that excess in residual sds with its alarm threshold. Shaded: leaks of the balance's areas active.");
        for nf in &out.night_flows {
            let nights: Vec<_> = nf
                .nights
                .iter()
                .filter(|n| {
                    let t = out.time(n.at);
                    t >= day0 && t <= e.test_to
                })
                .collect();
            let excess: Vec<(f64, f64)> = nights
                .iter()
                .map(|n| (days(out.time(n.at)), n.excess_m3h))
                .collect();
            let cusum: Vec<(f64, f64)> = nights
                .iter()
                .map(|n| (days(out.time(n.at)), n.cusum))
                .collect();
            let threshold: Vec<(f64, f64)> = nights
                .iter()
                .map(|n| (days(out.time(n.at)), nf.threshold))
                .collect();
            let bands: Vec<(f64, f64)> = e
                .leaks
                .iter()
                .filter(|l| nf.areas.contains(&l.area))
                .map(|l| (days(l.start).max(0.0), days(l.end.min(e.test_to))))
                .collect();
            let chart = LineChart::new(
                &format!("Balance {} night flow", nf.balance),
                "days since test start",
                "m³/h · sd",
            )
            .series(Series::line("night excess (m³/h)", PALETTE[0], excess))
            .series(Series::line("CUSUM (sd)", PALETTE[1], cusum))
            .series(Series::line("threshold", PALETTE[2], threshold).dashed())
            .bands("leak active", bands)
            .x_ticks(ticks.clone());
            page.raw(&chart.to_svg());
        }
    }
    page.heading("Threshold calibration (training window only)");
    page.note(&format!(
        "Each statistic's threshold is set on out-of-sample residuals of the training window so that it would raise the given number of false alarms a year ({} for the whole network, shared by every area's two statistics). \"training max\" is the largest out-of-sample training value over the threshold.",
        result.model.params.detector.false_alarms_per_year
    ));
    let mut cal = Table::new(&[
        "area",
        "false alarms / year",
        "step threshold (× robust sd)",
        "step training max",
        "level threshold (× robust sd)",
        "level training max",
    ]);
    for c in &result.model.calibration {
        cal.row(&[
            c.area.clone(),
            format!("{:.2}", c.rate_per_year),
            format!("{:.1}", c.step_multiplier),
            format!("{:.2}", c.step_training_max),
            format!("{:.1}", c.level_multiplier),
            format!("{:.2}", c.level_training_max),
        ]);
    }
    page.table(&cal);
    page.heading("Model");
    page.paragraph(&format!(
        "{} pressure sensors, {} candidate pipes, signatures by {:?}, balances: {}. Training took {:.1} s, scoring the test period {:.3} s.",
        result.model.sensors.len(),
        result.model.candidates.len(),
        result.model.signature_method,
        result.model.balances.iter().map(|b| format!("{} = {}", b.spec.name, b.spec.formula())).collect::<Vec<_>>().join("; "),
        result.training_seconds,
        result.scoring_seconds
    ));
    page.to_html()
}
