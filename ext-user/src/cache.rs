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
use std::sync::{Arc, Mutex};

use crate::store::UserRecord;
use crate::User;

/// A user as loaded: the record, and the view handlers get, built once and
/// shared (a signed-in request clones an `Arc`, not the user: allocation
/// was the largest cost left in `perf` after the cache itself).
#[derive(Debug)]
pub(crate) struct Cached {
    pub(crate) record: UserRecord,
    pub(crate) user: Arc<User>,
}

impl Cached {
    pub(crate) fn new(record: UserRecord) -> Arc<Self> {
        let user = Arc::new(User::from(&record));
        Arc::new(Self { record, user })
    }
}

/// At most this many users are kept; a full cache drops its expired
/// entries, then, if still full, everything.
const CAPACITY: usize = 10_000;

#[derive(Debug)]
pub(crate) struct UserCache {
    ttl: i64,
    entries: Mutex<HashMap<String, (Arc<Cached>, i64)>>,
}

impl UserCache {
    pub(crate) fn new(ttl: i64) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn get(&self, id: &str, now: i64) -> Option<Arc<Cached>> {
        if self.ttl == 0 {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let (cached, loaded) = entries.get(id)?;
        (now.saturating_sub(*loaded) < self.ttl).then(|| Arc::clone(cached))
    }

    pub(crate) fn put(&self, cached: &Arc<Cached>, now: i64) {
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
        entries.insert(cached.record.id.clone(), (Arc::clone(cached), now));
    }

    pub(crate) fn forget(&self, id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(id);
        }
    }
}
