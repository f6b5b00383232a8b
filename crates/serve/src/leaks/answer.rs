//! The leak answers as the API publishes them: area scores, alarms with candidate pipes, the
//! estimated flow and the explanation (which sensors deviate, expected vs observed, since when),
//! and the network geometry for a sketch. Times are SCADA timestamps `YYYY-MM-DD HH:MM:SS`
//! (local time of the network, no zone); numbers that could not be computed are `null`.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use leak_detect::score::{Alarm, SensorDeviation};

use crate::provenance::Provenance;

/// The SCADA timestamp format used in every leak answer and request.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

pub fn time(t: NaiveDateTime) -> String {
    t.format(TIME_FORMAT).to_string()
}

/// `x` if it is a number, `None` for NaN or infinity (JSON has no NaN).
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// A candidate pipe of an alarm, most likely first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CandidateAnswer {
    pub pipe: String,
    /// Share of the sensors' weighted deviation explained by a leak on this pipe (0–1).
    pub fit: Option<f64>,
    /// Leak size (m³/h) that best explains the pressure drops with this pipe.
    pub pressure_flow_m3h: Option<f64>,
    /// Straight-line distance (m) from the best candidate.
    pub distance_from_best_m: Option<f64>,
    pub nearest_sensor: String,
    /// Pipe-path distance (m) to that sensor.
    pub nearest_sensor_distance_m: Option<f64>,
}

/// One sensor's deviation in an alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SensorDeviationAnswer {
    pub sensor: String,
    /// Mean expected and observed pressure (m) over the alarm's window.
    pub expected_m: Option<f64>,
    pub observed_m: Option<f64>,
    /// Change of the residual that fired (m; negative = below normal).
    pub deviation_m: Option<f64>,
    /// The deviation in standard deviations of the training residuals.
    pub z: Option<f64>,
    /// The sensor's alarm threshold (m of drop).
    pub threshold_m: Option<f64>,
    /// Since when the sensor stays below half its deviation.
    pub since: String,
}

/// How the leak flow was estimated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FlowAnswer {
    pub flow_m3h: Option<f64>,
    /// `week-over-week balance`, `pressure signature` or `none`.
    pub method: String,
    pub balance: Option<String>,
    pub inflow_m3h: Option<f64>,
    pub inflow_week_before_m3h: Option<f64>,
    pub night_flow_m3h: Option<f64>,
    pub night_flow_before_m3h: Option<f64>,
    pub pressure_based_m3h: Option<f64>,
    pub text: String,
}

/// Why an alarm was raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AlarmExplanationAnswer {
    pub summary: String,
    pub localisation: String,
    /// Deviating sensors, largest drop first (at most 5).
    pub sensors: Vec<SensorDeviationAnswer>,
    pub flow: FlowAnswer,
}

/// An alarm: a leak probably started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AlarmAnswer {
    pub area: String,
    pub detected_at: String,
    pub change_started_at: String,
    /// Which statistic fired, as the detector names it: `step` (abrupt leak), `level` (incipient
    /// leak), …
    pub trigger: String,
    /// Area score at detection (0.5–1).
    pub score: Option<f64>,
    pub estimated_flow_m3h: Option<f64>,
    pub candidates: Vec<CandidateAnswer>,
    pub explanation: AlarmExplanationAnswer,
}

/// Scores of one area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AreaScoreAnswer {
    pub area: String,
    /// Score 0–1 per time step of `times` (0.5 = alarm threshold); `null` while the statistics
    /// warm up.
    pub scores: Vec<Option<f64>>,
    /// Latest and highest score of the period.
    pub latest_score: Option<f64>,
    pub max_score: Option<f64>,
}

/// The scores and alarms of a set of readings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScoreAnswer {
    #[serde(flatten)]
    pub provenance: Provenance,
    /// First and last time of the scores; one score per `step_minutes`.
    pub start: String,
    pub end: String,
    pub step_minutes: i64,
    pub steps: usize,
    /// Alarms are raised from this time on (earlier readings warm the detector up).
    pub alarms_from: String,
    pub areas: Vec<AreaScoreAnswer>,
    pub alarms: Vec<AlarmAnswer>,
    /// Pressure step alarms that the area's metered inflow did not confirm within the hold: not
    /// raised, shown so an engineer can see what the pressures alone said, and why they were held.
    #[serde(default)]
    pub held_alarms: Vec<AlarmAnswer>,
}

/// Alarms of the readings the server holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AlarmsAnswer {
    #[serde(flatten)]
    pub provenance: Provenance,
    /// The readings held (`null` when none were loaded or ingested).
    pub readings_from: Option<String>,
    pub readings_to: Option<String>,
    pub alarms: Vec<AlarmAnswer>,
}

/// A score timeline of the readings the server holds, one value per bucket (the bucket's
/// highest score).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScoresAnswer {
    #[serde(flatten)]
    pub provenance: Provenance,
    pub readings_from: Option<String>,
    pub readings_to: Option<String>,
    pub every_minutes: i64,
    /// Start time of each bucket.
    pub times: Vec<String>,
    pub areas: Vec<AreaScoreAnswer>,
}

/// What an ingest did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IngestAnswer {
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Time steps received.
    pub steps_received: usize,
    /// The readings now held, after merging and dropping what is older than the retention.
    pub readings_from: String,
    pub readings_to: String,
    pub steps_held: usize,
    pub alarms: usize,
}

/// A node of the network sketch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NodeAnswer {
    pub id: String,
    /// `junction`, `reservoir` or `tank`.
    pub kind: String,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub area: String,
    /// `pressure` or `level` when a sensor of the model sits on this node.
    pub sensor: Option<String>,
}

/// A link of the network sketch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LinkAnswer {
    pub id: String,
    /// `pipe`, `pump` or `valve`.
    pub kind: String,
    /// Node ids.
    pub from: String,
    pub to: String,
    pub length_m: Option<f64>,
    pub diameter_mm: Option<f64>,
    pub area: String,
    /// Whether a flow sensor of the model measures this link.
    pub flow_sensor: bool,
}

/// An area of the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AreaAnswer {
    pub name: String,
    /// `supply`, `pressure-reduced` or `tank-fed`.
    pub kind: String,
    pub junctions: usize,
}

/// The network geometry, for a sketch with the candidate pipes highlighted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NetworkAnswer {
    #[serde(flatten)]
    pub provenance: Provenance,
    pub title: String,
    /// The `.inp` file read and whether its SHA-256 is the one the model was trained on.
    pub file: String,
    pub sha256: String,
    pub matches_training_data: bool,
    pub areas: Vec<AreaAnswer>,
    pub nodes: Vec<NodeAnswer>,
    pub links: Vec<LinkAnswer>,
}

fn sensor(s: &SensorDeviation) -> SensorDeviationAnswer {
    SensorDeviationAnswer {
        sensor: s.sensor.clone(),
        expected_m: finite(s.expected_m),
        observed_m: finite(s.observed_m),
        deviation_m: finite(s.deviation_m),
        z: finite(s.z),
        threshold_m: finite(s.threshold_m),
        since: time(s.since),
    }
}

impl AlarmAnswer {
    pub fn from_alarm(a: &Alarm) -> Self {
        let f = &a.explanation.flow;
        Self {
            area: a.area.clone(),
            detected_at: time(a.detected_at),
            change_started_at: time(a.change_started_at),
            // The detector's own name for it, so that a new kind of trigger needs no change here.
            trigger: serde_json::to_value(a.trigger)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            score: finite(a.score),
            estimated_flow_m3h: finite(a.estimated_flow_m3h),
            candidates: a
                .candidates
                .iter()
                .map(|c| CandidateAnswer {
                    pipe: c.pipe.clone(),
                    fit: finite(c.fit),
                    pressure_flow_m3h: finite(c.pressure_flow_m3h),
                    distance_from_best_m: finite(c.distance_from_best_m),
                    nearest_sensor: c.nearest_sensor.clone(),
                    nearest_sensor_distance_m: finite(c.nearest_sensor_distance_m),
                })
                .collect(),
            explanation: AlarmExplanationAnswer {
                summary: a.explanation.summary.clone(),
                localisation: a.explanation.localisation.clone(),
                sensors: a.explanation.sensors.iter().map(sensor).collect(),
                flow: FlowAnswer {
                    flow_m3h: finite(f.flow_m3h),
                    method: f.method.clone(),
                    balance: f.balance.clone(),
                    inflow_m3h: f.inflow_m3h.and_then(finite),
                    inflow_week_before_m3h: f.inflow_week_before_m3h.and_then(finite),
                    night_flow_m3h: f.night_flow_m3h.and_then(finite),
                    night_flow_before_m3h: f.night_flow_before_m3h.and_then(finite),
                    pressure_based_m3h: f.pressure_based_m3h.and_then(finite),
                    text: f.text.clone(),
                },
            },
        }
    }
}
