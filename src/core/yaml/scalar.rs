//! Plain scalars resolved as Kubernetes resolves them: go-yaml v2's YAML 1.1 rules (through
//! sigs.k8s.io/yaml, which kubectl and Argo CD read manifests with), then as JSON.
//!
//! go-yaml v2 (`resolve.go`) looks the text up in a table of booleans, nulls and special
//! floats, then, when it starts with a sign, a digit or a dot, tries an integer (any Go base
//! prefix, leading-zero octal, underscores dropped), an unsigned integer, a float of the
//! YAML form, and a `0b` binary. Anything else is a string; so are timestamps when read into
//! untyped values. Quoted and block scalars are always strings.

use serde_json::{Number, Value};

/// A plain scalar's value, or why it cannot be a JSON value.
pub fn resolve_plain(text: &str) -> Result<Value, &'static str> {
    if let Some(v) = special(text) {
        return v;
    }
    match text.as_bytes().first() {
        Some(b'.') => Ok(dotted(text).unwrap_or_else(|| Value::String(text.into()))),
        Some(b'+' | b'-' | b'0'..=b'9') => Ok(numeric(text).unwrap_or_else(|| Value::String(text.into()))),
        _ => Ok(Value::String(text.into())),
    }
}

/// The table go-yaml v2 looks plain scalars up in first.
fn special(text: &str) -> Option<Result<Value, &'static str>> {
    Some(Ok(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Value::Bool(true),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Value::Bool(false),
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf"
        | "-.INF" => return Some(Err("NaN and infinite numbers are not supported")),
        _ => return None,
    }))
}

/// Starting with `.`: Go's `ParseFloat` on the text as it is.
fn dotted(text: &str) -> Option<Value> {
    // ParseFloat also takes forms YAML does not write (`.5e1` is fine, hex floats need a
    // leading 0); after a dot only digits, an exponent and underscores between digits count.
    go_float(text).map(float)
}

/// Starting with a sign or a digit: integer, unsigned integer, YAML-style float, binary.
fn numeric(text: &str) -> Option<Value> {
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    if let Some(i) = go_int(&plain) {
        return Some(Value::Number(i));
    }
    if is_yaml_float(&plain) {
        return go_float(&plain).map(float);
    }
    let (neg, digits) = match plain.strip_prefix("-0b") {
        Some(d) => (true, d),
        None => (false, plain.strip_prefix("0b")?),
    };
    let magnitude = u64::from_str_radix(digits, 2).ok().filter(|_| !digits.starts_with(['+', '-']))?;
    if neg { i64::try_from(magnitude).ok().map(|m| Value::from(-m)) } else { Some(Value::from(magnitude)) }
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)`: an optional sign, then a
/// `0x`/`0o`/`0b` prefix, a leading-zero octal, or decimal digits.
fn go_int(s: &str) -> Option<Number> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = match body.get(..2) {
        Some("0x" | "0X") => (16, &body[2..]),
        Some("0o" | "0O") => (8, &body[2..]),
        Some("0b" | "0B") => (2, &body[2..]),
        _ if body.len() > 1 && body.starts_with('0') => (8, &body[1..]),
        _ => (10, body),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        // ParseInt's range for negatives; ParseUint takes no sign.
        if magnitude <= i64::MAX as u64 + 1 {
            return Some(Number::from((magnitude as i128).wrapping_neg() as i64));
        }
        return None;
    }
    Some(Number::from(magnitude))
}

/// go-yaml v2's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `ParseFloat(s, 64)` for the decimal forms YAML floats take; `None` for what it
/// refuses. Out-of-range values are refused too (Go gives ±Inf with an error).
fn go_float(s: &str) -> Option<f64> {
    let ok = s.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    let f: f64 = if ok { s.parse().ok()? } else { return None };
    f.is_finite().then_some(f)
}

/// A float as the JSON sigs.k8s.io/yaml writes reads back: an integral value within the
/// integer range is an integer (`8`, not `8.0`).
pub fn float(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.223_372_036_854_775e18 {
        Value::from(f as i64)
    } else {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

/// A mapping key as sigs.k8s.io/yaml writes it: JSON keys are strings.
pub fn key_string(key: &Value) -> Result<String, &'static str> {
    match key {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok("null".into()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
        Value::Number(_) => Err("a number with a fraction as a mapping key is not supported; quote the key"),
        Value::Array(_) | Value::Object(_) => Err("mapping keys must be scalars, not sequences or mappings"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kubernetes_reads_these_plain_scalars_so() {
        let cases: &[(&str, Value)] = &[
            ("yes", json!(true)),
            ("Y", json!(true)),
            ("n", json!(false)),
            ("Off", json!(false)),
            ("oN", json!("oN")),
            ("~", json!(null)),
            ("", json!(null)),
            ("Null", json!(null)),
            ("nULL", json!("nULL")),
            ("017", json!(15)),
            ("0o17", json!(15)),
            ("08", json!(8)),
            ("0x1F", json!(31)),
            ("0X1f", json!(31)),
            ("1_000", json!(1000)),
            ("+12", json!(12)),
            ("-0", json!(0)),
            ("1e3", json!(1000)),
            ("1.5", json!(1.5)),
            (".5", json!(0.5)),
            ("1.", json!(1)),
            ("0b101", json!(5)),
            ("-0b101", json!(-5)),
            ("9223372036854775807", json!(9223372036854775807i64)),
            ("9223372036854775808", json!(9223372036854775808u64)),
            ("-9223372036854775808", json!(-9223372036854775808i64)),
            ("12:30", json!("12:30")),
            ("2001-12-14", json!("2001-12-14")),
            ("1.2.3", json!("1.2.3")),
            ("0x", json!("0x")),
            ("+", json!("+")),
            ("-", json!("-")),
            ("_1", json!("_1")),
            ("1e", json!("1e")),
            ("0.1.2", json!("0.1.2")),
            ("v1", json!("v1")),
            ("<<", json!("<<")),
        ];
        for (text, want) in cases {
            assert_eq!(resolve_plain(text).as_ref(), Ok(want), "{text:?}");
        }
        for bad in [".nan", ".Inf", "-.inf"] {
            assert!(resolve_plain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_become_strings_as_in_json() {
        assert_eq!(key_string(&json!(true)).unwrap(), "true");
        assert_eq!(key_string(&json!(15)).unwrap(), "15");
        assert_eq!(key_string(&json!(null)).unwrap(), "null");
        assert!(key_string(&json!(1.5)).is_err());
        assert!(key_string(&json!([1])).is_err());
    }
}
