//! Kubernetes quantities (`resource.ParseQuantity`, which CEL's `quantity()` and kgateway's
//! window sizes use), read as `Quantity.Value()`: the exact value rounded up to an integer.

/// A quantity string split into its parts: `sign digits . fraction suffix`.
struct Parts<'s> {
    neg: bool,
    int_part: &'s str,
    frac_part: &'s str,
    suffix: &'s str,
}

fn bad(s: &str) -> String {
    format!("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$', got {s:?}")
}

fn split(s: &str) -> Option<Parts<'_>> {
    let t = s.trim();
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let num_len = body.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
    let (num, suffix) = body.split_at(num_len);
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return None;
    }
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    Some(Parts { neg, int_part, frac_part, suffix })
}

/// The suffix as powers (of 10, of 2) to scale by.
fn exponents(suffix: &str) -> Option<(i64, i64)> {
    let binary = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    let decimal =
        [("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15), ("E", 18)];
    if let Some(i) = binary.iter().position(|b| *b == suffix) {
        return Some((0, 10 * (i as i64 + 1)));
    }
    if let Some((_, e)) = decimal.iter().find(|(d, _)| *d == suffix) {
        return Some((*e, 0));
    }
    let e = suffix.strip_prefix(['e', 'E'])?;
    Some((e.parse().ok()?, 0))
}

/// Parse a quantity and return `Value()` (the ceiling of the exact value, saturating at the
/// int64 range).
pub fn parse_quantity(s: &str) -> Result<i64, String> {
    let p = split(s).ok_or_else(|| bad(s))?;
    let (exp10, exp2) = exponents(p.suffix).ok_or_else(|| bad(s))?;
    // Exact value = digits * 10^(exp10 - frac_len) * 2^exp2.
    let digits = format!("{}{}", p.int_part, p.frac_part);
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    if digits.len() > 30 {
        return Ok(if p.neg { i64::MIN } else { i64::MAX });
    }
    let n: u128 = digits.parse().map_err(|_| bad(s))?;
    Ok(ceiling(n, exp10 - p.frac_part.len() as i64, exp2, p.neg))
}

/// `ceil(±n * 10^exp10 * 2^exp2)` in u128 with saturation.
fn ceiling(mut n: u128, exp10: i64, exp2: i64, neg: bool) -> i64 {
    let big = |x: u128| -> i64 { i64::try_from(x).unwrap_or(i64::MAX) };
    for _ in 0..exp2 {
        n = n.saturating_mul(2);
    }
    let mut den: u128 = 1;
    if exp10 >= 0 {
        for _ in 0..exp10.min(40) {
            n = n.saturating_mul(10);
        }
    } else if -exp10 > 38 {
        // Far below 1 (n is non-zero): the ceiling is 1, or 0 when negative.
        return if neg { 0 } else { 1 };
    } else {
        for _ in 0..-exp10 {
            den *= 10;
        }
    }
    let (q, r) = (n / den, n % den);
    if neg {
        // The ceiling of a negative number truncates toward zero.
        -big(q)
    } else {
        big(if r > 0 { q.saturating_add(1) } else { q })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("64Ki").unwrap(), 65536);
        assert_eq!(parse_quantity("1024Ki").unwrap(), 1_048_576);
        assert_eq!(parse_quantity("1Mi").unwrap(), 1_048_576);
        assert_eq!(parse_quantity("2Gi").unwrap(), 2_147_483_648);
        assert_eq!(parse_quantity("65535").unwrap(), 65535);
        assert_eq!(parse_quantity("1.5Ki").unwrap(), 1536);
        assert_eq!(parse_quantity("1.0001Ki").unwrap(), 1025);
        assert_eq!(parse_quantity("1e3").unwrap(), 1000);
        assert_eq!(parse_quantity("1E3").unwrap(), 1000);
        assert_eq!(parse_quantity("2k").unwrap(), 2000);
        assert_eq!(parse_quantity("1.5k").unwrap(), 1500);
        assert_eq!(parse_quantity("1.5M").unwrap(), 1_500_000);
        assert_eq!(parse_quantity("1G").unwrap(), 1_000_000_000);
        assert_eq!(parse_quantity("100m").unwrap(), 1);
        assert_eq!(parse_quantity("0.1").unwrap(), 1);
        assert_eq!(parse_quantity("+5").unwrap(), 5);
        assert_eq!(parse_quantity("-1.5").unwrap(), -1);
        assert_eq!(parse_quantity("1e-50").unwrap(), 1);
        assert_eq!(parse_quantity("0Ki").unwrap(), 0);
        for bad in ["5Q", "", "Ki", "abc", "1KB", ".", "1.2.3"] {
            assert!(parse_quantity(bad).is_err(), "{bad}");
        }
    }
}
