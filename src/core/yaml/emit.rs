//! Our own block-YAML emitter for the JSON data model.
//!
//! The one hard rule: every string must read back as the same string under a YAML 1.1
//! reader (gopkg.in/yaml.v2, PyYAML) and a YAML 1.2 reader (yaml_serde, tested). A string is written
//! plain only when it passes a conservative whitelist *and* no resolver of either version
//! would take it for something else; otherwise it is single- or double-quoted, or written as
//! a literal block scalar when it is a readable multi-line text.

use std::borrow::{Borrow, Cow};

use serde_json::{Map, Number, Value};

/// Implicit (simple) keys are limited to 1024 characters by YAML readers; longer keys are
/// written in the explicit `? key` form. Measured in bytes, which is conservative.
const MAX_IMPLICIT_KEY: usize = 1000;

pub(crate) fn emit_document(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) if !map.is_empty() => write_map(out, map, 0, false),
        Value::Array(seq) if !seq.is_empty() => write_seq(out, seq, 0, false),
        Value::String(s) if literal_block_ok(s) => write_literal(out, s, 2),
        other => {
            out.push_str(&inline_scalar(other));
            out.push('\n');
        }
    }
}

/// The inline form of a scalar or empty collection.
fn inline_scalar(value: &Value) -> Cow<'_, str> {
    match value {
        Value::Null => Cow::Borrowed("null"),
        Value::Bool(true) => Cow::Borrowed("true"),
        Value::Bool(false) => Cow::Borrowed("false"),
        Value::Number(n) => Cow::Owned(format_number(n)),
        Value::String(s) => quote_string(s),
        Value::Array(_) => Cow::Borrowed("[]"),
        Value::Object(_) => Cow::Borrowed("{}"),
    }
}

fn is_nonempty_collection(value: &Value) -> bool {
    match value {
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
        _ => false,
    }
}

fn push_indent(out: &mut String, indent: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = indent;
    while left > 0 {
        let n = left.min(SPACES.len());
        out.push_str(&SPACES[..n]);
        left -= n;
    }
}

/// Write a block mapping whose keys sit at column `indent`. When `inline_first` is set the
/// cursor is already positioned (after `- `) for the first key.
fn write_map(out: &mut String, map: &Map<String, Value>, indent: usize, inline_first: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline_first {
            push_indent(out, indent);
        }
        let key_text = quote_string(key);
        if key_text.len() > MAX_IMPLICIT_KEY {
            // Explicit key form; the value always goes on its own, more indented, line.
            out.push_str("? ");
            out.push_str(&key_text);
            out.push('\n');
            push_indent(out, indent);
            out.push(':');
            write_explicit_value(out, value, indent);
        } else {
            out.push_str(&key_text);
            out.push(':');
            write_value_after_key(out, value, indent);
        }
    }
}

/// After `key:` for a key at column `indent`.
fn write_value_after_key(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(out, map, indent + 2, false);
        }
        Value::Array(seq) if !seq.is_empty() => {
            // kubectl style: the sequence sits at the key's own indentation.
            out.push('\n');
            write_seq(out, seq, indent, false);
        }
        Value::String(s) if literal_block_ok(s) => {
            out.push(' ');
            write_literal(out, s, indent + 2);
        }
        other => {
            out.push(' ');
            out.push_str(&inline_scalar(other));
            out.push('\n');
        }
    }
}

/// After an explicit `:` at column `indent`.
fn write_explicit_value(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(out, map, indent + 2, false);
        }
        Value::Array(seq) if !seq.is_empty() => {
            out.push('\n');
            write_seq(out, seq, indent + 2, false);
        }
        _ => write_value_after_key(out, value, indent),
    }
}

/// Write a block sequence whose dashes sit at column `indent`.
fn write_seq(out: &mut String, seq: &[Value], indent: usize, inline_first: bool) {
    for (i, item) in seq.iter().enumerate() {
        if i > 0 || !inline_first {
            push_indent(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if is_nonempty_collection(item) => write_map(out, map, indent + 2, true),
            Value::Array(inner) if is_nonempty_collection(item) => write_seq(out, inner, indent + 2, true),
            Value::String(s) if literal_block_ok(s) => write_literal(out, s, indent + 2),
            other => {
                out.push_str(&inline_scalar(other));
                out.push('\n');
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Numbers

/// Integers as written; floats always with a `.` and a signed exponent so that YAML 1.1,
/// YAML 1.2 and JSON all read back the same float (ryu output is the shortest round trip).
pub(crate) fn format_number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    match n.as_f64() {
        Some(f) => format_float(f),
        None => n.to_string(),
    }
}

pub(crate) fn format_float(f: f64) -> String {
    // serde_json never holds a non-finite float; be total anyway.
    if !f.is_finite() {
        return if f.is_nan() {
            ".nan".to_string()
        } else if f > 0.0 {
            ".inf".to_string()
        } else {
            "-.inf".to_string()
        };
    }
    let s = serde_json::Number::from_f64(f).map(|n| n.to_string()).unwrap_or_else(|| format!("{f:?}"));
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (&s[..], None),
    };
    let mut out = mantissa.to_string();
    if !out.contains('.') {
        out.push_str(".0");
    }
    if let Some(exp) = exponent {
        out.push('e');
        if !exp.starts_with(['+', '-']) {
            out.push('+');
        }
        out.push_str(exp);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Strings

/// Render a string as a single-line scalar: plain (borrowed), single-quoted or double-quoted.
pub(crate) fn quote_string(s: &str) -> Cow<'_, str> {
    if plain_ok(s) {
        Cow::Borrowed(s)
    } else if s.chars().all(single_quote_ok) {
        Cow::Owned(format!("'{}'", s.replace('\'', "''")))
    } else {
        Cow::Owned(double_quote(s))
    }
}

/// Whitelist for plain scalars: first char a letter (ASCII or other alphabetic/numeric
/// unicode) or `/`; the rest letters, digits, ` ._/@=+-:` ; no trailing space, no `: `, no
/// trailing `:`; and no YAML 1.1 / 1.2 resolver takes it for a non-string.
pub(crate) fn plain_ok(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    // Durations and quantities (`5s`, `1h30m`, `64Ki`) read well plain: a leading digit is
    // allowed when the rest is plain letters and digits with at least one letter; numbers in
    // any base or exponent form (`0x1F`, `0o17`, `1e3`) are still caught by the resolvers.
    let unit_like = || {
        first.is_ascii_digit()
            && s.bytes().all(|c| c.is_ascii_alphanumeric())
            && s.bytes().any(|c| c.is_ascii_alphabetic())
    };
    let first_ok = first.is_ascii_alphabetic() || first == '/' || non_ascii_alnum(first) || unit_like();
    if !first_ok {
        return false;
    }
    // The rest: whitelisted characters, and no `: ` (one pass).
    let mut after_colon = false;
    for c in chars {
        let ok = c.is_ascii_alphanumeric()
            || matches!(c, ' ' | '.' | '_' | '/' | '@' | '=' | '+' | '-' | ':')
            || non_ascii_alnum(c);
        if !ok || (after_colon && c == ' ') {
            return false;
        }
        after_colon = c == ':';
    }
    if s.ends_with(' ') || s.ends_with(':') {
        return false;
    }
    // Shortcut, same answer: both resolvers only take a plain scalar for a non-string when it
    // starts with one of these (bool and null words, `inf`/`nan` for Rust's float parser,
    // digits, `.`, a sign, `~`, `=`, `<`); every other first character here is a letter or `/`.
    if !matches!(first, 'y' | 'Y' | 'n' | 'N' | 'o' | 'O' | 't' | 'T' | 'f' | 'F' | 'i' | 'I')
        && !first.is_ascii_digit()
    {
        return true;
    }
    !yaml11_resolves_to_non_string(s) && !yaml12_resolves_to_non_string(s)
}

fn non_ascii_alnum(c: char) -> bool {
    !c.is_ascii() && c.is_alphanumeric()
}

/// Characters that may appear raw inside a single-quoted scalar: printable, no tab, no line
/// breaks (including the unicode ones), no BOM, no NBSP (written as `\_` instead).
pub(crate) fn single_quote_ok(c: char) -> bool {
    match c {
        ' '..='~' => true,
        '\u{00}'..='\u{A0}' => false,
        '\u{2028}' | '\u{2029}' | '\u{FEFF}' => false,
        '\u{A1}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}' => true,
        _ => false,
    }
}

fn double_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{0B}' => out.push_str("\\v"),
            '\u{0C}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1B}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{A0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if single_quote_ok(c) => out.push(c),
            c if (c as u32) <= 0xFF => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Whether a string is written as a literal block scalar: it has a line break, at least one
/// non-empty line, only printable characters besides `\n` (no tab, no CR), and no line with
/// trailing spaces (which would also catch all-space lines confusing indentation detection).
pub(crate) fn literal_block_ok(s: &str) -> bool {
    let body = s.trim_end_matches('\n');
    if body.is_empty() || !s.contains('\n') {
        return false;
    }
    // No line ends with a space: no space before a line break, nor at the very end.
    if body.ends_with(' ') {
        return false;
    }
    if s.is_ascii() {
        // Branch-free passes (they vectorize): control characters other than `\n` and DEL,
        // then a space followed by a line break.
        let b = s.as_bytes();
        let ctrl =
            b.iter().fold(0u8, |acc, &x| acc | (u8::from(x < b' ') & u8::from(x != b'\n')) | u8::from(x == 0x7f));
        let space_nl =
            b.iter().zip(&b[1..]).fold(0u8, |acc, (&x, &y)| acc | (u8::from(x == b' ') & u8::from(y == b'\n')));
        return ctrl | space_nl == 0;
    }
    s.chars().all(|c| c == '\n' || single_quote_ok(c)) && !body.contains(" \n")
}

/// Write ` |`-style block (the indicator is written at the cursor) with content lines at
/// column `indent`.
fn write_literal(out: &mut String, s: &str, indent: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push('|');
    let first_non_empty = body.split('\n').find(|l| !l.is_empty()).unwrap_or("");
    if first_non_empty.starts_with(' ') {
        // Relative to the parent indentation, which is always `indent - 2` here.
        out.push('2');
    }
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            push_indent(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

// ---------------------------------------------------------------------------------------
// Resolvers

const YAML11_BOOL: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on",
    "On", "ON", "off", "Off", "OFF",
];
const NULLS: &[&str] = &["", "~", "null", "Null", "NULL"];

/// Whether a YAML 1.1 reader (the type repository's regexes for bool, null, int, float,
/// timestamp, value and merge; as used by PyYAML and gopkg.in/yaml.v2) would resolve this
/// plain scalar to something other than a string. Errs on the side of `true`.
pub fn yaml11_resolves_to_non_string(s: &str) -> bool {
    if YAML11_BOOL.contains(&s) || NULLS.contains(&s) || s == "=" || s == "<<" {
        return true;
    }
    if is_timestamp_like(s) {
        return true;
    }
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(s, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    // Go's ParseInt with base 0 (goyaml v2) takes 0x, 0X, 0o, 0O, 0b and 0B prefixes.
    let ub = unsigned.as_bytes();
    if ub.len() > 2 && ub[0] == b'0' && matches!(ub[1], b'X' | b'o' | b'O' | b'B') {
        return true;
    }
    // 0b / 0x integers (underscores allowed).
    if let Some(bin) = unsigned.strip_prefix("0b") {
        return !bin.is_empty() && bin.chars().all(|c| matches!(c, '0' | '1' | '_'));
    }
    if let Some(hex) = unsigned.strip_prefix("0x") {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit() || c == '_');
    }
    // Decimal / octal / sexagesimal integers and floats, broadly: a mantissa of digits, `_`,
    // `.`, `:` (with a digit or a dot), optionally followed by an exponent.
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let mantissa_ok = !mantissa.is_empty()
        && mantissa.chars().all(|c| c.is_ascii_digit() || "_.:".contains(c))
        && mantissa.chars().any(|c| c.is_ascii_digit() || c == '.');
    if !mantissa_ok {
        return false;
    }
    match exponent {
        None => true,
        Some(exp) => {
            let digits = exp.strip_prefix(['-', '+']).unwrap_or(exp);
            !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
        }
    }
}

/// `YYYY-M...`: the start of every YAML 1.1 timestamp form (broader than the regex).
fn is_timestamp_like(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 6 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[5].is_ascii_digit()
}

/// Whether a YAML 1.2 core-schema reader, or yaml_serde (which additionally accepts what
/// Rust's float parser accepts, `0b`/`0o`/`0x` integers and a leading `+`), would resolve
/// this plain scalar to something other than a string. Errs on the side of `true`.
pub fn yaml12_resolves_to_non_string(s: &str) -> bool {
    if NULLS.contains(&s) || matches!(s, "true" | "True" | "TRUE" | "false" | "False" | "FALSE") {
        return true;
    }
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    if unsigned.parse::<f64>().is_ok_and(f64::is_finite) || s.parse::<f64>().is_ok() {
        return true;
    }
    // Anything number-like: starts with a digit, or a dot followed by a digit. Exception:
    // digits followed by letters only (`5s`, `64Ki`), which no resolver reads as a number
    // unless it is a based integer (`0x1F`, `0O17`, `0b1`; Go's ParseInt accepts all cases).
    let b = unsigned.as_bytes();
    let unit_like = b.iter().all(u8::is_ascii_alphanumeric) && b.iter().any(u8::is_ascii_alphabetic);
    let based = b.len() > 2 && b[0] == b'0' && matches!(b[1], b'x' | b'X' | b'o' | b'O' | b'b' | b'B');
    match b.first() {
        Some(c) if c.is_ascii_digit() => !unit_like || based,
        Some(b'.') => b.get(1).is_some_and(u8::is_ascii_digit),
        _ => false,
    }
}

/// Emit documents as a YAML stream: `---` before every document after the first.
/// Documents may be borrowed or owned (each owned one is dropped once written).
pub fn emit_yaml_stream<D: Borrow<Value>>(docs: impl IntoIterator<Item = D>) -> String {
    let mut out = String::new();
    for (i, doc) in docs.into_iter().enumerate() {
        if i > 0 {
            out.push_str(DocFormat::Yaml.separator());
        }
        emit_document(&mut out, doc.borrow());
    }
    out
}

/// The two formats documents are printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFormat {
    Yaml,
    Json,
}

impl DocFormat {
    /// What goes between two documents of a stream.
    pub fn separator(self) -> &'static str {
        match self {
            DocFormat::Yaml => "---\n",
            DocFormat::Json => "",
        }
    }
}

/// One document, ending in a newline, without a separator: YAML, or pretty JSON.
pub fn emit_doc(value: &Value, format: DocFormat) -> String {
    DocWriter::default().emit(value, format)
}

/// Emits documents through one reused buffer, returning each as a string of exactly its
/// size: documents held until output then carry no growth slack (up to half of a string
/// grown by doubling), and the buffer's growth happens once, not per document.
#[derive(Default)]
pub struct DocWriter {
    yaml: String,
    json: Vec<u8>,
}

impl DocWriter {
    pub fn emit(&mut self, value: &Value, format: DocFormat) -> String {
        match format {
            DocFormat::Yaml => {
                self.yaml.clear();
                emit_document(&mut self.yaml, value);
                self.yaml.as_str().to_owned()
            }
            DocFormat::Json => {
                self.json.clear();
                // Serializing a Value into memory cannot fail, and yields UTF-8.
                let _ = serde_json::to_writer_pretty(&mut self.json, value);
                self.json.push(b'\n');
                String::from_utf8_lossy(&self.json).into_owned()
            }
        }
    }
}

/// Emit one value as a YAML document (no leading `---`), ending in a newline.
pub fn emit_yaml(value: &Value) -> String {
    let mut out = String::new();
    emit_document(&mut out, value);
    out
}

/// Emit documents as a stream of pretty JSON objects, one per document.
#[cfg(test)]
pub fn emit_json_stream<D: Borrow<Value>>(docs: impl IntoIterator<Item = D>) -> String {
    let mut w = DocWriter::default();
    docs.into_iter().map(|doc| w.emit(doc.borrow(), DocFormat::Json)).collect()
}
