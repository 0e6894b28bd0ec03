//! Find the line of a JSON pointer inside a document's text, for diagnostics.
//!
//! A small indentation-based scanner for block YAML: it turns each line into tokens (`- `
//! dashes and `key:` keys with their columns), skipping comments, block scalar bodies and
//! anything in flow style, then walks the pointer through those tokens. Whatever it cannot
//! follow makes it stop at the deepest parent found. It never panics.

use super::doc::YamlDoc;
use crate::core::pointer;

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Dash,
    Key(String),
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// 1-based line in the whole text.
    line: usize,
    /// 0-based byte column inside the line (indentation is ASCII spaces).
    col: usize,
    /// 1-based character column for reporting.
    char_col: usize,
}

/// Lines of `text[start..end]` as (1-based absolute line, line text without `\r\n`).
fn span_lines(text: &str, start: usize, end: usize, first_line: usize) -> Vec<(usize, &str)> {
    let slice = text.get(start..end).unwrap_or("");
    slice.split('\n').enumerate().map(|(i, l)| (first_line + i, l.strip_suffix('\r').unwrap_or(l))).collect()
}

/// 1-based line number of byte offset `pos` in `text`.
pub(crate) fn line_of_offset(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    text.as_bytes()[..pos].iter().filter(|&&b| b == b'\n').count() + 1
}

/// 1-based (line, col) of byte offset `pos` in `text`, col counted in characters.
pub(crate) fn line_col_of_offset(text: &str, pos: usize) -> (usize, usize) {
    (line_of_offset(text, pos), col_of_offset(text, pos))
}

/// 1-based column (in characters) of byte offset `pos` in `text`.
pub(crate) fn col_of_offset(text: &str, pos: usize) -> usize {
    let mut pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..pos].chars().count() + 1
}

fn char_col(line: &str, byte_col: usize) -> usize {
    let mut b = byte_col.min(line.len());
    while !line.is_char_boundary(b) {
        b -= 1;
    }
    line[..b].chars().count() + 1
}

/// Parse a key at the start of `rest` (which is at byte column `col` of the line). Returns
/// the key and the byte offset (within `rest`) just past the `:`.
fn parse_key(rest: &str) -> Option<(String, usize)> {
    let bytes = rest.as_bytes();
    let (key, after) = match bytes.first()? {
        b'"' => {
            let mut out = String::new();
            let mut chars = rest.char_indices().skip(1);
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    '\\' => {
                        let (_, e) = chars.next()?;
                        out.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            '0' => '\0',
                            other => other,
                        });
                    }
                    c => out.push(c),
                }
            }
            (out, end?)
        }
        b'\'' => {
            let mut out = String::new();
            let mut i = 1;
            loop {
                let c = rest[i..].chars().next()?;
                if c == '\'' {
                    if rest[i + 1..].starts_with('\'') {
                        out.push('\'');
                        i += 2;
                        continue;
                    }
                    break (out, i + 1);
                }
                out.push(c);
                i += c.len_utf8();
            }
        }
        b'[' | b'{' | b'#' | b'|' | b'>' | b'&' | b'*' | b'!' | b'?' | b'%' | b'@' | b'`' => {
            return None;
        }
        _ => {
            // Plain key: up to the first `: ` / `:` at end of line.
            let mut search = 0;
            loop {
                let i = search + rest[search..].find(':')?;
                let next = rest.as_bytes().get(i + 1);
                if next.is_none() || next == Some(&b' ') || next == Some(&b'\t') {
                    let key = rest[..i].trim_end();
                    if key.contains(" #") {
                        return None;
                    }
                    return Some((key.to_string(), i + 1));
                }
                search = i + 1;
            }
        }
    };
    // After a quoted key: optional spaces then `:` followed by space or end.
    let tail = &rest[after..];
    let trimmed = tail.trim_start_matches([' ', '\t']);
    let colon = trimmed.strip_prefix(':')?;
    if !(colon.is_empty() || colon.starts_with([' ', '\t'])) {
        return None;
    }
    Some((key, after + (tail.len() - trimmed.len()) + 1))
}

/// Whether a value text (after `key:` or `- `) starts a block scalar.
fn is_block_scalar_header(value: &str) -> bool {
    let v = value.trim_start_matches([' ', '\t']);
    // Skip an anchor or tag before the indicator.
    let mut v = v;
    while v.starts_with(['&', '!']) {
        match v.find(' ') {
            Some(i) => v = v[i..].trim_start(),
            None => return false,
        }
    }
    let Some(rest) = v.strip_prefix(['|', '>']) else {
        return false;
    };
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
    rest.is_empty() || rest.starts_with([' ', '\t'])
}

fn tokenize(lines: &[(usize, &str)]) -> Vec<Token> {
    let mut tokens = Vec::new();
    // While inside a block scalar body: lines indented more than this column are skipped.
    let mut block_owner: Option<usize> = None;
    for &(line_no, line) in lines {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let content = &line[indent..];
        if let Some(owner) = block_owner {
            if content.trim().is_empty() || indent > owner {
                continue;
            }
            block_owner = None;
        }
        if content.is_empty() || content.starts_with('#') || content.starts_with('\t') {
            continue;
        }
        if indent == 0 && (content.starts_with("---") || content.starts_with("...") || content.starts_with('%')) {
            continue;
        }
        let mut pos = indent;
        loop {
            let rest = &line[pos..];
            if rest.starts_with('-') && (rest.len() == 1 || rest[1..].starts_with([' ', '\t'])) {
                tokens.push(Token { kind: Kind::Dash, line: line_no, col: pos, char_col: char_col(line, pos) });
                let after = &rest[1..];
                let skip = after.len() - after.trim_start_matches([' ', '\t']).len();
                let owner = pos;
                pos += 1 + skip;
                if is_block_scalar_header(&line[pos..]) {
                    block_owner = Some(owner);
                    break;
                }
                if pos >= line.len() {
                    break;
                }
                continue;
            }
            if let Some((key, after)) = parse_key(rest) {
                tokens.push(Token { kind: Kind::Key(key), line: line_no, col: pos, char_col: char_col(line, pos) });
                if is_block_scalar_header(&rest[after..]) {
                    block_owner = Some(pos);
                }
            }
            break;
        }
    }
    tokens
}

/// The tokens of the node that starts at `tokens[0]`: returns, for each child, (child
/// token index, range of the child's value tokens).
fn children(tokens: &[Token], range: (usize, usize)) -> Vec<(usize, (usize, usize))> {
    let (start, end) = range;
    let mut out = Vec::new();
    let Some(first) = tokens.get(start) else {
        return out;
    };
    if start >= end {
        return out;
    }
    let col = first.col;
    let is_map = matches!(first.kind, Kind::Key(_));
    let mut i = start;
    while i < end {
        let t = &tokens[i];
        if t.col < col {
            break;
        }
        let child = i;
        i += 1;
        // The value runs until the next sibling (same column, same kind) or anything less
        // indented; for a map, a dash at the key's own column belongs to the value.
        while i < end {
            let u = &tokens[i];
            let ends =
                if is_map { u.col < col || (u.col == col && matches!(u.kind, Kind::Key(_))) } else { u.col <= col };
            if ends {
                break;
            }
            i += 1;
        }
        let same_kind = matches!((&t.kind, is_map), (Kind::Key(_), true) | (Kind::Dash, false));
        if same_kind && t.col == col {
            out.push((child, (child + 1, i)));
        }
    }
    out
}

/// Locate in block YAML (`start_line`: the line of `span.0`). Returns the (line, char col)
/// of the deepest token reached, or `None` if not even the first segment was found.
pub(crate) fn locate_block(
    text: &str,
    span: (usize, usize),
    start_line: usize,
    segments: &[String],
) -> Option<(usize, usize)> {
    let start = text.get(..span.0).map_or(0, |t| t.rfind('\n').map_or(0, |i| i + 1));
    let lines = span_lines(text, start, span.1.min(text.len()), start_line);
    let tokens = tokenize(&lines);
    let mut range = (0, tokens.len());
    let mut found: Option<(usize, usize)> = None;
    for seg in segments {
        let kids = children(&tokens, range);
        let Some(first) = kids.first().map(|k| &tokens[k.0]) else {
            break;
        };
        let hit = match first.kind {
            Kind::Key(_) => kids.iter().find(|(i, _)| tokens[*i].kind == Kind::Key(seg.clone())),
            Kind::Dash => seg.parse::<usize>().ok().and_then(|n| kids.get(n)),
        };
        let Some(&(i, sub)) = hit else {
            break;
        };
        found = Some((tokens[i].line, tokens[i].char_col));
        range = sub;
    }
    found
}

/// Best effort for JSON documents: look for each `"key"` followed by `:` in turn.
pub(crate) fn locate_json(text: &str, span: (usize, usize), segments: &[String]) -> Option<(usize, usize)> {
    let end = span.1.min(text.len());
    let mut pos = span.0.min(end);
    let mut found = None;
    for seg in segments {
        if seg.parse::<usize>().is_ok() {
            continue;
        }
        let needle = serde_json::to_string(seg).ok()?;
        let hay = text.get(pos..end)?;
        let mut search = 0;
        let hit = loop {
            let Some(i) = hay[search..].find(&needle) else {
                break None;
            };
            let at = search + i;
            let after = hay[at + needle.len()..].trim_start();
            if after.starts_with(':') {
                break Some(at);
            }
            search = at + needle.len();
        };
        let Some(at) = hit else {
            break;
        };
        pos += at;
        found = Some(line_col_of_offset(text, pos));
        pos += needle.len();
    }
    found
}

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
    let segments = pointer::segments(pointer);
    if segments.is_empty() {
        return Some(doc_start());
    }
    let body = text.get(start..end).unwrap_or("");
    let found = if flow_body(body).starts_with(['{', '[']) {
        locate_json(text, (start, end), &segments)
    } else {
        locate_block(text, (start, end), doc.span_line, &segments)
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
