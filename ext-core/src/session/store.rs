//! Server-side session stores: the cookie then carries only a signed random
//! id, and the data can be revoked by deleting it.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::cookie::SessionData;
use crate::BoxError;

/// Where server-side sessions live: Redis (built in, feature
/// `redis-sessions`), ext-orm's and ext-mongo's tables, or your own.
///
/// Keys arrive already hashed (the store never sees a usable id). `ttl` is
/// how long the record must live; a store that cannot expire records itself
/// must not return one past it.
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Mutex;
/// use std::time::{Duration, Instant};
/// use ext_core::session::{SessionData, SessionStore};
/// use ext_core::BoxError;
///
/// /// For one process only: sessions vanish on restart.
/// #[derive(Default)]
/// struct InMemory(Mutex<HashMap<String, (SessionData, Instant)>>);
///
/// impl SessionStore for InMemory {
///     async fn load(&self, key: &str) -> Result<Option<SessionData>, BoxError> {
///         let map = self.0.lock().map_err(|_| "poisoned")?;
///         Ok(map.get(key).filter(|(_, until)| *until > Instant::now()).map(|(data, _)| data.clone()))
///     }
///     async fn save(&self, key: &str, data: &SessionData, ttl: Duration) -> Result<(), BoxError> {
///         let mut map = self.0.lock().map_err(|_| "poisoned")?;
///         map.insert(key.to_owned(), (data.clone(), Instant::now() + ttl));
///         Ok(())
///     }
///     async fn delete(&self, key: &str) -> Result<(), BoxError> {
///         self.0.lock().map_err(|_| "poisoned")?.remove(key);
///         Ok(())
///     }
/// }
/// ```
pub trait SessionStore: Send + Sync + 'static {
    /// The data filed under `key`, if it exists and has not expired.
    fn load(&self, key: &str) -> impl Future<Output = Result<Option<SessionData>, BoxError>> + Send;

    /// Files `data` under `key` for `ttl`, replacing what was there.
    fn save(
        &self,
        key: &str,
        data: &SessionData,
        ttl: Duration,
    ) -> impl Future<Output = Result<(), BoxError>> + Send;

    /// Removes what is filed under `key` (nothing there is fine).
    fn delete(&self, key: &str) -> impl Future<Output = Result<(), BoxError>> + Send;

    /// Run once when [`crate::session::Sessions`] starts on this store:
    /// create a table or an index. Nothing by default.
    fn prepare(&self) -> impl Future<Output = Result<(), BoxError>> + Send {
        std::future::ready(Ok(()))
    }
}

/// A session store that an extension offers, so that `[session] type =
/// "sqlalchemy"` (or `"mongodb"`) picks it without code: ext-orm and
/// ext-mongo provide one in their `init_app` when built with their
/// `sessions` feature. Filed in the registry under the offering
/// extension's name.
#[derive(Clone)]
pub struct OfferedStore {
    pub(crate) store: std::sync::Arc<dyn DynStore>,
}

impl std::fmt::Debug for OfferedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfferedStore").finish_non_exhaustive()
    }
}

impl OfferedStore {
    /// Offers `store` to [`crate::session::Sessions`].
    pub fn new(store: impl SessionStore) -> Self {
        Self {
            store: std::sync::Arc::new(store),
        }
    }
}

type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send + 'a>>;

/// [`SessionStore`] made object-safe, so the middleware holds any store.
pub(crate) trait DynStore: Send + Sync + 'static {
    fn load<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<SessionData>>;
    fn save<'a>(&'a self, key: &'a str, data: &'a SessionData, ttl: Duration) -> StoreFuture<'a, ()>;
    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;
    fn prepare(&self) -> StoreFuture<'_, ()>;
}

impl<S: SessionStore> DynStore for S {
    fn load<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<SessionData>> {
        Box::pin(SessionStore::load(self, key))
    }

    fn save<'a>(&'a self, key: &'a str, data: &'a SessionData, ttl: Duration) -> StoreFuture<'a, ()> {
        Box::pin(SessionStore::save(self, key, data, ttl))
    }

    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(SessionStore::delete(self, key))
    }

    fn prepare(&self) -> StoreFuture<'_, ()> {
        Box::pin(SessionStore::prepare(self))
    }
}

/// Sessions in Redis (`type = "redis"`), one key per session with Redis's
/// own expiry. Reconnects by itself after an outage.
#[cfg(feature = "redis-sessions")]
#[derive(Clone)]
pub struct RedisStore {
    connection: redis::aio::ConnectionManager,
}

#[cfg(feature = "redis-sessions")]
impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").finish_non_exhaustive()
    }
}

/// A reconnecting Redis connection to `url` whose every call waits at most
/// `timeout` (connecting included) and retries once: an outage is a quick
/// error, and the connection comes back with the server. Shared by the
/// session store and other extensions' Redis state (ext-user's throttle).
#[cfg(feature = "redis-sessions")]
pub async fn redis_connection(
    url: &str,
    timeout: Duration,
) -> Result<redis::aio::ConnectionManager, BoxError> {
    let client = redis::Client::open(url)?;
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(1);
    Ok(redis::aio::ConnectionManager::new_with_config(client, config).await?)
}

#[cfg(feature = "redis-sessions")]
impl RedisStore {
    /// Connects to the server at `url` (`redis://host:port/db`), waiting at
    /// most `timeout` for each call.
    pub async fn connect(url: &str, timeout: Duration) -> Result<Self, BoxError> {
        Ok(Self {
            connection: redis_connection(url, timeout).await?,
        })
    }

    /// Whether the server answers `PING`.
    pub async fn ping(&self) -> Result<(), BoxError> {
        let mut connection = self.connection.clone();
        redis::cmd("PING").query_async::<()>(&mut connection).await?;
        Ok(())
    }
}

#[cfg(feature = "redis-sessions")]
impl SessionStore for RedisStore {
    async fn load(&self, key: &str) -> Result<Option<SessionData>, BoxError> {
        let mut connection = self.connection.clone();
        let value: Option<Vec<u8>> = redis::cmd("GET").arg(key).query_async(&mut connection).await?;
        Ok(match value {
            Some(bytes) => Some(serde_json::from_slice(&bytes)?),
            None => None,
        })
    }

    async fn save(&self, key: &str, data: &SessionData, ttl: Duration) -> Result<(), BoxError> {
        let mut connection = self.connection.clone();
        let bytes = serde_json::to_vec(data)?;
        redis::cmd("SET")
            .arg(key)
            .arg(bytes)
            .arg("PX")
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1))
            .query_async::<()>(&mut connection)
            .await?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), BoxError> {
        let mut connection = self.connection.clone();
        redis::cmd("DEL")
            .arg(key)
            .query_async::<()>(&mut connection)
            .await?;
        Ok(())
    }
}
