//! What the CEL rules compare: durations and quantities as CEL's `duration()` and
//! `quantity()` read them (through the parsers in `core::units`), and the message helpers
//! of validation.

use crate::core::units::{duration, quantity};

pub use duration::matches_kgateway_duration;

/// Go's `time.ParseDuration` in nanoseconds; `None` when invalid.
pub fn parse_go_duration(s: &str) -> Option<i128> {
    duration::parse_go_duration(s).ok().map(i128::from)
}

pub const MILLISECOND: i128 = duration::MILLISECOND as i128;
pub const SECOND: i128 = duration::SECOND as i128;

/// A Kubernetes Quantity as kgateway reads it (`Quantity.Value()`, rounded up); `None` when
/// invalid.
pub fn parse_quantity(s: &str) -> Option<f64> {
    quantity::parse_quantity(s).ok().map(|q| q as f64)
}

/// `"…"`-quoted value for messages, shortened to about 40 characters.
pub fn echo(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head:?}…")
    }
}

/// Levenshtein distance, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1h30m"), Some(90 * 60 * SECOND));
        assert_eq!(parse_go_duration("1.5s"), Some(1_500 * MILLISECOND));
        assert_eq!(parse_go_duration("500ms"), Some(500 * MILLISECOND));
        assert_eq!(parse_go_duration("0"), Some(0));
        assert_eq!(parse_go_duration("-2us"), Some(-2_000));
        assert_eq!(parse_go_duration("1"), None);
        assert_eq!(parse_go_duration("1d"), None);
        assert_eq!(parse_go_duration(""), None);
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("64Ki"), Some(65536.0));
        assert_eq!(parse_quantity("1M"), Some(1e6));
        assert_eq!(parse_quantity("2Gi"), Some(2147483648.0));
        assert_eq!(parse_quantity("1e3"), Some(1000.0));
        assert_eq!(parse_quantity("1.5k"), Some(1500.0));
        assert_eq!(parse_quantity("+65535"), Some(65535.0));
        assert_eq!(parse_quantity("abc"), None);
        assert_eq!(parse_quantity("1KB"), None);
        assert_eq!(parse_quantity(""), None);
    }

    #[test]
    fn echo_truncates() {
        assert_eq!(echo("1.5s"), "\"1.5s\"");
        assert!(echo(&"x".repeat(100)).len() < 50);
    }

    #[test]
    fn edit_distance_small() {
        assert_eq!(edit_distance("connectTimout", "connectTimeout"), 1);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }
}
