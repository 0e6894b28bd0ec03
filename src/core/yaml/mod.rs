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
            compose::parse_yaml_stream(text, limits)
                .map_err(|yaml_err| if yaml_err.limit { yaml_err } else { json_err })
        })
    } else {
        compose::parse_yaml_stream(text, limits)
    }
}

#[cfg(test)]
mod tests;
