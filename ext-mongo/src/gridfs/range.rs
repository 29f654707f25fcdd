//! Byte ranges (RFC 9110 §14): beyond Flask-PyMongo, which ignores `Range`.
//!
//! One range per request; a list of several, or a header that does not
//! parse, is ignored and the whole file sent, which the RFC allows.

/// What to send for a `Range` header.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// 200, the whole file.
    Whole,
    /// 206 with bytes `start..=end`.
    Part(u64, u64),
    /// 416.
    Unsatisfiable,
}

/// Evaluates `Range` against a file of `length` bytes.
///
/// `bytes=0-99`, `bytes=100-` (to the end) and `bytes=-100` (the last 100).
pub(crate) fn evaluate(range: Option<&str>, length: u64) -> Answer {
    let Some(range) = range else {
        return Answer::Whole;
    };
    let Some((unit, spec)) = range.trim().split_once('=') else {
        return Answer::Whole;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return Answer::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Answer::Whole;
    };
    let parse = |text: &str| -> Option<Option<u64>> {
        let text = text.trim();
        if text.is_empty() {
            Some(None)
        } else if text.bytes().all(|b| b.is_ascii_digit()) {
            // Absurdly long numbers saturate: they are past any end.
            Some(Some(text.parse().unwrap_or(u64::MAX)))
        } else {
            None
        }
    };
    let (Some(first), Some(last)) = (parse(first), parse(last)) else {
        return Answer::Whole;
    };
    match (first, last) {
        (None, None) => Answer::Whole,
        (None, Some(0)) => Answer::Unsatisfiable,
        (None, Some(_)) if length == 0 => Answer::Unsatisfiable,
        (None, Some(suffix)) => Answer::Part(length.saturating_sub(suffix), length - 1),
        (Some(start), _) if start >= length => Answer::Unsatisfiable,
        (Some(start), None) => Answer::Part(start, length - 1),
        (Some(start), Some(end)) if end < start => Answer::Whole,
        (Some(start), Some(end)) => Answer::Part(start, end.min(length - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::{evaluate, Answer};

    #[test]
    fn every_form_of_a_single_range() {
        let cases = [
            (None, Answer::Whole),
            (Some("bytes=0-99"), Answer::Part(0, 99)),
            (Some("bytes=990-"), Answer::Part(990, 999)),
            (Some("bytes=-100"), Answer::Part(900, 999)),
            (Some("bytes=-5000"), Answer::Part(0, 999)),
            (Some("bytes=500-5000"), Answer::Part(500, 999)),
            (Some("bytes=1000-"), Answer::Unsatisfiable),
            (Some("bytes=-0"), Answer::Unsatisfiable),
            (Some("bytes=99999999999999999999999-"), Answer::Unsatisfiable),
            (Some("bytes=5-1"), Answer::Whole),
            (Some("bytes=0-1,5-6"), Answer::Whole),
            (Some("items=0-1"), Answer::Whole),
            (Some("bytes=a-b"), Answer::Whole),
            (Some("bytes=-"), Answer::Whole),
        ];
        for (header, expected) in cases {
            assert_eq!(evaluate(header, 1000), expected, "{header:?}");
        }
        assert_eq!(evaluate(Some("bytes=0-"), 0), Answer::Unsatisfiable);
        assert_eq!(evaluate(Some("bytes=-1"), 0), Answer::Unsatisfiable);
    }
}
