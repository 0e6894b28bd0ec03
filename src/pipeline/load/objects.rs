//! Which documents become objects, by the rules of whoever reads them: Argo CD for final
//! input (plain files, stdin, kustomize's output), kustomize for a kustomization's resources.
//!
//! * Argo CD flattens every object whose `items` is a list, whatever its kind, one level
//!   deep, and drops one whose `items` is null (with no `spec` or `status`). It applies
//!   `config.kubernetes.io/local-config` objects like any other.
//! * kustomize expands kinds ending in `List` that have `items`; it drops local-config
//!   objects only at the end of a build (see the kustomize builder).
//!
//! Every object needs string `apiVersion`, `kind` and `metadata.name`, and label values
//! must be strings (as annotation values, except where kustomize writes them as strings):
//! kubectl and the API server refuse anything else.

use serde_json::Value;

use super::ctx::{Collector, Ctx, Res};
use crate::core::diag::{DiagKind, Diagnostic};
use crate::core::object::Origin;
use crate::core::yaml::Schema;

/// Whose rules a stream's documents are read by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// What Argo CD applies: plain files, stdin, the real kustomize's output.
    Argo,
    /// A resource file of a kustomization, for the built-in kustomize.
    Kustomize,
}

impl Reading {
    pub(crate) fn schema(self) -> Schema {
        match self {
            Reading::Argo => Schema::Kubernetes,
            Reading::Kustomize => Schema::Kustomize,
        }
    }
}

/// Parse a file whose documents are final objects (not a kustomize resource), keeping its
/// text only while an object from it is held as a tree.
pub(crate) fn parse_final(ctx: &mut Ctx<'_>, file: &str, text: String, out: &mut Collector) {
    let mut docs = Vec::new();
    parse_docs(ctx, file, &text, &mut docs, Reading::Argo);
    if out.add(ctx, docs) {
        ctx.keep_text(file, text);
    }
}

/// Parse a stream into objects, by `reading`'s rules.
pub(crate) fn parse_docs(ctx: &mut Ctx<'_>, file: &str, text: &str, out: &mut Vec<Res>, reading: Reading) {
    for (objects, _) in parse(ctx, file, text, reading) {
        out.extend(objects);
    }
}

/// [`parse_docs`] for a kustomization's resource file: each object with whether an
/// annotation of its document is kept as written in a form a JSON patch would re-type.
pub(crate) fn parse_resources(ctx: &mut Ctx<'_>, file: &str, text: &str) -> Vec<(Value, Origin, bool)> {
    let docs = parse(ctx, file, text, Reading::Kustomize);
    docs.into_iter().flat_map(|(objects, retypable)| objects.into_iter().map(move |(v, o)| (v, o, retypable))).collect()
}

/// Each document's objects.
fn parse(ctx: &mut Ctx<'_>, file: &str, text: &str, reading: Reading) -> Vec<(Vec<Res>, bool)> {
    let docs = match crate::core::yaml::parse_stream_as(text, &ctx.opts.parse, reading.schema()) {
        Ok(d) => d,
        Err(e) => {
            let kind = if e.unsupported { DiagKind::Unsupported } else { DiagKind::General };
            ctx.error(Diagnostic::error(e.message).in_file(file).line(e.line, e.col).kind(kind));
            return Vec::new();
        }
    };
    if !ctx.count_documents(file, &docs) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(docs.len());
    for (i, doc) in docs.into_iter().enumerate() {
        let origin =
            Origin { file: file.to_string(), doc: i, line: doc.line, span: doc.span, span_line: doc.span_line };
        let mut objects = Vec::new();
        push(ctx, doc.value, origin, &mut objects, reading);
        out.push((objects, doc.retypable));
    }
    out
}

/// Add the objects one document holds to `out`.
pub(crate) fn push(ctx: &mut Ctx<'_>, value: Value, origin: Origin, out: &mut Vec<Res>, reading: Reading) {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
    let items = value.get("items");
    match (reading, items) {
        (Reading::Argo, Some(Value::Array(_))) => return flatten(ctx, value, origin, out, reading, &kind),
        (Reading::Argo, Some(Value::Null)) if value.get("spec").is_none() && value.get("status").is_none() => return,
        (Reading::Kustomize, Some(_)) if kind.ends_with("List") => {
            return flatten(ctx, value, origin, out, reading, &kind);
        }
        (Reading::Kustomize, Some(Value::Array(_))) => {
            // kustomize keeps it whole, Argo CD then flattens what kustomize made of it.
            let d = Diagnostic::error(format!("a {kind} with a list of items: kustomize transforms it as one object, and Argo CD then applies its items"))
                .at(origin.location())
                .field("items")
                .kind(DiagKind::Unsupported);
            return ctx.error(d);
        }
        _ => {}
    }
    if let Err(what) = check(&value, reading) {
        let hint = if what.starts_with("metadata.labels") || what.starts_with("metadata.annotations") {
            "label and annotation values are strings: quote the value"
        } else {
            "every document needs string apiVersion, kind and metadata.name"
        };
        ctx.error(Diagnostic::error(format!("document {}: {what}", origin.doc)).at(origin.location()).hint(hint));
        return;
    }
    out.push((value, origin));
}

fn flatten(ctx: &mut Ctx<'_>, value: Value, origin: Origin, out: &mut Vec<Res>, reading: Reading, kind: &str) {
    let Value::Object(mut map) = value else { return };
    match map.remove("items") {
        Some(Value::Array(items)) => {
            for item in items {
                let nested = matches!(item.get("items"), Some(Value::Array(_)));
                if nested && reading == Reading::Argo {
                    let d =
                        Diagnostic::error(format!("{kind}: an item is itself a list, which Argo CD does not flatten"))
                            .at(origin.location())
                            .field("items");
                    ctx.error(d);
                    continue;
                }
                push(ctx, item, origin.clone(), out, reading);
            }
        }
        Some(Value::Null) | None => {}
        Some(_) => {
            ctx.error(Diagnostic::error(format!("{kind}: items must be a list")).at(origin.location()).field("items"))
        }
    }
}

fn check(v: &Value, reading: Reading) -> Result<(), String> {
    let Some(map) = v.as_object() else {
        return Err("not a mapping".into());
    };
    for key in ["apiVersion", "kind"] {
        match map.get(key) {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(_) => return Err(format!("{key} must be a non-empty string")),
            None => return Err(format!("missing {key}")),
        }
    }
    let metadata = map.get("metadata");
    match metadata.and_then(|m| m.get("name")) {
        Some(Value::String(s)) if !s.is_empty() => {}
        Some(_) => return Err("metadata.name must be a non-empty string".into()),
        None => return Err("missing metadata.name".into()),
    }
    // kustomize writes annotation values as strings (its reader has made them so already).
    let maps: &[&str] = if reading == Reading::Argo { &["labels", "annotations"] } else { &["labels"] };
    for field in maps {
        string_map(metadata.and_then(|m| m.get(*field)), field)?;
    }
    Ok(())
}

/// `metadata.<field>` must be absent, null or a map of strings (`map[string]string`).
fn string_map(v: Option<&Value>, field: &str) -> Result<(), String> {
    match v {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(m)) => match m.iter().find(|(_, v)| !v.is_string()) {
            None => Ok(()),
            Some((k, v)) => {
                let what = match v {
                    Value::Bool(_) => "a boolean",
                    Value::Number(_) => "a number",
                    Value::Null => "null",
                    _ => "not a string",
                };
                let k = if k.chars().count() <= 63 { k.as_str() } else { "(a long key)" };
                Err(format!("metadata.{field}.{k} is {what} as Kubernetes reads YAML, and must be a string"))
            }
        },
        Some(_) => Err(format!("metadata.{field} must be a map of strings")),
    }
}
