//! A short-lived copy of recently seen users, so that a signed-in request
//! does not read the store every time.
//!
//! Measured reason (`scripts/bench-user.sh`, BENCHMARKS.md): loading the
//! user from SQLite on every request made a signed-in trivial route serve
//! about a tenth of the same route without the user. With this cache it
//! reads the store once per user per `user_cache_secs` (default 2).
//!
//! A change made through this app (sign-in, password, roles, deactivation)
//! drops the user's entry at once. A change made by another instance of the
//! app is seen here within `user_cache_secs`; `0` turns the cache off.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::store::UserRecord;

/// At most this many users are kept; a full cache drops its expired
/// entries, then, if still full, everything.
const CAPACITY: usize = 10_000;

#[derive(Debug)]
pub(crate) struct UserCache {
    ttl: i64,
    entries: Mutex<HashMap<String, (UserRecord, i64)>>,
}

impl UserCache {
    pub(crate) fn new(ttl: i64) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn get(&self, id: &str, now: i64) -> Option<UserRecord> {
        if self.ttl == 0 {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let (record, loaded) = entries.get(id)?;
        (now.saturating_sub(*loaded) < self.ttl).then(|| record.clone())
    }

    pub(crate) fn put(&self, record: &UserRecord, now: i64) {
        if self.ttl == 0 {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CAPACITY {
            let ttl = self.ttl;
            entries.retain(|_, (_, loaded)| now.saturating_sub(*loaded) < ttl);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(record.id.clone(), (record.clone(), now));
    }

    pub(crate) fn forget(&self, id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(id);
        }
    }
}
