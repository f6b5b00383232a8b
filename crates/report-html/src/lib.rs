//! Self-contained HTML reports: one file, inline CSS and SVG, no script, no network. Used by the
//! canteen and leak backtests. This crate knows how to draw, not what the numbers mean.

pub mod chart;
pub mod page;

pub use chart::{BarChart, LineChart, Series};
pub use page::{Page, Table, escape};
