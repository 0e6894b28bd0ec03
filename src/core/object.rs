//! The loaded objects and small typed views over them.
//!
//! The source of truth for every manifest is its `serde_json::Value` (order preserving), so
//! that passthrough output keeps the user's key order. Views are read from it, never written
//! back.

use serde_json::Value;
use std::fmt;

use crate::core::diag::{Diagnostic, Location, Severity};
use crate::core::kind::{Kind, group_of, is_cluster_scoped};
use crate::core::order::{self, OrderKey};
use crate::core::value::{NULL, get, lookup, string_map};

/// Where an object came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// Path relative to the repository root (`/`-separated), or `<stdin>`.
    pub file: String,
    /// 0-based index of the document in the file.
    pub doc: usize,
    /// 1-based line of the document's first line in the file.
    pub line: usize,
    /// The byte range of this document inside its file's text (which the loader keeps while
    /// diagnostics may point into it), for locating fields on error.
    pub span: (usize, usize),
    /// 1-based line of the span's first byte.
    pub span_line: usize,
}

impl Origin {
    pub fn location(&self) -> Location {
        Location { file: Some(self.file.clone()), line: Some(self.line), col: Some(1) }
    }
}

/// `group/kind/namespace/name`; `namespace` is empty for cluster-scoped kinds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectId {
    /// The identity of a value, with the effective namespace.
    pub fn of(value: &Value, default_namespace: &str) -> ObjectId {
        // Plain lookups: `Value::pointer` allocates per segment, and this runs for every object.
        fn field<'a>(v: Option<&'a Value>, key: &str) -> &'a str {
            v.and_then(|v| get(v, key)).and_then(Value::as_str).unwrap_or("")
        }
        let metadata = get(value, "metadata");
        let group = group_of(field(Some(value), "apiVersion")).to_string();
        let kind = field(Some(value), "kind").to_string();
        let namespace = if is_cluster_scoped(&group, &kind) {
            String::new()
        } else {
            let own = field(metadata, "namespace");
            if own.is_empty() { default_namespace } else { own }.to_string()
        };
        ObjectId { group, kind, namespace, name: field(metadata, "name").to_string() }
    }

    /// `Kind ns/name` (or `Kind name` when cluster scoped), as used in messages.
    pub fn display(&self) -> String {
        if self.namespace.is_empty() {
            format!("{} {}", self.kind, self.name)
        } else {
            format!("{} {}/{}", self.kind, self.namespace, self.name)
        }
    }

    pub fn ns_name(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// One Kubernetes object from the input.
#[derive(Debug, Clone)]
pub struct Object {
    body: Body,
    pub origin: Origin,
    /// Identity with the *effective* namespace (own, else kustomization, else the default).
    pub id: ObjectId,
    /// What it is, from `id`'s group and kind.
    pub kind: Kind,
    /// Its place in kustomize's legacy output order, computed when the object is created,
    /// while its document is still in the processor's cache.
    pub order: OrderKey,
}

/// An object of a kind the pipeline never reads (see [`Kind::is_read`]) is only printed, so
/// once it is final (kustomize transforms applied) it is sealed: its tree is dropped and only
/// its printed text is kept. A large repository's Deployments then cost their text, not a
/// parsed tree each.
#[derive(Debug, Clone)]
enum Body {
    Tree(Value),
    /// The document as printed (without a separator), when the command prints manifests.
    Sealed(Option<String>),
}

/// What an object contributes to the output.
pub enum Printable {
    Tree(Value),
    Text(String),
    /// Sealed for a command that prints no manifests.
    Nothing,
}

impl Object {
    pub fn new(value: Value, origin: Origin, id: ObjectId) -> Self {
        let order = order::key_of(&value, &id.kind);
        let kind = Kind::of(&id.group, &id.kind);
        Object { body: Body::Tree(value), origin, id, kind, order }
    }

    /// The parsed document. Never called for a sealed object: only kinds the pipeline reads
    /// are read, and those are never sealed.
    pub fn value(&self) -> &Value {
        match &self.body {
            Body::Tree(v) => v,
            Body::Sealed(_) => {
                debug_assert!(false, "{} is sealed: the pipeline does not read its kind", self.id);
                &NULL
            }
        }
    }

    /// The document, to change it in tests.
    #[cfg(test)]
    pub(crate) fn value_mut(&mut self) -> &mut Value {
        let Body::Tree(v) = &mut self.body else { panic!("{} is sealed", self.id) };
        v
    }

    /// Drop the tree, keeping `text` (the printed document, if printed).
    pub fn seal(&mut self, text: Option<String>) {
        self.body = Body::Sealed(text);
    }

    #[cfg(test)]
    pub fn is_sealed(&self) -> bool {
        matches!(self.body, Body::Sealed(_))
    }

    /// A sealed object's printed text (`Some(None)`: sealed without text); `None` for a tree.
    #[cfg(test)]
    pub fn sealed_text(&self) -> Option<Option<&str>> {
        match &self.body {
            Body::Sealed(text) => Some(text.as_deref()),
            Body::Tree(_) => None,
        }
    }

    /// The output position and what is printed.
    pub fn into_output(self) -> (OrderKey, Printable) {
        let printable = match self.body {
            Body::Tree(v) => Printable::Tree(v),
            Body::Sealed(Some(text)) => Printable::Text(text),
            Body::Sealed(None) => Printable::Nothing,
        };
        (self.order, printable)
    }

    pub fn metadata(&self) -> Option<&serde_json::Map<String, Value>> {
        get(self.value(), "metadata").and_then(Value::as_object)
    }

    pub fn labels(&self) -> Vec<(String, String)> {
        string_map(self.metadata().and_then(|m| lookup(m, "labels")))
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        get(lookup(self.metadata()?, "annotations")?, key)?.as_str()
    }

    pub fn spec(&self) -> Option<&Value> {
        get(self.value(), "spec")
    }

    /// `metadata.creationTimestamp` as written (RFC 3339); absent in Git normally.
    pub fn creation_timestamp(&self) -> Option<&str> {
        lookup(self.metadata()?, "creationTimestamp")?.as_str()
    }

    /// An error diagnostic pointing at this object (and, when given, at a field).
    pub fn error(&self, field: Option<&str>, message: impl Into<String>) -> Diagnostic {
        let mut d = Diagnostic::error(message).at(self.origin.location()).object(self.id.display());
        if let Some(f) = field {
            d = d.field(f);
        }
        d
    }

    pub fn warning(&self, field: Option<&str>, message: impl Into<String>) -> Diagnostic {
        let mut d = self.error(field, message);
        d.severity = Severity::Warning;
        d
    }
}

/// Objects for tests, identified from their own `apiVersion`, `kind` and `metadata`.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// An object in its own namespace, else `default_ns`.
    pub fn object_in(v: Value, default_ns: &str) -> Object {
        let id = ObjectId {
            group: crate::core::kind::group_of(v["apiVersion"].as_str().unwrap_or("")).into(),
            kind: v["kind"].as_str().unwrap_or("").into(),
            namespace: v["metadata"]["namespace"].as_str().unwrap_or(default_ns).into(),
            name: v["metadata"]["name"].as_str().unwrap_or("").into(),
        };
        Object::new(v, Origin::default(), id)
    }

    /// An object in its own namespace, else `default`.
    pub fn object(v: Value) -> Object {
        object_in(v, "default")
    }
}
