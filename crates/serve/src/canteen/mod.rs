//! The canteen forecasting service: one trained model with its context data, the canteens it
//! knows (with URL-safe ids), and fast forecasts. Forecasts without caller-supplied events come
//! from the [`cache`] (precomputed over a window around the last day with data, memoised
//! elsewhere); forecasts with a caller's menu or strike notice are computed on each request and
//! never cached under the plain key. No HTTP here: handlers call these functions.

pub mod answer;
pub mod cache;

use chrono::{Duration, NaiveDate};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Bytes;
use canteen_data::{CanteenData, CanteenKind};
use canteen_features::{FeatureBuilder, FeatureError, FeatureRow, KnownEvents};
use canteen_model::{CanteenModel, ModelError};

use crate::provenance::Provenance;
use answer::{CanteenAnswer, DayFacts, ForecastAnswer, HistoryDay, Source};
use cache::{CachedForecast, ForecastCache};

/// Rows per model call: below forust's threshold for multi-threaded contributions, so that
/// background work leaves a core to the requests.
const CHUNK: usize = 64;

/// A day in the context data: meals served and the agents' forecast (either may be missing).
type Recorded = (Option<u32>, Option<u32>);

/// One canteen-day to forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct DayRequest {
    /// Index in [`CanteenService::canteens`].
    pub canteen: usize,
    pub date: NaiveDate,
    /// Facts supplied by the caller; `None` = what the data set knows (cacheable).
    pub events: Option<KnownEvents>,
}

/// Why a canteen-day could not be forecast.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct DayError {
    /// Position of the day in the request.
    pub position: usize,
    pub message: String,
}

/// A loaded canteen model, ready to answer.
#[derive(Debug)]
pub struct CanteenService {
    pub provenance: Provenance,
    pub model: CanteenModel,
    builder: FeatureBuilder,
    canteens: Vec<CanteenAnswer>,
    index: HashMap<String, usize>,
    /// Per canteen: date → what the data says about the day.
    days: Vec<BTreeMap<NaiveDate, Recorded>>,
    menus: HashMap<NaiveDate, Vec<String>>,
    menu_known_column: Option<usize>,
    /// Last day with meals served in the context.
    pub last_data_day: NaiveDate,
    /// Days that may be forecast.
    pub forecastable: (NaiveDate, NaiveDate),
    /// Days precomputed at load.
    pub precompute_window: (NaiveDate, NaiveDate),
    cache: ForecastCache,
    precomputed: AtomicUsize,
    /// Needs of the context's days after the model's cut-off: they raise the margin of the days
    /// ordered after them (`canteen_model::recent`). Empty when the context ends at the cut-off.
    recent: canteen_model::RecentNeeds,
    /// Share of days inside the forecast interval (its quantiles are 10 % and 90 %).
    interval_coverage: f64,
}

/// Precompute progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// URL-safe id of a canteen name: `EMILE ZOLA ` → `emile-zola`.
pub fn slug(name: &str) -> String {
    let folded = canteen_features::menu::fold(name);
    let words: Vec<&str> = folded.split_whitespace().collect();
    if words.is_empty() {
        "canteen".to_owned()
    } else {
        words.join("-")
    }
}

fn kind_key(kind: CanteenKind) -> &'static str {
    match kind {
        CanteenKind::Nursery => "nursery",
        CanteenKind::Primary => "primary",
        CanteenKind::Both => "both",
    }
}

impl CanteenService {
    /// Loads `dir/model.json` and `dir/context.json` and checks that this program computes the
    /// model's features.
    pub fn load(
        name: &str,
        dir: &Path,
        memo_capacity: usize,
        window: (i64, i64),
    ) -> Result<Self, ModelError> {
        let model = canteen_model::store::load(dir)?;
        let context = canteen_model::store::load_context(dir)?;
        Self::new(name, model, &context, memo_capacity, window)
    }

    pub fn new(
        name: &str,
        model: CanteenModel,
        context: &CanteenData,
        memo_capacity: usize,
        (days_before, days_after): (i64, i64),
    ) -> Result<Self, ModelError> {
        let builder = model.builder(context);
        model.check_builder(&builder)?;
        let provenance = Provenance::of(name, &model.card);

        let mut names: Vec<&canteen_data::Canteen> = context.canteens.iter().collect();
        names.sort_by(|a, b| a.name.cmp(&b.name));
        let mut canteens = Vec::with_capacity(names.len());
        let mut index = HashMap::new();
        let mut taken: HashMap<String, usize> = HashMap::new();
        for canteen in &names {
            let base = slug(&canteen.name);
            let count = taken.entry(base.clone()).or_insert(0);
            *count += 1;
            let id = if *count == 1 {
                base
            } else {
                format!("{base}-{count}")
            };
            index.insert(id.clone(), canteens.len());
            index.entry(canteen.name.clone()).or_insert(canteens.len());
            canteens.push(CanteenAnswer {
                id,
                name: canteen.name.clone(),
                kind: kind_key(canteen.kind).to_owned(),
                sector: canteen.sector.clone(),
                first_data_day: None,
                last_data_day: None,
            });
        }
        let mut days = vec![BTreeMap::new(); canteens.len()];
        for a in &context.attendance {
            if let Some(&i) = index.get(&a.canteen) {
                days[i].insert(a.date, (a.actual, a.agents_forecast));
            }
        }
        for (canteen, history) in canteens.iter_mut().zip(&days) {
            let served = history
                .iter()
                .filter(|(_, (actual, _))| actual.is_some())
                .map(|(d, _)| *d);
            canteen.first_data_day = served.clone().min();
            canteen.last_data_day = served.max();
        }
        let data_days = context
            .attendance
            .iter()
            .filter(|a| a.actual.is_some())
            .map(|a| a.date);
        let first_data_day = data_days.clone().min().ok_or(ModelError::NoTrainingData)?;
        let last_data_day = data_days.max().ok_or(ModelError::NoTrainingData)?;
        let horizon = Duration::days(i64::from(model.horizon_days));
        let forecastable = (
            first_data_day + horizon,
            last_data_day + Duration::days(365),
        );
        let precompute_window = (
            (last_data_day - Duration::days(days_before)).max(forecastable.0),
            (last_data_day + Duration::days(days_after)).min(forecastable.1),
        );
        let menu_known_column = model.features.iter().position(|f| f == "menu_known");
        let recent = model.recent_needs_in(&builder, context, first_data_day, last_data_day);
        let interval_coverage = 0.8;
        Ok(Self {
            provenance,
            builder,
            canteens,
            index,
            days,
            menus: context
                .menus
                .iter()
                .map(|m| (m.date, m.dishes.clone()))
                .collect(),
            menu_known_column,
            last_data_day,
            forecastable,
            precompute_window,
            cache: ForecastCache::new(memo_capacity),
            precomputed: AtomicUsize::new(0),
            recent,
            interval_coverage,
            model,
        })
    }

    pub fn horizon_days(&self) -> u32 {
        self.model.horizon_days
    }

    pub fn canteens(&self) -> &[CanteenAnswer] {
        &self.canteens
    }

    /// The canteen with this id or exact name.
    pub fn resolve(&self, id_or_name: &str) -> Option<usize> {
        self.index.get(id_or_name).copied()
    }

    /// Checks that `date` can be forecast; the message says the range.
    pub fn check_date(&self, date: NaiveDate) -> Result<(), String> {
        let (from, to) = self.forecastable;
        if date < from || date > to {
            return Err(format!(
                "{date} is outside the days this model can forecast, {from} to {to} (from the first day with data plus the horizon, to one year after the data cut-off)"
            ));
        }
        Ok(())
    }

    /// The cached forecast of a canteen-day, if any.
    pub fn cached(&self, canteen: usize, date: NaiveDate) -> Option<Arc<CachedForecast>> {
        self.cache.get(&(canteen, date))
    }

    pub fn cache_stats(&self) -> cache::CacheStats {
        self.cache.stats()
    }

    pub fn precompute_progress(&self) -> Progress {
        let (from, to) = self.precompute_window;
        let days = (to - from).num_days().max(-1) + 1;
        Progress {
            done: self.precomputed.load(Ordering::Relaxed),
            total: self.canteens.len() * usize::try_from(days).unwrap_or(0),
        }
    }

    /// Forecasts canteen-days (blocking: call from `spawn_blocking`). Plain requests are served
    /// from the cache or memoised; requests with events are always computed. Fails on the first
    /// day that cannot be forecast.
    pub fn forecast(&self, requests: &[DayRequest]) -> Result<Vec<Arc<CachedForecast>>, DayError> {
        self.forecast_each(requests)
            .into_iter()
            .enumerate()
            .map(|(position, r)| {
                r.map_err(|e| DayError {
                    position,
                    message: e.to_string(),
                })
            })
            .collect()
    }

    /// Forecasts canteen-days, each on its own.
    pub fn forecast_each(
        &self,
        requests: &[DayRequest],
    ) -> Vec<Result<Arc<CachedForecast>, FeatureError>> {
        // Each request is answered from the cache, fails to build its row, or waits for the model.
        enum Slot {
            Done(Result<Arc<CachedForecast>, FeatureError>),
            Row(FeatureRow),
        }
        let slots: Vec<Slot> = requests
            .iter()
            .map(|request| {
                if request.events.is_none()
                    && let Some(hit) = self.cache.get(&(request.canteen, request.date))
                {
                    return Slot::Done(Ok(hit));
                }
                match self.row(request) {
                    Ok(row) => Slot::Row(row),
                    Err(e) => Slot::Done(Err(e)),
                }
            })
            .collect();
        let pending: Vec<(usize, &FeatureRow)> = slots
            .iter()
            .enumerate()
            .filter_map(|(i, slot)| match slot {
                Slot::Row(row) => Some((i, row)),
                Slot::Done(_) => None,
            })
            .collect();
        let mut computed: HashMap<usize, Arc<CachedForecast>> = HashMap::new();
        for chunk in pending.chunks(CHUNK) {
            let rows: Vec<&FeatureRow> = chunk.iter().map(|(_, row)| *row).collect();
            for ((position, row), forecast) in chunk
                .iter()
                .zip(self.model.forecast_with(&rows, &self.recent))
            {
                let request = &requests[*position];
                let entry = Arc::new(self.answer(request, row, &forecast));
                if request.events.is_none() {
                    self.cache
                        .memoise((request.canteen, request.date), entry.clone());
                }
                computed.insert(*position, entry);
            }
        }
        slots
            .into_iter()
            .enumerate()
            .map(|(i, slot)| match slot {
                Slot::Done(result) => result,
                // The model returns one forecast per row.
                Slot::Row(_) => computed
                    .remove(&i)
                    .ok_or_else(|| FeatureError::UnknownCanteen(String::new())),
            })
            .collect()
    }

    /// Fills the cache over the precompute window (blocking; call from `spawn_blocking`).
    pub fn precompute(&self) {
        let (from, to) = self.precompute_window;
        let mut date = from;
        let mut pending: Vec<(usize, NaiveDate, FeatureRow)> = Vec::new();
        while date <= to {
            for canteen in 0..self.canteens.len() {
                let request = DayRequest {
                    canteen,
                    date,
                    events: None,
                };
                match self.row(&request) {
                    Ok(row) => pending.push((canteen, date, row)),
                    // A canteen without any level cannot be forecast: count it as done.
                    Err(_) => {
                        self.precomputed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                if pending.len() == CHUNK {
                    self.precompute_rows(&mut pending);
                }
            }
            date += Duration::days(1);
        }
        self.precompute_rows(&mut pending);
    }

    fn precompute_rows(&self, pending: &mut Vec<(usize, NaiveDate, FeatureRow)>) {
        let rows: Vec<&FeatureRow> = pending.iter().map(|(_, _, row)| row).collect();
        for ((canteen, date, row), forecast) in pending
            .iter()
            .zip(self.model.forecast_with(&rows, &self.recent))
        {
            let request = DayRequest {
                canteen: *canteen,
                date: *date,
                events: None,
            };
            self.cache.insert_precomputed(
                (*canteen, *date),
                Arc::new(self.answer(&request, row, &forecast)),
            );
            self.precomputed.fetch_add(1, Ordering::Relaxed);
        }
        pending.clear();
    }

    fn row(&self, request: &DayRequest) -> Result<FeatureRow, FeatureError> {
        let name = &self.canteens[request.canteen].name;
        match &request.events {
            Some(events) => self.builder.row_with(name, request.date, events),
            None => self.builder.row(name, request.date),
        }
    }

    fn answer(
        &self,
        request: &DayRequest,
        row: &FeatureRow,
        forecast: &canteen_model::Forecast,
    ) -> CachedForecast {
        let events = request.events.as_ref();
        let menu_known = self
            .menu_known_column
            .and_then(|c| row.values.get(c))
            .is_some_and(|v| *v > 0.5);
        let caller_menu = events.and_then(|e| e.menu.clone());
        let (menu, menu_source) = match (caller_menu, menu_known) {
            (Some(dishes), true) => (Some(dishes), Source::Caller),
            (None, true) => (self.menus.get(&request.date).cloned(), Source::Data),
            _ => (None, Source::Unknown),
        };
        let strike_source = if !canteen_features::spec::strikes_known(self.model.horizon_days) {
            Source::Unknown
        } else if events.is_some_and(|e| e.strike.is_some()) {
            Source::Caller
        } else {
            Source::Data
        };
        let (actual_meals, agents_forecast_meals) = self.days[request.canteen]
            .get(&request.date)
            .copied()
            .unwrap_or((None, None));
        let facts = DayFacts {
            canteen_id: self.canteens[request.canteen].id.clone(),
            school_day: self.builder.is_service_day(request.date),
            menu,
            menu_source,
            strike_source,
            actual_meals,
            agents_forecast_meals,
        };
        let answer = ForecastAnswer::new(&self.provenance, forecast, facts, self.interval_coverage);
        CachedForecast {
            json: Bytes::from(serde_json::to_vec(&answer).unwrap_or_default()),
            forecast_meals: forecast.forecast_meals,
            order_quantity: forecast.order_quantity,
        }
    }

    /// The days with data of a canteen in `[from, to]`, with this model's forecasts where the
    /// day can be forecast (blocking: forecasts may be computed).
    pub fn history(&self, canteen: usize, from: NaiveDate, to: NaiveDate) -> Vec<HistoryDay> {
        let days: Vec<(NaiveDate, Recorded)> = self.days[canteen]
            .range(from..=to)
            .map(|(d, v)| (*d, *v))
            .collect();
        let requests: Vec<DayRequest> = days
            .iter()
            .filter(|(date, _)| self.check_date(*date).is_ok())
            .map(|(date, _)| DayRequest {
                canteen,
                date: *date,
                events: None,
            })
            .collect();
        // A day that cannot be forecast (no level yet) is shown without a forecast.
        let forecasts: HashMap<NaiveDate, Arc<CachedForecast>> = requests
            .iter()
            .zip(self.forecast_each(&requests))
            .filter_map(|(request, f)| f.ok().map(|f| (request.date, f)))
            .collect();
        days.into_iter()
            .map(|(date, (actual, agents))| {
                let f = forecasts.get(&date);
                HistoryDay {
                    date,
                    actual_meals: actual,
                    agents_forecast_meals: agents,
                    forecast_meals: f.map(|f| f.forecast_meals),
                    order_quantity: f.map(|f| f.order_quantity),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(slug("EMILE ZOLA "), "emile-zola");
        assert_eq!(slug("LES PINS M"), "les-pins-m");
        assert_eq!(slug("Côte d'Or"), "cote-d-or");
        assert_eq!(slug("  "), "canteen");
    }

    /// A model trained before 2017-09-04 on the sample town, served with a context that goes on
    /// to the end of the sample: the days after its cut-off that fell short raise the margin of
    /// the days ordered after they were known, exactly as the model's own rule says.
    #[test]
    fn shortfalls_after_the_cut_off_raise_the_served_margins() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data-samples/canteen");
        let loaded = canteen_data::load(&dir).expect("sample town");
        let cutoff = NaiveDate::from_ymd_opt(2017, 9, 4).expect("date");
        let config = canteen_model::TrainConfig {
            until: Some(cutoff),
            spare_meals: 15.0,
            ..canteen_model::TrainConfig::default()
        };
        let model = canteen_model::train::train(
            &loaded.data,
            &loaded.files,
            &config,
            &prevoir_core::progress::NoProgress,
        )
        .expect("training")
        .model;
        let builder = model.builder(&loaded.data);
        let last = loaded
            .data
            .attendance
            .iter()
            .map(|a| a.date)
            .max()
            .expect("days");
        let needs = model.recent_needs_in(&builder, &loaded.data, cutoff, last);
        assert!(!needs.is_empty());
        let chosen = model.margin.relative_margin;
        let service = CanteenService::new("canteen", model.clone(), &loaded.data, 1024, (0, 0))
            .expect("service");

        let mut raised = 0;
        let mut date = cutoff;
        while date <= last {
            let expected = model.margin.level_for(date, model.horizon_days, &needs);
            let answers = service
                .forecast(&[DayRequest {
                    canteen: 0,
                    date,
                    events: None,
                }])
                .expect("forecast");
            let answer: serde_json::Value = serde_json::from_slice(&answers[0].json).expect("json");
            match expected.raised_by {
                Some(need) => {
                    raised += 1;
                    assert!(need.level > chosen && need.date >= cutoff);
                    assert!(
                        need.date <= date - Duration::days(i64::from(model.horizon_days)),
                        "{need:?} for {date}"
                    );
                    assert_eq!(
                        answer["margin_raised_by"]["date"],
                        need.date.to_string(),
                        "{date}"
                    );
                }
                None => assert!(answer["margin_raised_by"].is_null(), "{date}: {answer}"),
            }
            date += Duration::days(7);
        }
        assert!(raised > 0, "no served day had a raised margin");
    }
}
