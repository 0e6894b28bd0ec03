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

use super::doc::{ParseLimits, YamlDoc, YamlError, depth_message, short_key, too_many_documents};
use super::events::{Event, Mark, ParseError, Parser, Scalar, ScalarStyle};
use super::locate::line_col_of_offset;
use super::scalar::{key_string, resolve_plain};

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
    /// A collection (not usable as a key).
    collection: bool,
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
    },
    Map {
        map: Map<String, Value>,
        nodes: usize,
        anchor: Option<String>,
        key: Option<Key>,
        /// Keys whose value came from a merge (an explicit key may override them).
        merged: Vec<String>,
    },
}

fn error(mark: Mark, message: impl Into<String>) -> YamlError {
    YamlError { line: mark.line + 1, col: mark.column + 1, message: message.into(), limit: false }
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

/// The composer of one stream.
struct Composer<'l> {
    limits: &'l ParseLimits,
    stack: Vec<Frame>,
    anchors: HashMap<String, (Value, usize)>,
    alias_nodes: usize,
    /// The current document's root, once composed, with where it starts.
    root: Option<(Value, Mark)>,
    /// Where the current document's root node starts.
    start: Option<Mark>,
}

impl Composer<'_> {
    /// Where a collection starting at `mark` is said to be: a mapping value at its key.
    fn position(&self, mark: Mark) -> Mark {
        match self.stack.last() {
            Some(Frame::Map { key: Some(k), .. }) => k.mark,
            _ => mark,
        }
    }

    fn open(&mut self, mark: Mark, seq: bool, anchor: Option<String>, tag: Option<&str>) -> Result<(), YamlError> {
        let at = self.position(mark);
        let allowed = if seq { SEQ_TAG } else { MAP_TAG };
        if tag.is_some_and(|t| t != allowed) {
            return Err(error(at, "YAML tags are not supported"));
        }
        if self.stack.len() + 1 > self.limits.max_depth {
            return Err(YamlError { limit: true, ..error(at, depth_message(self.limits.max_depth)) });
        }
        if self.stack.is_empty() {
            self.start = Some(mark);
        }
        self.stack.push(if seq {
            Frame::Seq { items: Vec::new(), nodes: 1, anchor }
        } else {
            Frame::Map { map: Map::new(), nodes: 1, anchor, key: None, merged: Vec::new() }
        });
        Ok(())
    }

    fn close(&mut self, mark: Mark) -> Result<(), YamlError> {
        let (value, nodes, anchor) = match self.stack.pop() {
            Some(Frame::Seq { items, nodes, anchor }) => (Value::Array(items), nodes, anchor),
            Some(Frame::Map { map, nodes, anchor, .. }) => (Value::Object(map), nodes, anchor),
            None => return Err(error(mark, "unbalanced collection end")),
        };
        if let Some(a) = anchor {
            self.anchors.insert(a, (value.clone(), nodes));
        }
        self.finish(Node { value, nodes, merge: false, collection: true }, mark)
    }

    fn scalar(&mut self, s: Scalar, mark: Mark) -> Result<(), YamlError> {
        let plain = s.style == ScalarStyle::Plain;
        let value = match s.tag.as_deref() {
            None if plain => resolve_plain(&s.value).map_err(|m| error(mark, m))?,
            None | Some(STR_TAG) => Value::String(s.value.clone()),
            Some(_) => return Err(error(mark, "YAML tags are not supported")),
        };
        let merge = plain && s.tag.is_none() && s.value == "<<";
        if let Some(a) = s.anchor {
            self.anchors.insert(a, (value.clone(), 1));
        }
        self.finish(Node { value, nodes: 1, merge, collection: false }, mark)
    }

    fn alias(&mut self, name: &str, mark: Mark) -> Result<(), YamlError> {
        let Some((value, nodes)) = self.anchors.get(name) else {
            return Err(error(mark, format!("unknown anchor {}", short_key(name))));
        };
        self.alias_nodes = self.alias_nodes.saturating_add(*nodes);
        if self.alias_nodes > ALIAS_NODE_BUDGET {
            let message = "too many alias expansions (repetition limit exceeded; alias bomb?)";
            return Err(YamlError { limit: true, ..error(mark, message) });
        }
        let node = Node {
            value: value.clone(),
            nodes: *nodes,
            merge: false,
            collection: value.is_object() || value.is_array(),
        };
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
                if node.collection {
                    return Err(error(mark, "mapping keys must be scalars, not sequences or mappings"));
                }
                let text = key_string(&node.value).map_err(|m| error(mark, m))?;
                *key = Some(Key { text, merge: node.merge, mark });
                Ok(())
            }
            Some(Frame::Map { map, nodes, key, merged, .. }) => {
                let k = key.take().expect("a key is pending");
                *nodes += node.nodes;
                if k.merge { merge_into(map, merged, node.value, k.mark) } else { insert(map, merged, k, node.value) }
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
/// (earlier ones win), for keys not set explicitly before.
fn merge_into(
    map: &mut Map<String, Value>,
    merged: &mut Vec<String>,
    value: Value,
    mark: Mark,
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
            if explicit {
                return Err(error(
                    mark,
                    format!(
                        "merge key `<<` after {} which it also sets: YAML readers disagree on which value wins; \
                         put `<<` first",
                        short_key(&k)
                    ),
                ));
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
pub(crate) fn parse_yaml_stream(text: &str, limits: &ParseLimits) -> Result<Vec<YamlDoc>, YamlError> {
    let mut parser = Parser::new(text);
    let mut c =
        Composer { limits, stack: Vec::new(), anchors: HashMap::new(), alias_nodes: 0, root: None, start: None };
    let mut docs = Vec::new();
    let mut doc_start = Mark::default();
    while let Some(event) = parser.next_event() {
        let (event, start, end) = event.map_err(|e| syntax_error(text, e))?;
        match event {
            Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart => {
                doc_start = start;
                c.root = None;
                c.start = None;
                c.anchors.clear();
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
                docs.push(YamlDoc { value, line: root.line + 1, span, span_line: doc_start.line + 1 });
            }
            Event::Alias(name) => c.alias(&name, start)?,
            Event::Scalar(s) => {
                if c.stack.is_empty() {
                    c.start = Some(start);
                }
                c.scalar(s, start)?
            }
            Event::SequenceStart { anchor, tag } => c.open(start, true, anchor, tag.as_deref())?,
            Event::MappingStart { anchor, tag } => c.open(start, false, anchor, tag.as_deref())?,
            Event::SequenceEnd | Event::MappingEnd => c.close(start)?,
        }
    }
    Ok(docs)
}
