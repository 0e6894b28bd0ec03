//! YAML streams: split into documents, parsed by `yaml_serde` (merge keys, alias limits),
//! and converted to `serde_json::Value` with duplicate-key, tag and depth checks.

use serde_json::{Map, Value};

use super::doc::{
    PARSER_DEPTH_LIMIT, ParseLimits, YamlDoc, YamlError, depth_message, short_key, strip_position, too_many_documents,
};
use super::locate::{self, locate};
use crate::core::pointer;

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

pub(crate) fn parse_yaml_stream(text: &str, limits: &ParseLimits) -> Result<Vec<YamlDoc>, YamlError> {
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
                limit: true,
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
                    limit: false,
                });
            }
            yv.apply_merge().map_err(|e| YamlError {
                line,
                col: 1,
                message: format!("invalid merge key `<<`: {}", strip_position(&e.to_string())),
                limit: false,
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
            return Err(YamlError { line, col: 1, message: too_many_documents(limits), limit: true });
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
    let limit = raw.starts_with("recursion limit exceeded");
    YamlError { line, col, message, limit }
}

struct Converter<'a> {
    text: &'a str,
    doc: &'a YamlDoc,
    limits: &'a ParseLimits,
    path: Vec<String>,
}

impl Converter<'_> {
    fn error(&self, message: String) -> YamlError {
        let pointer = pointer::from_segments(&self.path);
        let (line, col) = locate(self.text, self.doc, &pointer).unwrap_or((self.doc.line, 1));
        YamlError { line, col, message, limit: false }
    }

    fn too_deep(&self) -> YamlError {
        YamlError { limit: true, ..self.error(depth_message(self.limits.max_depth)) }
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
                    return Err(self.too_deep());
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
                    return Err(self.too_deep());
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
