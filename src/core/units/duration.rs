//! Go durations: `time.ParseDuration`, kgateway's duration regex, and canonical proto JSON
//! `Duration` rendering.

/// Parse a Go duration string (`1h30m`, `500ms`, `1.5s`, `-2us`, `0`) into nanoseconds.
/// Mirrors Go's `time.ParseDuration`, including its float handling of fractions.
pub fn parse_go_duration(s: &str) -> Result<i64, String> {
    let orig = s;
    let bad = || format!("time: invalid duration {orig:?}");
    let mut rest = s;
    let mut neg = false;
    if let Some(r) = rest.strip_prefix('-') {
        neg = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        // Integer part.
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &rest[..int_len];
        rest = &rest[int_len..];
        // Fraction.
        let mut frac_part = "";
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &r[..n];
            rest = &r[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad());
        }
        // Unit.
        let unit_len = rest.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(rest.len());
        let unit_str = &rest[..unit_len];
        rest = &rest[unit_len..];
        let unit: u128 = match unit_str {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(format!("time: missing unit in duration {orig:?}")),
            u => return Err(format!("time: unknown unit {u:?} in duration {orig:?}")),
        };
        let v: u128 = if int_part.is_empty() { 0 } else { int_part.parse::<u128>().map_err(|_| bad())? };
        let mut v = v.checked_mul(unit).ok_or_else(bad)?;
        if !frac_part.is_empty() {
            // Go: accumulate up to overflow, then v += int64(float64(f) * (float64(unit) / scale)).
            let mut f: u64 = 0;
            let mut scale: f64 = 1.0;
            for d in frac_part.bytes() {
                if f > (u64::MAX >> 1) / 10 {
                    break;
                }
                f = f * 10 + u64::from(d - b'0');
                scale *= 10.0;
            }
            v += (f as f64 * (unit as f64 / scale)) as u128;
        }
        total = total.checked_add(v).ok_or_else(bad)?;
        if total > (1u128 << 63) {
            return Err(bad());
        }
    }
    if neg {
        Ok((-(total as i128)) as i64)
    } else if total > i64::MAX as u128 {
        Err(bad())
    } else {
        Ok(total as i64)
    }
}

/// Render nanoseconds as protojson renders a `google.protobuf.Duration`:
/// `5s`, `1.500s`, `0.000001s`, `0.000000001s`, `-1.500s`.
pub fn format_proto_duration(nanos: i64) -> String {
    let neg = nanos < 0;
    let abs = nanos.unsigned_abs();
    let secs = abs / 1_000_000_000;
    let frac = abs % 1_000_000_000;
    let sign = if neg { "-" } else { "" };
    if frac == 0 {
        format!("{sign}{secs}s")
    } else if frac.is_multiple_of(1_000_000) {
        format!("{sign}{secs}.{:03}s", frac / 1_000_000)
    } else if frac.is_multiple_of(1_000) {
        format!("{sign}{secs}.{:06}s", frac / 1_000)
    } else {
        format!("{sign}{secs}.{frac:09}s")
    }
}

/// The inverse of [`format_proto_duration`]: nanoseconds of a protojson duration (`5s`,
/// `-1.500s`), wide enough for any seconds a cluster may carry; `None` if it is not one.
pub fn parse_proto_duration(s: &str) -> Option<i128> {
    let s = s.strip_suffix('s')?;
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ns = secs.parse::<i128>().ok()? * 1_000_000_000 + format!("{frac:0<9}").parse::<i128>().ok()?;
    Some(if neg { -ns } else { ns })
}

/// Whole seconds, truncated toward zero, as Go's `uint32(d.Seconds())` for non-negative `d`.
pub fn whole_seconds_u32(nanos: i64) -> u32 {
    let s = nanos / 1_000_000_000;
    u32::try_from(s.max(0)).unwrap_or(u32::MAX)
}

/// Parse a Go duration string and render it as a proto JSON duration.
#[cfg(test)]
fn go_to_proto(s: &str) -> Result<String, String> {
    parse_go_duration(s).map(format_proto_duration)
}

/// Nanoseconds per millisecond and per second.
pub const MILLISECOND: i64 = 1_000_000;
pub const SECOND: i64 = 1_000_000_000;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proto_durations_read_back() {
        for ns in [0, 1, 1_000, 1_500_000_000, 5 * SECOND, -1_500_000_000, 86_400 * SECOND] {
            assert_eq!(parse_proto_duration(&format_proto_duration(ns)), Some(i128::from(ns)), "{ns}");
        }
        for bad in ["5", "1.5ms", "1.0000000001s", "x s", ""] {
            assert_eq!(parse_proto_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_go_duration("5s").unwrap(), 5_000_000_000);
        assert_eq!(parse_go_duration("1h30m").unwrap(), 5_400_000_000_000);
        assert_eq!(parse_go_duration("500ms").unwrap(), 500_000_000);
        assert_eq!(parse_go_duration("1.5s").unwrap(), 1_500_000_000);
        assert_eq!(parse_go_duration("0").unwrap(), 0);
        assert_eq!(parse_go_duration("0s").unwrap(), 0);
        assert_eq!(parse_go_duration("1us").unwrap(), 1_000);
        assert_eq!(parse_go_duration("-2ms").unwrap(), -2_000_000);
        assert_eq!(parse_go_duration("1h1m1s1ms").unwrap(), 3_661_001_000_000);
        assert!(parse_go_duration("").is_err());
        assert!(parse_go_duration("5").is_err());
        assert!(parse_go_duration("5x").is_err());
        assert!(parse_go_duration("s").is_err());
        assert!(parse_go_duration("99999999999h").is_err());
    }

    #[test]
    fn renders_canonical_proto_durations() {
        assert_eq!(go_to_proto("5s").unwrap(), "5s");
        assert_eq!(go_to_proto("1h30m").unwrap(), "5400s");
        assert_eq!(go_to_proto("4h").unwrap(), "14400s");
        assert_eq!(go_to_proto("500ms").unwrap(), "0.500s");
        assert_eq!(go_to_proto("1.5s").unwrap(), "1.500s");
        assert_eq!(go_to_proto("1us").unwrap(), "0.000001s");
        assert_eq!(go_to_proto("1ns").unwrap(), "0.000000001s");
        assert_eq!(go_to_proto("1s1ns").unwrap(), "1.000000001s");
        assert_eq!(go_to_proto("0s").unwrap(), "0s");
        assert_eq!(go_to_proto("-1500ms").unwrap(), "-1.500s");
    }

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
    fn truncates_to_whole_seconds() {
        assert_eq!(whole_seconds_u32(parse_go_duration("1500ms").unwrap()), 1);
        assert_eq!(whole_seconds_u32(parse_go_duration("30s").unwrap()), 30);
    }
}
