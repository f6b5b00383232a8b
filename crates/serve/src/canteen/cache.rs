//! The forecast cache. A forecast without caller-supplied events is a pure function of (model,
//! canteen, date): it is computed once, serialised once, and served from memory afterwards. The
//! precompute window is filled at model load; other days are memoised up to a capacity, so that
//! memory stays bounded whatever callers ask.

use axum::body::Bytes;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// A forecast ready to send, with the two numbers the history needs.
#[derive(Debug, Clone)]
pub struct CachedForecast {
    /// The serialised [`super::answer::ForecastAnswer`].
    pub json: Bytes,
    pub forecast_meals: f64,
    pub order_quantity: f64,
}

/// Cache key: canteen index in the service and date.
pub type Key = (usize, NaiveDate);

/// Cache counters, for `/metrics` and `/health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub entries: usize,
    pub hits: u64,
    pub misses: u64,
}

#[derive(Debug)]
pub struct ForecastCache {
    map: RwLock<HashMap<Key, Arc<CachedForecast>>>,
    capacity: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl ForecastCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            map: RwLock::new(HashMap::new()),
            capacity,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub fn get(&self, key: &Key) -> Option<Arc<CachedForecast>> {
        let found = self.map.read().ok().and_then(|m| m.get(key).cloned());
        match found {
            Some(_) => self.hits.fetch_add(1, Ordering::Relaxed),
            None => self.misses.fetch_add(1, Ordering::Relaxed),
        };
        found
    }

    /// Stores a precomputed forecast (always kept).
    pub fn insert_precomputed(&self, key: Key, value: Arc<CachedForecast>) {
        if let Ok(mut m) = self.map.write() {
            m.insert(key, value);
        }
    }

    /// Memoises a forecast computed on demand, if there is room.
    pub fn memoise(&self, key: Key, value: Arc<CachedForecast>) {
        if let Ok(mut m) = self.map.write()
            && (m.len() < self.capacity || m.contains_key(&key))
        {
            m.insert(key, value);
        }
    }

    pub fn contains(&self, key: &Key) -> bool {
        self.map.read().is_ok_and(|m| m.contains_key(key))
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            entries: self.map.read().map_or(0, |m| m.len()),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(meals: f64) -> Arc<CachedForecast> {
        Arc::new(CachedForecast {
            json: Bytes::from_static(b"{}"),
            forecast_meals: meals,
            order_quantity: meals,
        })
    }

    #[test]
    fn memoises_up_to_capacity_but_always_keeps_precomputed() {
        let cache = ForecastCache::new(2);
        let d = |day| NaiveDate::from_ymd_opt(2018, 9, day).unwrap();
        cache.memoise((0, d(1)), entry(1.0));
        cache.memoise((0, d(2)), entry(2.0));
        cache.memoise((0, d(3)), entry(3.0));
        assert!(cache.get(&(0, d(3))).is_none());
        cache.insert_precomputed((0, d(4)), entry(4.0));
        assert_eq!(cache.get(&(0, d(4))).map(|e| e.forecast_meals), Some(4.0));
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.hits, stats.misses), (3, 1, 1));
    }
}
