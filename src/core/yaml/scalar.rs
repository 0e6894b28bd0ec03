//! Plain scalars resolved as Kubernetes resolves them: go-yaml v2's YAML 1.1 rules (through
//! sigs.k8s.io/yaml, which kubectl and Argo CD read manifests with), then as JSON.
//!
//! go-yaml v2 (`resolve.go`) looks the text up in a table of booleans, nulls and special
//! floats, then, when it starts with a sign, a digit or a dot, tries an integer (any Go base
//! prefix, leading-zero octal, underscores dropped), an unsigned integer, a float of the
//! YAML form, and a `0b` binary. Anything else is a string; so are timestamps when read into
//! untyped values. Quoted and block scalars are always strings.
//!
//! The JSON step then decides what the API server receives: integral floats below 1e21 are
//! integers when they fit int64, and integers beyond int64 are float64.

use serde_json::{Number, Value};

/// A plain scalar's value as the API server receives it, or why it cannot be a JSON value.
pub fn resolve_plain(text: &str) -> Result<Value, &'static str> {
    Ok(match resolve(text)? {
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::from(i),
        // sigs.k8s.io/json keeps integers only within int64: the rest arrive as float64.
        Resolved::Uint(u) => float(u as f64),
        Resolved::Float(f) => float(f),
        Resolved::Str => Value::String(text.into()),
    })
}

/// What go-yaml v2 makes of a plain scalar, before JSON.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str,
}

fn resolve(text: &str) -> Result<Resolved, &'static str> {
    if let Some(v) = special(text) {
        return v;
    }
    Ok(match text.as_bytes().first() {
        Some(b'.') if text.contains('_') => return Err(AMBIGUOUS_UNDERSCORE),
        Some(b'.') => go_float(text).map_or(Resolved::Str, Resolved::Float),
        Some(b'+' | b'-' | b'0'..=b'9') => numeric(text).unwrap_or(Resolved::Str),
        _ => Resolved::Str,
    })
}

/// A plain scalar of a kustomize resource file, as kustomize v5 writes it out (goyaml.v3's
/// resolution, then JSON): only `true`/`false` (three spellings) are booleans, so `yes` and
/// `on` are strings; a timestamp would become RFC 3339 text, which is not reproduced. The
/// error says whether the real kustomize could build it (`true`: unsupported here).
pub fn kustomize_plain(text: &str) -> Result<Value, (String, bool)> {
    if is_v3_timestamp(text) {
        let m = "kustomize rewrites an unquoted date or time as RFC 3339 text, which the built-in kustomize does not; quote it to keep it as written";
        return Err((m.into(), true));
    }
    match resolve(text).map_err(|m| (m.to_string(), false))? {
        Resolved::Bool(_) if !V3_BOOLS.contains(&text) => Ok(Value::String(text.into())),
        _ => resolve_plain(text).map_err(|m| (m.to_string(), false)),
    }
}

/// The booleans of goyaml.v3.
const V3_BOOLS: [&str; 6] = ["true", "True", "TRUE", "false", "False", "FALSE"];

/// Four digits and a dash: goyaml.v3 tries it as a timestamp (refused when it might be one).
fn is_v3_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// A plain mapping key of a kustomize resource: kustomize cannot write a key that goyaml.v3
/// reads as anything but a string (its JSON step fails), so such keys are errors.
pub fn kustomize_key(text: &str) -> Result<String, &'static str> {
    let string = match resolve(text) {
        Ok(Resolved::Str) => !is_v3_timestamp(text),
        Ok(Resolved::Bool(_)) => !V3_BOOLS.contains(&text),
        _ => false,
    };
    if string {
        Ok(text.to_string())
    } else {
        Err("kustomize cannot build a mapping key that YAML reads as a number, boolean, null or time; quote it")
    }
}

/// A plain annotation value of a kustomize resource: kustomize writes the text as it was
/// (`8080` becomes `"8080"`, `0x1F` stays `"0x1F"`). Also whether a JSON patch would keep
/// that text: a patch re-types the whole object first, so `0x1F` would become `"31"`.
pub fn kustomize_annotation(text: &str) -> (Value, bool) {
    let kept = match resolve(text) {
        Ok(Resolved::Str) => !is_v3_timestamp(text),
        Ok(Resolved::Bool(_)) => !V3_BOOLS.contains(&text) || text == "true" || text == "false",
        Ok(Resolved::Null) => text == "null",
        Ok(Resolved::Int(i)) => i.to_string() == text,
        _ => false,
    };
    (Value::String(text.to_string()), kept)
}

/// Go's float parser and go-yaml's float pattern differ on underscores after a leading dot.
const AMBIGUOUS_UNDERSCORE: &str =
    "a number starting with '.' and holding '_' is read differently by YAML readers; quote it or drop the '_'";

/// A plain scalar as a mapping key, as sigs.k8s.io/yaml turns go-yaml's keys into JSON's:
/// booleans and integers by their value (`on` is `"true"`, `0x10` is `"16"`). Null keys and
/// keys beyond int64 are errors there; float keys are printed at float32 precision, which
/// is refused here rather than imitated.
pub fn plain_key(text: &str) -> Result<String, &'static str> {
    match resolve(text)? {
        Resolved::Str => Ok(text.to_string()),
        Resolved::Bool(b) => Ok(b.to_string()),
        Resolved::Int(i) => Ok(i.to_string()),
        Resolved::Null => Err("a null mapping key (~, null or nothing) is not supported by Kubernetes; quote it"),
        Resolved::Uint(_) => Err("an integer mapping key beyond int64 is not supported by Kubernetes; quote it"),
        Resolved::Float(_) => Err("a mapping key that reads as a fractional number is not supported; quote it"),
    }
}

/// Characters a string may not hold: Argo CD carries a plugin's output through Go's JSON,
/// which writes them raw, and go-yaml then refuses them (DEL, C1 controls, U+FFFE, U+FFFF)
/// or reads them unpredictably (a byte order mark).
pub fn check_text(s: &str) -> Result<(), String> {
    let bad = s.chars().find(|&c| {
        c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c) || matches!(c, '\u{feff}' | '\u{fffe}' | '\u{ffff}')
    });
    match bad {
        None => Ok(()),
        Some(c) => Err(format!(
            "a string holds the character U+{:04X}, which Argo CD cannot carry through a plugin's output; remove it",
            c as u32
        )),
    }
}

/// The table go-yaml v2 looks plain scalars up in first.
fn special(text: &str) -> Option<Result<Resolved, &'static str>> {
    Some(Ok(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Resolved::Bool(true),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Resolved::Bool(false),
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf"
        | "-.INF" => return Some(Err("NaN and infinite numbers are not supported")),
        _ => return None,
    }))
}

/// Starting with a sign or a digit: integer, unsigned integer, YAML-style float, binary.
fn numeric(text: &str) -> Option<Resolved> {
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    if let Some(n) = go_int(&plain) {
        return Some(n);
    }
    if is_yaml_float(&plain) {
        return go_float(&plain).map(Resolved::Float);
    }
    let (neg, digits) = match plain.strip_prefix("-0b") {
        Some(d) => (true, d),
        None => (false, plain.strip_prefix("0b")?),
    };
    let magnitude = u64::from_str_radix(digits, 2).ok().filter(|_| !digits.starts_with(['+', '-']))?;
    if neg { i64::try_from(magnitude).ok().map(|m| Resolved::Int(-m)) } else { Some(unsigned(magnitude)) }
}

fn unsigned(u: u64) -> Resolved {
    i64::try_from(u).map_or(Resolved::Uint(u), Resolved::Int)
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)`: an optional sign, then a
/// `0x`/`0o`/`0b` prefix, a leading-zero octal, or decimal digits.
fn go_int(s: &str) -> Option<Resolved> {
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
            return Some(Resolved::Int((magnitude as i128).wrapping_neg() as i64));
        }
        return None;
    }
    Some(unsigned(magnitude))
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
    // The range of int64: -2^63 is one, 2^63 is not.
    if f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        Value::from(f as i64)
    } else {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
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
    fn keys_become_strings_as_sigs_k8s_yaml_writes_them() {
        assert_eq!(plain_key("on").unwrap(), "true");
        assert_eq!(plain_key("n").unwrap(), "false");
        assert_eq!(plain_key("0x10").unwrap(), "16");
        assert_eq!(plain_key("017").unwrap(), "15");
        assert_eq!(plain_key("web").unwrap(), "web");
        assert_eq!(plain_key("2001-12-14").unwrap(), "2001-12-14");
        for refused in ["~", "null", "", "9223372036854775808", "1.5", "1e6", "1.0"] {
            assert!(plain_key(refused).is_err(), "{refused:?}");
        }
    }

    #[test]
    fn numbers_arrive_as_the_api_server_receives_them() {
        // Beyond int64, Kubernetes' JSON reader gives a float64.
        assert_eq!(resolve_plain("9223372036854775808").unwrap(), json!(9223372036854775808.0f64));
        assert_eq!(resolve_plain("-9223372036854775808").unwrap(), json!(i64::MIN));
        assert_eq!(resolve_plain("0x8000000000000000").unwrap(), json!(9223372036854775808.0f64));
        assert_eq!(resolve_plain("1e20").unwrap(), json!(1e20));
        assert_eq!(resolve_plain("1e-400").unwrap(), json!(0));
        assert_eq!(resolve_plain("1e400").unwrap(), json!("1e400"));
        assert_eq!(resolve_plain("0777777777777777777777777").unwrap(), json!(7.777777777777778e23));
        assert_eq!(resolve_plain("0x10000000000000000").unwrap(), json!("0x10000000000000000"));
        assert!(resolve_plain(".5_5").is_err());
    }

    #[test]
    fn characters_argo_cd_cannot_carry_are_refused() {
        for bad in ["a\u{7f}", "\u{85}", "\u{9f}x", "\u{feff}", "\u{fffe}", "\u{ffff}"] {
            assert!(check_text(bad).is_err(), "{bad:?}");
        }
        for good in ["a\tb\n", "\u{a0}é", "\u{2028}", "😀", "\u{fffd}"] {
            assert!(check_text(good).is_ok(), "{good:?}");
        }
    }
}
