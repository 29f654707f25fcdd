//! Where throttle counters live: in the user store (the default), or in
//! Redis (feature `redis`, `[user] throttle_redis_url`), so that instances
//! of the app with no database in common still share one count.

use std::fmt;

use ext_core::BoxError;

use crate::store::{DynUserStore, Hits};

/// The counters' home.
pub(crate) enum Counters {
    /// [`crate::store::UserStore::hit`].
    Store,
    /// Redis keys `ext-user:throttle:<key>`, expiring with their window.
    #[cfg(feature = "redis")]
    Redis(redis::aio::ConnectionManager),
}

impl fmt::Debug for Counters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Counters::Store => f.write_str("Counters::Store"),
            #[cfg(feature = "redis")]
            Counters::Redis(_) => f.write_str("Counters::Redis"),
        }
    }
}

#[cfg(feature = "redis")]
const PREFIX: &str = "ext-user:throttle:";

impl Counters {
    /// Counters in Redis at `url`, each call waiting at most `timeout`.
    #[cfg(feature = "redis")]
    pub(crate) async fn redis(url: &str, timeout: std::time::Duration) -> Result<Self, BoxError> {
        let connection = ext_core::session::redis_connection(url, timeout).await?;
        Ok(Counters::Redis(connection))
    }

    /// One more hit on `key`; see [`crate::store::UserStore::hit`].
    pub(crate) async fn hit(
        &self,
        store: &dyn DynUserStore,
        key: &str,
        now: i64,
        window: i64,
    ) -> Result<Hits, BoxError> {
        match self {
            Counters::Store => store.hit(key, now, window).await,
            #[cfg(feature = "redis")]
            Counters::Redis(connection) => {
                let mut connection = connection.clone();
                let key = format!("{PREFIX}{key}");
                // One transaction: the key is created with its window's
                // expiry if missing, then counted; Redis's clock ends it.
                let (count, ttl): (u64, i64) = redis::pipe()
                    .atomic()
                    .cmd("SET")
                    .arg(&key)
                    .arg(0)
                    .arg("EX")
                    .arg(window.max(1))
                    .arg("NX")
                    .ignore()
                    .cmd("INCR")
                    .arg(&key)
                    .cmd("TTL")
                    .arg(&key)
                    .query_async(&mut connection)
                    .await?;
                Ok(Hits {
                    count: u32::try_from(count).unwrap_or(u32::MAX),
                    window_ends: now.saturating_add(ttl.max(1)),
                })
            }
        }
    }

    /// Forgets `key`.
    pub(crate) async fn forget(&self, store: &dyn DynUserStore, key: &str) -> Result<(), BoxError> {
        match self {
            Counters::Store => store.forget_hits(key).await,
            #[cfg(feature = "redis")]
            Counters::Redis(connection) => {
                let mut connection = connection.clone();
                redis::cmd("DEL")
                    .arg(format!("{PREFIX}{key}"))
                    .query_async::<()>(&mut connection)
                    .await?;
                Ok(())
            }
        }
    }
}
