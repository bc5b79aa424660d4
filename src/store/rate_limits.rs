//! Fixed-window counters in the shared database, so limits hold across instances.

use super::{Store, StoreResult, with_pool, with_writer};
use crate::clock::UnixTime;

/// Counts one hit in `$bucket` for the window starting at `$window_start`: the hits
/// so far in that window.
macro_rules! hit_rate_limit {
    ($exec:expr, $bucket:expr, $window_start:expr) => {{
        let bucket: &str = $bucket;
        let window_start: $crate::clock::UnixTime = $window_start;
        sqlx::query_scalar(
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 \
             RETURNING hits",
        )
        .bind(bucket)
        .bind(window_start)
        .fetch_one($exec)
        .await
    }};
}

impl Store {
    /// Counts one hit in `bucket` for the window starting at `window_start` and
    /// returns the hits so far in that window.
    pub async fn hit_rate_limit(&self, bucket: &str, window_start: UnixTime) -> StoreResult<i64> {
        Ok(with_writer!(self, |pool| hit_rate_limit!(
            pool,
            bucket,
            window_start
        )?))
    }

    /// The hits counted so far in `bucket`'s window starting at `window_start`,
    /// without counting one.
    pub async fn rate_limit_hits(&self, bucket: &str, window_start: UnixTime) -> StoreResult<i64> {
        let hits: Option<i64> = with_pool!(self, |pool| sqlx::query_scalar(
            "SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2"
        )
        .bind(bucket)
        .bind(window_start)
        .fetch_optional(pool)
        .await?);
        Ok(hits.unwrap_or(0))
    }
}
