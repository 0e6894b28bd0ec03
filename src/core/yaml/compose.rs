//! YAML streams composed from parser events into `serde_json::Value` documents, as
//! Kubernetes reads them: plain scalars by go-yaml v2's YAML 1.1 rules ([`scalar`]), merge
//! keys as go-yaml v2 applies them, aliases expanded (within a budget), keys as JSON strings.
//!
//! Refused rather than guessed: duplicate keys, tags other than the core ones that change
//! nothing (`!!str`, `!!map`, `!!seq`), a merge key after a key it also sets (readers
//! disagree on which value wins), non-finite numbers, and nesting beyond `--max-depth`.
//!
//! [`scalar`]: super::scalar

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::doc::{ParseLimits, Schema, YamlDoc, YamlError, depth_message, short_key, too_many_documents};
use super::events::{Event, Mark, ParseError, Parser, Scalar, ScalarStyle};
use super::locate::line_col_of_offset;
use super::scalar::{check_text, kustomize_annotation, kustomize_key, kustomize_plain, plain_key, resolve_plain};

const STR_TAG: &str = "tag:yaml.org,2002:str";
const MAP_TAG: &str = "tag:yaml.org,2002:map";
const SEQ_TAG: &str = "tag:yaml.org,2002:seq";

/// Nodes that aliases may add to a stream, in all: a bound on the work an alias bomb makes.
const ALIAS_NODE_BUDGET: usize = 1_000_000;

/// A finished node: its value, how many nodes it holds, and what a key needs to know.
struct Node {
    value: Value,
    nodes: usize,
    /// The plain, untagged `<<` scalar.
    merge: bool,
}

/// A key waiting for its value.
struct Key {
    text: String,
    merge: bool,
    mark: Mark,
}

enum Frame {
    Seq {
        items: Vec<Value>,
        nodes: usize,
        anchor: Option<String>,
        flow: bool,
    },
    Map {
        map: Map<String, Value>,
        nodes: usize,
        anchor: Option<String>,
        key: Option<Key>,
        /// Keys whose value came from a merge (an explicit key may override them).
        merged: Vec<String>,
        flow: bool,
    },
}

fn error(mark: Mark, message: impl Into<String>) -> YamlError {
    YamlError { line: mark.line + 1, col: mark.column + 1, message: message.into(), limit: false, unsupported: false }
}

fn syntax_error(text: &str, e: ParseError) -> YamlError {
    let mark = match e.offset {
        Some(offset) => {
            let (line, col) = line_col_of_offset(text, offset);
            Mark { index: offset, line: line - 1, column: col - 1 }
        }
        None => e.mark,
    };
    let mut message = e.problem;
    if let Some((context, _)) = e.context {
        message = format!("{message}, {context}");
    }
    if message.chars().count() > 200 {
        message = message.chars().take(200).collect::<String>() + "...";
    }
    error(mark, message)
}

/// A collection's start.
struct Open {
    anchor: Option<String>,
    tag: Option<String>,
    flow: bool,
}

/// Whether a double-quoted scalar's source holds the escape `\/` (not `\\/`).
fn has_slash_escape(source: &str) -> bool {
    let mut chars = source.chars();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.next() == Some('/') {
            return true;
        }
    }
    false
}

/// The composer of one stream.
struct Composer<'l> {
    text: &'l str,
    limits: &'l ParseLimits,
    schema: Schema,
    stack: Vec<Frame>,
    anchors: HashMap<String, (Value, usize)>,
    alias_nodes: usize,
    /// The current document's root, once composed, with where it starts.
    root: Option<(Value, Mark)>,
    /// Where the current document's root node starts.
    start: Option<Mark>,
    /// The current document has an annotation value a JSON patch would re-type.
    retypable: std::cell::Cell<bool>,
}

impl Composer<'_> {
    /// Where a collection starting at `mark` is said to be: a mapping value at its key.
    fn position(&self, mark: Mark) -> Mark {
        match self.stack.last() {
            Some(Frame::Map { key: Some(k), .. }) => k.mark,
            _ => mark,
        }
    }

    fn open(&mut self, mark: Mark, seq: bool, open: Open) -> Result<(), YamlError> {
        let at = self.position(mark);
        let allowed = if seq { SEQ_TAG } else { MAP_TAG };
        if open.tag.as_deref().is_some_and(|t| t != allowed) {
            return Err(error(at, "YAML tags are not supported"));
        }
        if self.key_expected() {
            return Err(error(mark, "mapping keys must be scalars, not sequences or mappings"));
        }
        if self.schema == Schema::Kustomize && self.annotation_value() {
            let message = "kustomize turns an annotation that is a mapping or a list into an empty string";
            return Err(YamlError { unsupported: true, ..error(at, message) });
        }
        if self.stack.len() + 1 > self.limits.max_depth {
            return Err(YamlError { limit: true, ..error(at, depth_message(self.limits.max_depth)) });
        }
        if self.stack.is_empty() {
            self.start = Some(mark);
        }
        let (anchor, flow) = (open.anchor, open.flow);
        self.stack.push(if seq {
            Frame::Seq { items: Vec::new(), nodes: 1, anchor, flow }
        } else {
            Frame::Map { map: Map::new(), nodes: 1, anchor, key: None, merged: Vec::new(), flow }
        });
        Ok(())
    }

    fn close(&mut self, mark: Mark) -> Result<(), YamlError> {
        let (value, nodes, anchor) = match self.stack.pop() {
            Some(Frame::Seq { items, nodes, anchor, .. }) => (Value::Array(items), nodes, anchor),
            Some(Frame::Map { map, nodes, anchor, .. }) => (Value::Object(map), nodes, anchor),
            None => return Err(error(mark, "unbalanced collection end")),
        };
        if let Some(a) = anchor {
            self.anchors.insert(a, (value.clone(), nodes));
        }
        self.finish(Node { value, nodes, merge: false }, mark)
    }

    /// The next node is a mapping key.
    fn key_expected(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn in_flow(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Seq { flow: true, .. } | Frame::Map { flow: true, .. }))
    }

    fn scalar(&mut self, s: Scalar, mark: Mark, end: Mark) -> Result<(), YamlError> {
        let plain = s.style == ScalarStyle::Plain;
        // Raw characters were checked over the whole text; only escapes can make more.
        if s.style == ScalarStyle::DoubleQuoted {
            check_text(&s.value).map_err(|m| error(mark, m))?;
        }
        self.check_source(&s, mark, end)?;
        let value = match s.tag.as_deref() {
            None if plain => self.plain(&s.value, mark)?,
            None | Some(STR_TAG) => Value::String(s.value.clone()),
            Some(_) => return Err(error(mark, "YAML tags are not supported")),
        };
        let merge = plain && s.tag.is_none() && s.value == "<<";
        if let Some(a) = s.anchor {
            self.anchors.insert(a, (value.clone(), 1));
        }
        self.finish(Node { value, nodes: 1, merge }, mark)
    }

    /// A plain scalar, as the schema reads it where it stands.
    fn plain(&self, text: &str, mark: Mark) -> Result<Value, YamlError> {
        match self.schema {
            Schema::Kubernetes if self.key_expected() => {
                Ok(Value::String(plain_key(text).map_err(|m| error(mark, m))?))
            }
            Schema::Kubernetes => resolve_plain(text).map_err(|m| error(mark, m)),
            Schema::Kustomize if self.key_expected() => {
                Ok(Value::String(kustomize_key(text).map_err(|m| error(mark, m))?))
            }
            Schema::Kustomize if self.annotation_value() => {
                let (value, kept) = kustomize_annotation(text);
                self.retypable.set(self.retypable.get() || !kept);
                Ok(value)
            }
            Schema::Kustomize => kustomize_plain(text).map_err(|(m, u)| YamlError { unsupported: u, ..error(mark, m) }),
        }
    }

    /// The next node is the value of an object's `metadata.annotations` entry (of a
    /// document, or of an item of a List): kustomize writes those as the text they were.
    fn annotation_value(&self) -> bool {
        let pending = |f: &Frame, want: &str| matches!(f, Frame::Map { key: Some(k), .. } if k.text == want);
        let n = self.stack.len();
        let at_object = |i: usize| {
            i == 0 || (i == 2 && pending(&self.stack[0], "items") && matches!(self.stack[1], Frame::Seq { .. }))
        };
        n >= 3
            && matches!(self.stack[n - 1], Frame::Map { key: Some(_), .. })
            && pending(&self.stack[n - 2], "annotations")
            && pending(&self.stack[n - 3], "metadata")
            && at_object(n - 3)
    }

    /// Where libyaml (YAML 1.1 as libyaml 0.2.5 reads it) and go-yaml v2 (libyaml 0.1's
    /// scanner) read the same text differently, refuse: `\/` in double quotes, and plain
    /// scalars in flow collections that hold `?`, start with `:`, or end at a `:` right before
    /// a flow indicator.
    fn check_source(&self, s: &Scalar, mark: Mark, end: Mark) -> Result<(), YamlError> {
        let source = self.text.get(mark.index..end.index).unwrap_or("");
        match s.style {
            ScalarStyle::DoubleQuoted if source.contains("\\/") && has_slash_escape(source) => {
                Err(error(mark, "the escape \\/ is not read by Kubernetes' YAML reader; write / instead"))
            }
            ScalarStyle::Plain if self.in_flow() => {
                let after = self.text.get(end.index..).unwrap_or("");
                let mut next = after.chars();
                let colon_before_indicator =
                    next.next() == Some(':') && next.next().is_some_and(|c| ",[]{}?".contains(c));
                if s.value.contains('?') || s.value.starts_with(':') || colon_before_indicator {
                    Err(error(mark, "YAML readers split this plain scalar in a flow collection differently; quote it"))
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    fn alias(&mut self, name: &str, mark: Mark) -> Result<(), YamlError> {
        if self.key_expected() {
            return Err(error(mark, "an alias as a mapping key is not supported; write the key"));
        }
        let Some((value, nodes)) = self.anchors.get(name) else {
            return Err(error(mark, format!("unknown anchor {}", short_key(name))));
        };
        self.alias_nodes = self.alias_nodes.saturating_add(*nodes);
        if self.alias_nodes > ALIAS_NODE_BUDGET {
            let message = "too many alias expansions (repetition limit exceeded; alias bomb?)";
            return Err(YamlError { limit: true, ..error(mark, message) });
        }
        if self.schema == Schema::Kustomize && self.annotation_value() && !value.is_string() {
            let message =
                "an alias as an annotation value: the built-in kustomize cannot tell the text kustomize writes";
            return Err(YamlError { unsupported: true, ..error(mark, message) });
        }
        let merging = matches!(self.stack.last(), Some(Frame::Map { key: Some(k), .. }) if k.merge);
        if merging && !value.is_object() {
            // go-yaml v2 merges an alias only when it names a mapping.
            return Err(error(mark, "map merge requires map or sequence of maps as the value"));
        }
        let node = Node { value: value.clone(), nodes: *nodes, merge: false };
        self.finish(node, mark)
    }

    /// A node is done: it is a key, a value, an item, or the document's root.
    fn finish(&mut self, node: Node, mark: Mark) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            None => {
                self.root = Some((node.value, self.start.unwrap_or(mark)));
                Ok(())
            }
            Some(Frame::Seq { items, nodes, .. }) => {
                *nodes += node.nodes;
                items.push(node.value);
                Ok(())
            }
            Some(Frame::Map { key: key @ None, .. }) => {
                // Keys are scalars made strings by `scalar` (collections and aliases refused).
                let text = match node.value {
                    Value::String(s) => s,
                    _ => return Err(error(mark, "mapping keys must be scalars")),
                };
                *key = Some(Key { text, merge: node.merge, mark });
                Ok(())
            }
            Some(Frame::Map { map, nodes, key, merged, .. }) => {
                let k = key.take().expect("a key is pending");
                *nodes += node.nodes;
                if k.merge {
                    merge_into(map, merged, node.value, k.mark, self.schema)
                } else {
                    insert(map, merged, k, node.value)
                }
            }
        }
    }
}

/// An explicit key: a second one is a duplicate; over a merged value it wins.
fn insert(map: &mut Map<String, Value>, merged: &mut Vec<String>, k: Key, value: Value) -> Result<(), YamlError> {
    if map.contains_key(&k.text) {
        let Some(at) = merged.iter().position(|m| *m == k.text) else {
            return Err(error(k.mark, duplicate(&k.text)));
        };
        merged.swap_remove(at);
    }
    map.insert(k.text, value);
    Ok(())
}

fn duplicate(key: &str) -> String {
    format!("duplicate key {}", short_key(key))
}

/// `<<: value` as go-yaml v2 applies it: a mapping's entries, or each mapping of a sequence
/// (earlier ones win), each written over what the mapping holds so far (an explicit key
/// before the `<<` loses to it). kustomize's reader may not agree on that last point, so
/// under [`Schema::Kustomize`] it is refused.
fn merge_into(
    map: &mut Map<String, Value>,
    merged: &mut Vec<String>,
    value: Value,
    mark: Mark,
    schema: Schema,
) -> Result<(), YamlError> {
    let sources = match value {
        Value::Object(m) => vec![m],
        Value::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Value::Object(m) => Ok(m),
                _ => Err(error(mark, "map merge requires map or sequence of maps as the value")),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(error(mark, "map merge requires map or sequence of maps as the value")),
    };
    // Later sources first, so that earlier ones overwrite them, as go-yaml v2 does.
    for source in sources.into_iter().rev() {
        for (k, v) in source {
            let explicit = map.contains_key(&k) && !merged.contains(&k);
            if explicit && schema == Schema::Kustomize {
                let message = format!(
                    "merge key `<<` after {} which it also sets: the built-in kustomize does not know which \
                     value kustomize keeps",
                    short_key(&k)
                );
                return Err(YamlError { unsupported: true, ..error(mark, message) });
            }
            if !merged.contains(&k) {
                merged.push(k.clone());
            }
            map.insert(k, v);
        }
    }
    Ok(())
}

/// Parse a YAML stream into its non-empty documents.
pub(crate) fn parse_yaml_stream(text: &str, limits: &ParseLimits, schema: Schema) -> Result<Vec<YamlDoc>, YamlError> {
    let mut parser = Parser::new(text);
    let mut c = Composer {
        text,
        limits,
        schema,
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        root: None,
        start: None,
        retypable: std::cell::Cell::new(false),
    };
    let mut docs = Vec::new();
    let mut doc_start = Mark::default();
    while let Some(event) = parser.next_event() {
        let (event, start, end) = event.map_err(|e| syntax_error(text, e))?;
        match event {
            Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart { directives } => {
                if directives {
                    return Err(error(
                        start,
                        "YAML directives (%YAML, %TAG) are not supported by Kubernetes' YAML reader",
                    ));
                }
                doc_start = start;
                c.root = None;
                c.start = None;
                c.anchors.clear();
                c.retypable.set(false);
            }
            Event::DocumentEnd => {
                let Some((value, root)) = c.root.take() else { continue };
                if value.is_null() {
                    continue;
                }
                if docs.len() >= limits.max_documents {
                    return Err(YamlError { limit: true, ..error(root, too_many_documents(limits)) });
                }
                let span = (doc_start.index, end.index.max(doc_start.index));
                let retypable = c.retypable.get();
                docs.push(YamlDoc { value, line: root.line + 1, span, span_line: doc_start.line + 1, retypable });
            }
            Event::Alias(name) => c.alias(&name, start)?,
            Event::Scalar(s) => {
                if c.stack.is_empty() {
                    c.start = Some(start);
                }
                c.scalar(s, start, end)?
            }
            Event::SequenceStart { anchor, tag, flow } => c.open(start, true, Open { anchor, tag, flow })?,
            Event::MappingStart { anchor, tag, flow } => c.open(start, false, Open { anchor, tag, flow })?,
            Event::SequenceEnd | Event::MappingEnd => c.close(start)?,
        }
    }
    Ok(docs)
}
