//! Small parsers for the value syntaxes kgateway's CEL rules use: Go durations
//! (`time.ParseDuration`, which CEL's `duration()` uses) and Kubernetes Quantities
//! (`resource.ParseQuantity`, used by CEL's `quantity()`).

/// kgateway's duration regex `^([0-9]{1,5}(h|m|s|ms)){1,4}$`, without a regex engine.
pub fn matches_kgateway_duration(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let mut parts = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let digits = i - start;
        if !(1..=5).contains(&digits) {
            return false;
        }
        match b.get(i) {
            Some(b'h') | Some(b's') => i += 1,
            Some(b'm') => i += if b.get(i + 1) == Some(&b's') { 2 } else { 1 },
            _ => return false,
        }
        parts += 1;
    }
    (1..=4).contains(&parts)
}

/// Go's `time.ParseDuration` in nanoseconds (the translation's parser); `None` when invalid.
pub fn parse_go_duration(s: &str) -> Option<i128> {
    crate::envoy::duration::parse_go_duration(s).ok().map(i128::from)
}

pub const MILLISECOND: i128 = 1_000_000;
pub const SECOND: i128 = 1_000_000_000;

/// A Kubernetes Quantity as kgateway reads it (`Quantity.Value()`, rounded up), through the
/// translation's parser; `None` when invalid.
pub fn parse_quantity(s: &str) -> Option<f64> {
    crate::envoy::http::parse_quantity(s).ok().map(|q| q as f64)
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
    fn kgateway_duration_regex() {
        for ok in ["10s", "1h30m", "500ms", "0s", "99999h", "1h1m1s1ms"] {
            assert!(matches_kgateway_duration(ok), "{ok}");
        }
        for bad in ["", "1.5s", "-1s", "10us", "10ns", "100000s", "1h1m1s1ms1h", "s", "10", "1d", "1sm", " 1s"] {
            assert!(!matches_kgateway_duration(bad), "{bad}");
        }
    }

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
