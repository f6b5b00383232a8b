//! The server's configuration: where the models are, who may write, limits and caches. Built by
//! the `prevoir serve` command from its flags; tests build it directly.

use std::path::PathBuf;
use std::time::Duration;

/// Everything the server needs to know at start-up.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Directory holding one sub-directory per model (`canteen/`, `canteen-h1/`, `leaks/`).
    pub models_dir: PathBuf,
    /// Bearer token for writing endpoints (and for leak data unless `leaks_public`). `None`:
    /// writing is disabled.
    pub token: Option<String>,
    /// Leak scores and alarms readable without the token.
    pub leaks_public: bool,
    /// SCADA files (`flows.csv`, `pressures.csv`, `levels.csv`) to load and score at start-up, so
    /// that `GET /v1/leaks/alarms` has data before anything is ingested.
    pub leak_readings: Option<PathBuf>,
    /// The EPANET network of the leak model (for `GET /v1/leaks/network`). `None`: the `.inp` file
    /// named in the leak model card, if it is found next to the models or in the working directory.
    pub network: Option<PathBuf>,
    /// Requests taking longer are abandoned with a 503 problem.
    pub request_timeout: Duration,
    /// Largest JSON body accepted (bytes).
    pub json_body_limit: usize,
    /// Largest sensor-readings body accepted (bytes).
    pub readings_body_limit: usize,
    /// Days of ingested readings kept in memory (older steps are dropped).
    pub readings_kept_days: i64,
    /// Compute the forecasts of every canteen over the precompute window in the background at
    /// model load.
    pub precompute: bool,
    /// The precompute window, relative to the last day with data: `[last − before, last + after]`.
    pub precompute_days_before: i64,
    pub precompute_days_after: i64,
    /// Forecasts for days outside the precompute window are memoised up to this many entries per
    /// model (about 9 KB each); beyond, they are computed on each request.
    pub memo_capacity: usize,
    /// Largest number of canteen-days in one batch request.
    pub max_batch: usize,
}

impl ServeConfig {
    /// Defaults for a models directory.
    pub fn new(models_dir: impl Into<PathBuf>) -> Self {
        Self {
            models_dir: models_dir.into(),
            token: None,
            leaks_public: false,
            leak_readings: None,
            network: None,
            request_timeout: Duration::from_secs(10),
            json_body_limit: 256 * 1024,
            readings_body_limit: 32 * 1024 * 1024,
            readings_kept_days: 90,
            precompute: true,
            precompute_days_before: 7,
            precompute_days_after: 60,
            memo_capacity: 20_000,
            max_batch: 1_000,
        }
    }
}
