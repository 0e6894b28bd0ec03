//! The only module that knows the YAML crate (`yaml_serde`).
//!
//! * parsing a YAML or JSON stream into `serde_json::Value` documents, with the line each
//!   document starts on and its byte span, rejecting duplicate keys;
//! * locating a JSON pointer inside a document's text (for `file:line:col` diagnostics);
//! * our own emitter for the JSON subset, which quotes every string a YAML 1.1 or 1.2 reader
//!   could take for something else.

mod emit;
mod json;
mod locate;

pub use emit::{yaml11_resolves_to_non_string, yaml12_resolves_to_non_string};

use std::borrow::Borrow;

use serde_json::{Map, Value};

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
    /// 1-based line of the span's first byte.
    pub span_line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line and column in the whole text.
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for YamlError {}

/// yaml_serde's own nesting limit.
const PARSER_DEPTH_LIMIT: usize = 128;

/// Parse a YAML stream, or a JSON stream when the first non-blank byte is `{`.
pub fn parse_stream(text: &str, limits: &ParseLimits) -> Result<Vec<YamlDoc>, YamlError> {
    if text.trim_start().starts_with('{') {
        // JSON documents may also be separated by YAML `---` lines (JSON is YAML): if the
        // text is not a pure JSON stream, read it as YAML.
        // A limit hit while reading it as YAML is the more useful message.
        json::parse_json_stream(text, limits).or_else(|json_err| {
            parse_yaml_stream(text, limits)
                .map_err(|yaml_err| if yaml_err.message.contains("(limit --max-") { yaml_err } else { json_err })
        })
    } else {
        parse_yaml_stream(text, limits)
    }
}

fn depth_message(limit: usize) -> String {
    format!("nesting deeper than {limit} levels (limit --max-depth)")
}

fn too_many_documents(limits: &ParseLimits) -> String {
    format!("more than {} documents (limit --max-documents)", limits.max_documents)
}

/// A key for an error message, never long.
fn short_key(key: &str) -> String {
    if key.chars().count() <= 40 {
        format!("{key:?}")
    } else {
        let head: String = key.chars().take(40).collect();
        format!("{head:?}...")
    }
}

/// serde_json's message without its trailing " at line L column C".
fn strip_position(msg: &str) -> String {
    let mut out = msg.to_string();
    while let Some(i) = out.find(" at line ") {
        let tail = &out[i + " at line ".len()..];
        let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let tail2 = &tail[digits..];
        let Some(tail3) = tail2.strip_prefix(" column ") else {
            break;
        };
        let digits2 = tail3.len() - tail3.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let end = i + " at line ".len() + digits + " column ".len() + digits2;
        out.replace_range(i..end, "");
    }
    out
}

// ---------------------------------------------------------------------------------------
// YAML

/// One document's piece of the text.
#[derive(Debug)]
struct Chunk {
    start: usize,
    end: usize,
    /// 1-based line of `start`.
    start_line: usize,
    /// 1-based line of the first content line, if any.
    content_line: Option<usize>,
}

/// Whether `line` (without newline) is a `---` / `...` marker at column 0.
fn marker(line: &str, m: &str) -> bool {
    line.strip_prefix(m).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// Whether the rest of a `---` line carries content (not just whitespace or a comment).
fn marker_has_content(line: &str) -> bool {
    let rest = line[3..].trim_start_matches([' ', '\t']);
    !(rest.is_empty() || rest.starts_with('#'))
}

fn is_content_line(line: &str) -> bool {
    let t = line.trim_start_matches([' ', '\t']);
    !(t.is_empty() || t.starts_with('#'))
}

/// Split a YAML stream into documents on `---` / `...` lines at column 0.
fn split_documents(text: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut cur = Chunk { start: 0, end: 0, start_line: 1, content_line: None };
    // Whether `cur` already has its `---` line.
    let mut has_marker = false;
    // After `...`, lines belong to no document until content or a `---` appears.
    let mut pos = 0;
    let mut line_no = 1;
    while pos < text.len() {
        let nl = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        let raw = &text[pos..nl];
        let line = raw.trim_end_matches(['\n', '\r']);
        if marker(line, "---") {
            // Directives and comments before `---` belong to the document it opens; an
            // earlier `---` without content is an empty document of its own.
            if cur.content_line.is_some() || has_marker {
                cur.end = pos;
                chunks.push(cur);
                cur = Chunk { start: pos, end: 0, start_line: line_no, content_line: None };
            }
            has_marker = true;
            if marker_has_content(line) {
                cur.content_line = Some(line_no);
            }
        } else if marker(line, "...") {
            cur.end = pos;
            chunks.push(cur);
            cur = Chunk { start: nl, end: 0, start_line: line_no + 1, content_line: None };
            has_marker = false;
        } else if line.starts_with('%') && cur.content_line.is_none() {
            // A directive line: part of the next document's prelude.
        } else if line.starts_with('%') {
            cur.end = pos;
            chunks.push(cur);
            cur = Chunk { start: pos, end: 0, start_line: line_no, content_line: None };
            has_marker = false;
        } else if cur.content_line.is_none() && is_content_line(line) {
            cur.content_line = Some(line_no);
        }
        pos = nl;
        line_no += 1;
    }
    cur.end = text.len();
    chunks.push(cur);
    chunks.retain(|c| c.content_line.is_some());
    chunks
}

fn parse_yaml_stream(text: &str, limits: &ParseLimits) -> Result<Vec<YamlDoc>, YamlError> {
    let mut docs = Vec::new();
    for chunk in split_documents(text) {
        let piece = &text[chunk.start..chunk.end];
        let line = chunk.content_line.unwrap_or(chunk.start_line);
        if let Some(at) = flow_depth_exceeded(piece, PARSER_DEPTH_LIMIT) {
            let (l, c) = locate::line_col_of_offset(piece, at);
            return Err(YamlError {
                line: chunk.start_line + l - 1,
                col: c,
                message: depth_message(limits.max_depth.min(PARSER_DEPTH_LIMIT)),
            });
        }
        let mut yv: yaml_serde::Value =
            yaml_serde::from_str(piece).map_err(|e| yaml_error(text, &e, &chunk, limits))?;
        if has_plain_merge_key(piece) {
            if has_quoted_merge_key(piece) {
                return Err(YamlError {
                    line,
                    col: 1,
                    message: "a quoted '<<' key in a document that also uses the merge key `<<` is ambiguous"
                        .to_string(),
                });
            }
            yv.apply_merge().map_err(|e| YamlError {
                line,
                col: 1,
                message: format!("invalid merge key `<<`: {}", strip_position(&e.to_string())),
            })?;
        }
        let doc_stub =
            YamlDoc { value: Value::Null, line, span: (chunk.start, chunk.end), span_line: chunk.start_line };
        let mut conv = Converter { text, doc: &doc_stub, limits, path: Vec::new() };
        let value = conv.convert(&yv, 0)?;
        drop(yv);
        if value.is_null() {
            continue;
        }
        if docs.len() >= limits.max_documents {
            return Err(YamlError { line, col: 1, message: too_many_documents(limits) });
        }
        docs.push(YamlDoc { value, line, span: (chunk.start, chunk.end), span_line: chunk.start_line });
    }
    Ok(docs)
}

/// Whether the text has a `<<` that is not quoted (yaml_serde's `apply_merge` cannot tell
/// a quoted `'<<'` key, which is an ordinary string, from the merge key).
/// A plain `<<` is a key only where a key can start and when a `:` follows it.
fn has_plain_merge_key(piece: &str) -> bool {
    piece.match_indices("<<").any(|(i, _)| {
        let before = piece[..i].chars().next_back();
        matches!(before, None | Some(' ' | '\t' | '\n' | '{' | ',' | '?'))
            && piece[i + 2..].trim_start_matches([' ', '\t']).starts_with(':')
    })
}

/// Whether the text has a quoted `'<<'` or `"<<"` key, which `apply_merge` would mistake for
/// the merge key if the document also has a real one.
fn has_quoted_merge_key(piece: &str) -> bool {
    ["'<<'", "\"<<\""].iter().any(|q| {
        piece.match_indices(q).any(|(i, _)| piece[i + q.len()..].trim_start_matches([' ', '\t']).starts_with(':'))
    })
}

/// libyaml-rs is quadratic in the flow nesting depth, so find, cheaply and before parsing,
/// a `[` / `{` nested deeper than `limit` (which the parser would reject anyway). Quoted
/// scalars and comments are skipped; a bracket only counts where a flow collection can
/// start. Returns the byte offset of the offending bracket.
fn flow_depth_exceeded(piece: &str, limit: usize) -> Option<usize> {
    let bytes = piece.as_bytes();
    let mut depth = 0usize;
    let mut prev: u8 = b'\n'; // previous significant byte
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let token_start = matches!(prev, b'\n' | b':' | b'-' | b',' | b'[' | b'{' | b'?');
        match b {
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' if i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\n') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\'' if token_start => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
            }
            b'"' if token_start => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'[' | b'{' if token_start => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        prev = b;
        i += 1;
    }
    None
}

fn yaml_error(text: &str, e: &yaml_serde::Error, chunk: &Chunk, limits: &ParseLimits) -> YamlError {
    let raw = e.to_string();
    let (mut line, mut col) = match e.location() {
        Some(loc) => (chunk.start_line + loc.line().max(1) - 1, loc.column().max(1)),
        None => (chunk.content_line.unwrap_or(chunk.start_line), 1),
    };
    // Some scanner errors carry a byte offset instead of a location.
    if let Some(i) = raw.rfind(" at position ")
        && let Ok(offset) = raw[i + " at position ".len()..].trim().parse::<usize>()
    {
        (line, col) = locate::line_col_of_offset(text, chunk.start.saturating_add(offset));
    }
    let raw = match raw.rfind(" at position ") {
        Some(i) if raw[i + " at position ".len()..].trim().parse::<usize>().is_ok() => raw[..i].to_string(),
        _ => raw,
    };
    let message = if raw.starts_with("recursion limit exceeded") {
        depth_message(limits.max_depth.min(PARSER_DEPTH_LIMIT))
    } else if raw.starts_with("repetition limit exceeded") {
        "too many alias expansions (repetition limit exceeded; alias bomb?)".to_string()
    } else if let Some(i) = raw.find("duplicate entry") {
        // `duplicate entry with key "name"`: keep the key only when short.
        let detail = strip_position(&raw[i + "duplicate entry".len()..]);
        let key = detail.trim().strip_prefix("with key ").unwrap_or("").trim();
        // yaml_serde points at the mapping; point at the second occurrence instead.
        let span = (chunk.start, chunk.end);
        if let Some(at) = locate::find_duplicate_key(text, span, line, col, key) {
            (line, col) = at;
        }
        if key.is_empty() || key.chars().count() > 60 {
            "duplicate key".to_string()
        } else {
            format!("duplicate key {key}")
        }
    } else {
        let msg = strip_position(&raw);
        // libyaml problems never echo input, but serde messages might: keep them short.
        if msg.chars().count() > 200 { msg.chars().take(200).collect::<String>() + "..." } else { msg }
    };
    YamlError { line, col, message }
}

struct Converter<'a> {
    text: &'a str,
    doc: &'a YamlDoc,
    limits: &'a ParseLimits,
    path: Vec<String>,
}

impl Converter<'_> {
    fn error(&self, message: String) -> YamlError {
        let pointer: String =
            self.path.iter().map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1"))).collect();
        let (line, col) = locate(self.text, self.doc, &pointer).unwrap_or((self.doc.line, 1));
        YamlError { line, col, message }
    }

    fn convert(&mut self, v: &yaml_serde::Value, depth: usize) -> Result<Value, YamlError> {
        use yaml_serde::Value as Y;
        Ok(match v {
            Y::Null => Value::Null,
            Y::Bool(b) => Value::Bool(*b),
            Y::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Value::from(i)
                } else if let Some(u) = n.as_u64() {
                    Value::from(u)
                } else {
                    let f = n.as_f64().unwrap_or(f64::NAN);
                    match serde_json::Number::from_f64(f) {
                        Some(num) => Value::Number(num),
                        None => {
                            return Err(self.error("NaN and infinite numbers are not supported".to_string()));
                        }
                    }
                }
            }
            Y::String(s) => Value::String(s.clone()),
            Y::Sequence(seq) => {
                if depth + 1 > self.limits.max_depth {
                    return Err(self.error(depth_message(self.limits.max_depth)));
                }
                let mut out = Vec::with_capacity(seq.len());
                for (i, item) in seq.iter().enumerate() {
                    self.path.push(i.to_string());
                    out.push(self.convert(item, depth + 1)?);
                    self.path.pop();
                }
                Value::Array(out)
            }
            Y::Mapping(map) => {
                if depth + 1 > self.limits.max_depth {
                    return Err(self.error(depth_message(self.limits.max_depth)));
                }
                let mut out = Map::new();
                for (k, item) in map {
                    let key = match k {
                        Y::String(s) => s.clone(),
                        Y::Null => "null".to_string(),
                        Y::Bool(b) => b.to_string(),
                        Y::Number(n) => n.to_string(),
                        Y::Tagged(_) => {
                            return Err(self.error("YAML tags are not supported".to_string()));
                        }
                        Y::Sequence(_) | Y::Mapping(_) => {
                            return Err(
                                self.error("mapping keys must be scalars, not sequences or mappings".to_string())
                            );
                        }
                    };
                    if out.contains_key(&key) {
                        return Err(self.error(format!("duplicate key {}", short_key(&key))));
                    }
                    self.path.push(key.clone());
                    let value = self.convert(item, depth + 1)?;
                    self.path.pop();
                    out.insert(key, value);
                }
                Value::Object(out)
            }
            Y::Tagged(_) => return Err(self.error("YAML tags are not supported".to_string())),
        })
    }
}

// ---------------------------------------------------------------------------------------
// Locate and emit

/// 1-based (line, col) of the value at `pointer` (RFC 6901) inside the document `doc` of
/// `text`; falls back to the nearest existing parent. `None` only if nothing can be found.
pub fn locate(text: &str, doc: &YamlDoc, pointer: &str) -> Option<(usize, usize)> {
    let (start, end) = (doc.span.0.min(text.len()), doc.span.1.min(text.len()));
    let start = start.min(end);
    let doc_start = || {
        let body = text.get(start..end).unwrap_or("");
        // The first content line of the document, at its first non-blank character.
        for (line, l) in (doc.span_line..).zip(body.split('\n')) {
            let trimmed = l.trim_start();
            if line >= doc.line && !trimmed.is_empty() {
                return (line, l.len() - trimmed.len() + 1);
            }
        }
        (doc.line.max(1), 1)
    };
    let segments = locate::pointer_segments(pointer);
    if segments.is_empty() {
        return Some(doc_start());
    }
    let body = text.get(start..end).unwrap_or("");
    let found = if flow_body(body).starts_with(['{', '[']) {
        locate::locate_json(text, (start, end), &segments)
    } else {
        locate::locate_block(text, (start, end), doc.span_line, &segments)
    };
    Some(found.unwrap_or_else(doc_start))
}

/// A document's content after leading blank lines, comments and a `---` marker (which a
/// document after the first in a stream starts with, as in `---\n{"kind": ...}`).
fn flow_body(body: &str) -> &str {
    let mut rest = body;
    loop {
        let t = rest.trim_start();
        if t.starts_with('#') {
            rest = t.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) =
            t.strip_prefix("---").filter(|a| a.is_empty() || a.starts_with([' ', '\t', '\n', '\r']))
        {
            rest = after;
        } else {
            return t;
        }
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
        emit::emit_document(&mut out, doc.borrow());
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
                emit::emit_document(&mut self.yaml, value);
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
    emit::emit_document(&mut out, value);
    out
}

/// Emit documents as a stream of pretty JSON objects, one per document.
pub fn emit_json_stream<D: Borrow<Value>>(docs: impl IntoIterator<Item = D>) -> String {
    let mut w = DocWriter::default();
    docs.into_iter().map(|doc| w.emit(doc.borrow(), DocFormat::Json)).collect()
}

#[cfg(test)]
mod tests;
