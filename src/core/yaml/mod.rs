//! The only module that knows the YAML crate (`yaml_serde`).
//!
//! * [`doc`]: documents, errors and limits;
//! * [`stream`] and [`json`]: parsing a YAML or JSON stream into `serde_json::Value`
//!   documents, with the line each document starts on and its byte span, rejecting
//!   duplicate keys;
//! * [`locate`](mod@locate): a JSON pointer's line and column inside a document's text (for
//!   `file:line:col` diagnostics);
//! * [`emit`]: our own emitter for the JSON subset, which quotes every string a YAML 1.1 or
//!   1.2 reader could take for something else.

mod doc;
mod emit;
mod json;
mod locate;
mod stream;

pub use doc::{ParseLimits, YamlDoc, YamlError};
pub use emit::{DocFormat, DocWriter, emit_doc, emit_yaml, emit_yaml_stream};
pub use locate::locate;

/// Parse a YAML stream, or a JSON stream when the first non-blank byte is `{`.
pub fn parse_stream(text: &str, limits: &ParseLimits) -> Result<Vec<YamlDoc>, YamlError> {
    if text.trim_start().starts_with('{') {
        // JSON documents may also be separated by YAML `---` lines (JSON is YAML): if the
        // text is not a pure JSON stream, read it as YAML.
        // A limit hit while reading it as YAML is the more useful message.
        json::parse_json_stream(text, limits).or_else(|json_err| {
            stream::parse_yaml_stream(text, limits).map_err(|yaml_err| if yaml_err.limit { yaml_err } else { json_err })
        })
    } else {
        stream::parse_yaml_stream(text, limits)
    }
}

#[cfg(test)]
mod tests;
