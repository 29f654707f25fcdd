//! Path converters as Werkzeug's, for `web::Path`: a route's segment
//! matches what the same Flask rule would match, and anything else is a
//! 404 problem (the app's path error handler), as in Flask.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer};

/// Werkzeug's `int` converter (`<int:id>`): ASCII digits only, no sign, no
/// leading zero (`0` itself is fine), at most `i64::MAX`. Rust's own
/// integer parsing takes `+1`, which Flask would not route, and a plain
/// `web::Path<i64>` makes `/notes/+1` and `/notes/01` both note 1.
///
/// ```
/// use ext_core::converters::Int;
///
/// assert_eq!(Int::parse("42"), Some(Int(42)));
/// assert_eq!(Int::parse("0"), Some(Int(0)));
/// for refused in ["+1", "01", "-1", "1.0", " 1", "", "9223372036854775808", "١"] {
///     assert_eq!(Int::parse(refused), None, "{refused:?}");
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Int(pub i64);

impl Int {
    /// The segment's value, if Werkzeug's `int` converter would match it.
    pub fn parse(segment: &str) -> Option<Self> {
        let canonical = !segment.is_empty()
            && segment.bytes().all(|byte| byte.is_ascii_digit())
            && (segment == "0" || !segment.starts_with('0'));
        if !canonical {
            return None;
        }
        segment.parse().ok().map(Int)
    }
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Int> for i64 {
    fn from(value: Int) -> Self {
        value.0
    }
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let segment = Cow::<'de, str>::deserialize(deserializer)?;
        Int::parse(&segment).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{segment}` is not a whole number written as digits without a sign or leading zeros"
            ))
        })
    }
}
