//! The one shared state of the server: configuration, the models in service (swapped atomically
//! on reload), the leak readings held and their scores, and the metrics.

use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};

use crate::config::ServeConfig;
use crate::leaks::{LeakService, LeakStore, merge};
use crate::metrics::Metrics;
use crate::problem::ApiError;
use crate::registry::{LoadError, Models, load_models};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Models(#[from] LoadError),
    #[error("leak readings {0}")]
    Readings(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug)]
struct Inner {
    config: ServeConfig,
    models: RwLock<Arc<Models>>,
    leak_store: RwLock<Arc<LeakStore>>,
    metrics: Metrics,
    /// One reload or ingest at a time.
    writer: tokio::sync::Mutex<()>,
}

/// Cheap to clone; handlers receive it through `State`.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl AppState {
    /// Loads the models (and the leak readings, if configured) — blocking.
    pub fn load(config: ServeConfig) -> Result<Self, StartError> {
        let models = load_models(&config)?;
        let mut store = LeakStore::default();
        if let Some(dir) = &config.leak_readings {
            let service = models.leaks.as_ref().ok_or_else(|| {
                StartError::Readings(format!(
                    "{}: no leak model is loaded to score them",
                    dir.display()
                ))
            })?;
            let readings = LeakStore::read_dir(dir).map_err(StartError::Readings)?;
            store.readings = Some(merge(None, &readings, config.readings_kept_days));
            store
                .rescore(service)
                .map_err(|e| StartError::Readings(format!("{}: {e}", dir.display())))?;
        }
        Ok(Self::new(config, models, store))
    }

    pub fn new(config: ServeConfig, models: Models, store: LeakStore) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                models: RwLock::new(Arc::new(models)),
                leak_store: RwLock::new(Arc::new(store)),
                metrics: Metrics::default(),
                writer: tokio::sync::Mutex::new(()),
            }),
        }
    }

    pub fn config(&self) -> &ServeConfig {
        &self.inner.config
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The models in service now.
    pub fn models(&self) -> Arc<Models> {
        match self.inner.models.read() {
            Ok(m) => m.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn leak_store(&self) -> Arc<LeakStore> {
        match self.inner.leak_store.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn swap_models(&self, models: Arc<Models>) {
        match self.inner.models.write() {
            Ok(mut m) => *m = models,
            Err(poisoned) => *poisoned.into_inner() = models,
        }
    }

    fn swap_store(&self, store: Arc<LeakStore>) {
        match self.inner.leak_store.write() {
            Ok(mut s) => *s = store,
            Err(poisoned) => *poisoned.into_inner() = store,
        }
    }

    /// Fills the forecast caches of `models` in the background (if configured).
    pub fn start_precompute(&self, models: &Models) {
        if !self.config().precompute {
            return;
        }
        for service in models.canteen.values() {
            let service = service.clone();
            tokio::task::spawn_blocking(move || service.precompute());
        }
    }

    /// Loads every model again and swaps them in, or refuses and keeps the running ones.
    pub async fn reload(&self) -> Result<Arc<Models>, ApiError> {
        let _guard = self.inner.writer.lock().await;
        let config = self.config().clone();
        let held = self.leak_store();
        let loaded = tokio::task::spawn_blocking(move || -> Result<(Models, LeakStore), String> {
            let models = load_models(&config).map_err(|e| e.to_string())?;
            let mut store = (*held).clone();
            match &models.leaks {
                Some(service) => store.rescore(service).map_err(|e| {
                    format!("the new leak model cannot score the readings held: {e}")
                })?,
                None => store.scored = None,
            }
            Ok((models, store))
        })
        .await
        .map_err(|e| ApiError::Internal(format!("reload task failed: {e}")))?;
        match loaded {
            Ok((models, store)) => {
                let models = Arc::new(models);
                self.swap_models(models.clone());
                self.swap_store(Arc::new(store));
                self.metrics().reloads_done.fetch_add(1, Ordering::Relaxed);
                self.start_precompute(&models);
                Ok(models)
            }
            Err(message) => {
                self.metrics()
                    .reloads_refused
                    .fetch_add(1, Ordering::Relaxed);
                Err(ApiError::ModelRefused(format!(
                    "reload refused, the running models stay: {message}"
                )))
            }
        }
    }

    /// Merges readings into the ones held and scores them again.
    pub async fn ingest(&self, readings: leak_data::Readings) -> Result<Arc<LeakStore>, ApiError> {
        let _guard = self.inner.writer.lock().await;
        let service: Arc<LeakService> = self.models().leaks.clone().ok_or_else(no_leak_model)?;
        let held = self.leak_store();
        let keep_days = self.config().readings_kept_days;
        let store = tokio::task::spawn_blocking(move || {
            let merged = merge(held.readings.as_ref(), &readings, keep_days);
            let mut store = LeakStore {
                readings: Some(merged),
                scored: None,
            };
            store.rescore(&service).map(|()| store)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("scoring task failed: {e}")))?
        .map_err(|e| ApiError::body("body", e.to_string()))?;
        if let Some(r) = &store.readings {
            self.metrics()
                .readings_scored
                .fetch_add(r.len as u64, Ordering::Relaxed);
        }
        let store = Arc::new(store);
        self.swap_store(store.clone());
        Ok(store)
    }
}

/// The problem when no leak model is loaded.
pub fn no_leak_model() -> ApiError {
    ApiError::Unavailable("no leak model is loaded on this server".into())
}
