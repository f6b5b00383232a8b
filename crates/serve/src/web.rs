//! The web page for canteen managers and water engineers: `/` (the page) and `/assets/*` (its
//! scripts, styles and icon), embedded in the binary so that the page works offline on a city's
//! intranet. The page only calls the public API; keep API routes out of this module.
//!
//! Caching: `/` is revalidated on every visit (`no-cache` with an `ETag`) and names its assets
//! under `/assets/<version>/…`, the version being a hash of every embedded asset. Those URLs never
//! change meaning, so the browser keeps them a year (`immutable`); a new binary with other assets
//! has another version, hence other URLs. `/assets/<file>` without the version also answers, with
//! revalidation, for links made by hand.

use std::sync::OnceLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::problem::ApiError;
use crate::state::AppState;

/// One embedded file of the page.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";

/// An [`Asset`] for the file `name` of `assets/web/` (the name is also its path there).
macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../assets/web/", $name)),
        }
    };
}

/// Every file under `assets/web/` but `index.html`, served at `/assets/<version>/<name>`.
const ASSETS: &[Asset] = &[
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("i18n.js", JS),
    asset!("format.js", JS),
    asset!("dom.js", JS),
    asset!("charts.js", JS),
    asset!("canteens.js", JS),
    asset!("leaks.js", JS),
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("icon.svg", "image/svg+xml"),
];

/// The page's shell; `{{assets}}` becomes `/assets/<version>`.
const INDEX_TEMPLATE: &str = include_str!("../assets/web/index.html");

/// Everything the page loads comes from this server; nothing runs inline.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Routes of the web page, merged into the API router.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/assets/{*path}", get(asset))
}

/// FNV-1a, 64 bits: a stable fingerprint of the embedded bytes (not a security hash).
fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The version of the embedded assets: changes whenever any of them does.
pub fn assets_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut hash = fnv1a(0xcbf2_9ce4_8422_2325, INDEX_TEMPLATE.as_bytes());
        for a in ASSETS {
            hash = fnv1a(hash, a.name.as_bytes());
            hash = fnv1a(hash, a.bytes);
        }
        format!("{hash:016x}")
    })
}

/// The page as served, with its assets' versioned base path.
fn index_html() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        INDEX_TEMPLATE.replace("{{assets}}", &format!("/assets/{}", assets_version()))
    })
}

/// Answers `bytes`, or 304 when the browser already holds this version.
fn respond(
    request: &HeaderMap,
    content_type: &'static str,
    cache_control: &'static str,
    etag: &str,
    bytes: &'static [u8],
) -> Response {
    let etag_value = HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"0\""));
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim() == "*" || t.trim().trim_start_matches("W/") == etag)
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        bytes.into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    headers.insert(header::ETAG, etag_value);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

async fn index(request: HeaderMap) -> Response {
    let etag = format!("\"page-{}\"", assets_version());
    let mut response = respond(
        &request,
        "text/html; charset=utf-8",
        "no-cache",
        &etag,
        index_html().as_bytes(),
    );
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

async fn asset(Path(path): Path<String>, request: HeaderMap) -> Result<Response, ApiError> {
    let (versioned, name) = match path.split_once('/') {
        Some((version, name)) => (version == assets_version(), name),
        None => (false, path.as_str()),
    };
    let found = ASSETS
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| ApiError::RouteNotFound(format!("/assets/{path}")))?;
    let etag = format!("\"{}-{}\"", found.name, assets_version());
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Ok(respond(
        &request,
        found.content_type,
        cache,
        &etag,
        found.bytes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn the_page_names_its_assets_by_version_and_is_revalidated() {
        let response = index(HeaderMap::new()).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
        assert!(
            response.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("script-src 'self'")
        );
        let etag = response.headers()[header::ETAG].clone();
        let page = body(response).await;
        assert!(!page.contains("{{assets}}"));
        assert!(page.contains(&format!("/assets/{}/app.js", assets_version())));
        assert!(page.contains(&format!("/assets/{}/app.css", assets_version())));

        let mut again = HeaderMap::new();
        again.insert(header::IF_NONE_MATCH, etag);
        assert_eq!(index(again).await.status(), StatusCode::NOT_MODIFIED);
    }

    #[tokio::test]
    async fn versioned_assets_are_immutable_and_others_revalidated() {
        let versioned = asset(
            Path(format!("{}/app.js", assets_version())),
            HeaderMap::new(),
        )
        .await
        .unwrap();
        assert_eq!(versioned.headers()[header::CONTENT_TYPE], JS);
        assert_eq!(
            versioned.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            versioned.headers()[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff"
        );

        let plain = asset(Path("app.css".into()), HeaderMap::new())
            .await
            .unwrap();
        assert_eq!(
            plain.headers()[header::CONTENT_TYPE],
            "text/css; charset=utf-8"
        );
        assert_eq!(plain.headers()[header::CACHE_CONTROL], "no-cache");

        let stale = asset(Path("0000000000000000/icon.svg".into()), HeaderMap::new())
            .await
            .unwrap();
        assert_eq!(stale.headers()[header::CACHE_CONTROL], "no-cache");
        assert_eq!(stale.headers()[header::CONTENT_TYPE], "image/svg+xml");
    }

    #[tokio::test]
    async fn unknown_assets_are_404_problems() {
        for path in ["nope.js", "../Cargo.toml", "x/y/app.js"] {
            let error = asset(Path(path.into()), HeaderMap::new())
                .await
                .unwrap_err();
            assert_eq!(error.status(), StatusCode::NOT_FOUND, "{path}");
        }
    }

    #[test]
    fn every_module_import_resolves_to_an_embedded_asset() {
        for a in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            for line in text(a.bytes).lines() {
                let line = line.trim_start();
                if !(line.starts_with("import ") || line.starts_with("export ")) {
                    continue;
                }
                let Some(from) = line.split(" from ").nth(1) else {
                    continue;
                };
                let target = from.trim_matches(|c| c == '\'' || c == '"' || c == ';' || c == ' ');
                let name = target
                    .strip_prefix("./")
                    .unwrap_or_else(|| panic!("{}: import {target:?} is not relative", a.name));
                assert!(
                    ASSETS.iter().any(|b| b.name == name),
                    "{}: imports {name}, which is not embedded",
                    a.name
                );
            }
        }
    }

    #[test]
    fn nothing_is_loaded_from_another_host() {
        let all = std::iter::once(INDEX_TEMPLATE)
            .chain(ASSETS.iter().map(|a| text(a.bytes)))
            .collect::<Vec<_>>();
        for file in all {
            for needle in [
                "src=\"http",
                "href=\"http",
                "url(http",
                "from 'http",
                "@import",
            ] {
                assert!(!file.contains(needle), "{needle} in an asset");
            }
        }
    }

    /// The keys of one language's dictionary in `i18n.js` (lines `    'key': '…',`).
    fn dictionary(i18n: &str, language: &str) -> std::collections::BTreeSet<String> {
        let start = i18n
            .find(&format!("\n  {language}: {{"))
            .unwrap_or_else(|| panic!("no {language} dictionary"));
        let end = start + i18n[start..].find("\n  },").expect("end of the dictionary");
        i18n[start..end]
            .lines()
            .filter_map(|l| l.strip_prefix("    '"))
            .filter_map(|l| l.split_once("':").map(|(key, _)| key.to_owned()))
            .collect()
    }

    #[test]
    fn both_languages_have_every_string_the_page_uses() {
        let i18n = ASSETS.iter().find(|a| a.name == "i18n.js").unwrap();
        let i18n = text(i18n.bytes);
        let french = dictionary(i18n, "fr");
        let english = dictionary(i18n, "en");
        assert!(french.len() > 100, "{} French strings", french.len());
        assert_eq!(
            french.symmetric_difference(&english).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "keys in one language only"
        );
        // Every literal key passed to t('…') exists (keys built at run time are checked in the
        // browser tests).
        for a in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            let source = text(a.bytes);
            for (at, _) in source.match_indices("t('") {
                let before = source[..at].chars().next_back().unwrap_or(' ');
                if before.is_alphanumeric() || before == '_' || before == '.' {
                    continue; // `split('…')`, `x.t('…')`
                }
                let key = source[at + 3..].split('\'').next().unwrap_or_default();
                if key.ends_with('.') || key.contains('$') {
                    continue;
                }
                assert!(
                    french.contains(key),
                    "{}: t('{key}') is not in the dictionary",
                    a.name
                );
            }
        }
    }

    #[test]
    fn the_version_changes_with_the_bytes() {
        assert_ne!(fnv1a(1, b"a"), fnv1a(1, b"b"));
        assert_eq!(assets_version().len(), 16);
    }
}
