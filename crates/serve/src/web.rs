//! The web page's place in the router. The page for canteen managers and water engineers (static
//! assets embedded in the binary) is mounted here: `/` and `/assets/*`. Until it exists, `/`
//! redirects to the API documentation. Keep API routes out of this module.

use axum::Router;
use axum::response::Redirect;
use axum::routing::get;

use crate::state::AppState;

/// Routes of the web page, merged into the API router.
pub fn router() -> Router<AppState> {
    Router::new().route("/", get(|| async { Redirect::temporary("/docs") }))
}
