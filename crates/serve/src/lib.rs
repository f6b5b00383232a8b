//! Prévoir's HTTP API: explainable meal forecasts per canteen and day, leak scores and alarms for
//! a water network, model cards and public-algorithm notices (CRPA L.311-3-1), over axum.
//!
//! What it owns: turning the trained models of `models/` into answers, and the web page for
//! canteen managers and water engineers that reads them. Forecasts come with their explanation in
//! meals (base + contributions = forecast) and their provenance (model version, training-data
//! SHA-256, data cut-off); errors are RFC 9457 problem documents. The page (`assets/web/`: HTML,
//! scripts, styles, icon) is embedded in the binary and served at `/` by [`web`]; it calls only the
//! public API. What it does not own: training, or reading open-data files (the data crates do). It
//! depends on no table library (no polars): only the model crates.
//!
//! Layout: [`config`] (settings), [`registry`] (loading a models directory, atomically),
//! [`canteen`] and [`leaks`] (the services, no HTTP), [`notice`] (the public-algorithm notice),
//! [`state`] (the shared state), [`api`] (routes, extractors, OpenAPI, middleware), [`web`] (the
//! page and its assets), [`problem`] (errors as answers), [`metrics`] (Prometheus), [`server`]
//! (bind and serve), [`bench`] (the load benchmark).

pub mod api;
pub mod bench;

pub mod canteen;
pub mod config;
pub mod leaks;
pub mod metrics;
pub mod notice;
pub mod problem;
pub mod provenance;
pub mod registry;
pub mod server;
pub mod state;
pub mod web;

pub use config::ServeConfig;
pub use server::{Server, shutdown_signal};
pub use state::{AppState, StartError};
