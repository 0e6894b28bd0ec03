//! The only module that knows the YAML parser (libyaml, through `libyaml-rs`).
//!
//! Kubernetes (kubectl, Argo CD) reads manifests with go-yaml v2, by YAML 1.1 rules; so does
//! this layer, and everything it writes reads back the same under YAML 1.1 and 1.2.
//!
//! * [`doc`]: documents, errors and limits;
//! * [`events`]: libyaml's events, with scalar styles, tags, anchors and byte positions;
//! * [`compose`] and [`scalar`]: YAML streams into `serde_json::Value` documents as
//!   Kubernetes reads them (plain scalars, merge keys, aliases, keys), with the line each
//!   document starts on and its byte span; [`json`]: JSON streams;
//! * [`locate`](mod@locate): a JSON pointer's line and column inside a document's text (for
//!   `file:line:col` diagnostics);
//! * [`emit`]: our own emitter for the JSON subset, which quotes every string a YAML 1.1 or
//!   1.2 reader could take for something else.

mod compose;
mod doc;
mod emit;
mod events;
mod json;
mod locate;
mod scalar;

pub use doc::{ParseLimits, Schema, YamlDoc, YamlError};
pub use emit::{DocFormat, DocWriter, emit_doc, emit_yaml, emit_yaml_stream};
pub use locate::locate;

/// Whether kustomize (goyaml.v3) reads this text, written plain, as a string.
pub fn kustomize_resolves_to_string(text: &str) -> bool {
    matches!(scalar::kustomize_plain(text), Ok(serde_json::Value::String(_)))
}

/// A JSON text as Kubernetes holds it: numbers as the API server receives them, strings
/// checked as the YAML reader checks them; or why not.
pub fn kubernetes_json(text: &str) -> Result<serde_json::Value, String> {
    let limits = ParseLimits { max_documents: 1, max_depth: doc::PARSER_DEPTH_LIMIT };
    let mut docs = json::parse_json_stream(text, &limits).map_err(|e| e.to_string())?;
    match docs.len() {
        1 => Ok(docs.remove(0).value),
        _ => Err("expected one JSON value".into()),
    }
}

/// Parse a YAML stream as Kubernetes reads it, or a JSON stream when the first non-blank
/// byte is `{`.
pub fn parse_stream(text: &str, limits: &ParseLimits) -> Result<Vec<YamlDoc>, YamlError> {
    parse_stream_as(text, limits, Schema::Kubernetes)
}

/// Parse a stream as `schema` reads it.
pub fn parse_stream_as(text: &str, limits: &ParseLimits, schema: Schema) -> Result<Vec<YamlDoc>, YamlError> {
    check_stream(text)?;
    if text.trim_start().starts_with('{') && schema == Schema::Kubernetes {
        // JSON documents may also be separated by YAML `---` lines (JSON is YAML): if the
        // text is not a pure JSON stream, read it as YAML.
        // A limit hit while reading it as YAML is the more useful message.
        json::parse_json_stream(text, limits).or_else(|json_err| {
            compose::parse_yaml_stream(text, limits, schema)
                .map_err(|yaml_err| if yaml_err.limit { yaml_err } else { json_err })
        })
    } else {
        compose::parse_yaml_stream(text, limits, schema)
    }
}

/// The offset of the first character that go-yaml refuses (DEL, C1 controls, U+FFFE, U+FFFF),
/// reads as a line break (NEL), or handles unpredictably (a byte order mark), all of which
/// Argo CD could not carry through a plugin's output either: a byte scan of their UTF-8.
fn uncarriable(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| matches!(c, 0x7f | 0xc2 | 0xef)) {
        let at = i + p;
        let bad = match b[at] {
            0x7f => true,
            0xc2 => b.get(at + 1).is_some_and(|n| (0x80..=0x9f).contains(n)),
            _ => matches!(b.get(at + 1..at + 3), Some([0xbb, 0xbf] | [0xbf, 0xbe] | [0xbf, 0xbf])),
        };
        if bad {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// What kubectl and Argo CD split a stream on, before any YAML is read: lines that start
/// with `---` and hold nothing else but a comment (`--- x` is their error, not a document
/// start). A byte order mark is stripped at the start only (elsewhere go-yaml's handling of
/// it is unpredictable).
fn check_stream(text: &str) -> Result<(), YamlError> {
    let skip = if text.starts_with('\u{feff}') { 3 } else { 0 };
    if let Some(at) = uncarriable(&text.as_bytes()[skip..]) {
        let at = at + skip;
        let (line, col) = locate::line_col_of_offset(text, at);
        let c = text[at..].chars().next().unwrap_or_default();
        let message = if c == '\u{feff}' {
            "a byte order mark (U+FEFF) is only allowed at the start of a file".to_string()
        } else {
            format!(
                "the character U+{:04X} is not allowed: Kubernetes' YAML reader refuses it or reads it differently",
                c as u32
            )
        };
        return Err(YamlError { line, col, message, limit: false, unsupported: false });
    }
    for (n, line) in text.split('\n').enumerate() {
        let rest = line.strip_prefix("---").map(str::trim);
        if rest.is_some_and(|r| !r.is_empty() && !r.starts_with('#')) {
            let message = "invalid document separator: kubectl and Argo CD split only on a line that is `---` \
                           (with at most a comment); put what follows on the next line"
                .to_string();
            return Err(YamlError { line: n + 1, col: 4, message, limit: false, unsupported: false });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
