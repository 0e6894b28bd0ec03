//! The only module that knows the YAML crate (`yaml_serde`).
//!
//! * parsing a YAML or JSON stream into `serde_json::Value` documents, with the line each
//!   document starts on and its byte span, rejecting duplicate keys;
//! * locating a JSON pointer inside a document's text (for `file:line:col` diagnostics);
//! * our own emitter for the JSON subset, which quotes every string a YAML 1.1 or 1.2 reader
//!   could take for something else.

use serde_json::Value;

/// Limits applied while parsing. Defaults are set by the caller from the options.
#[derive(Debug, Clone)]
pub struct ParseLimits {
    pub max_documents: usize,
    pub max_depth: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits { max_documents: 100_000, max_depth: 64 }
    }
}

/// One non-empty document of a stream.
#[derive(Debug, Clone)]
pub struct YamlDoc {
    pub value: Value,
    /// 1-based line of the document's first content line in the whole text.
    pub line: usize,
    /// Byte range of the document inside the whole text.
    pub span: (usize, usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line and column in the whole text.
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Parse a YAML stream, or a JSON stream when the first non-blank byte is `{`.
pub fn parse_stream(_text: &str, _limits: &ParseLimits) -> Result<Vec<YamlDoc>, YamlError> {
    todo!("yaml helper")
}

/// 1-based (line, col) of the value at `pointer` (RFC 6901) inside the document `doc` of
/// `text`; falls back to the nearest existing parent. `None` only if nothing can be found.
pub fn locate(_text: &str, _doc: &YamlDoc, _pointer: &str) -> Option<(usize, usize)> {
    todo!("yaml helper")
}

/// Emit documents as a YAML stream: `---` before every document after the first.
pub fn emit_yaml_stream<'a>(_docs: impl IntoIterator<Item = &'a Value>) -> String {
    todo!("yaml helper")
}

/// Emit one value as a YAML document (no leading `---`), ending in a newline.
pub fn emit_yaml(_value: &Value) -> String {
    todo!("yaml helper")
}

/// Emit documents as a stream of pretty JSON objects, one per document.
pub fn emit_json_stream<'a>(_docs: impl IntoIterator<Item = &'a Value>) -> String {
    todo!("yaml helper")
}
