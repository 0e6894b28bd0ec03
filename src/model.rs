//! The loaded objects and small typed views over them.
//!
//! The source of truth for every manifest is its `serde_json::Value` (order preserving), so
//! that passthrough output keeps the user's key order. Views are read from it, never written
//! back.

use serde_json::Value;
use std::fmt;

use crate::diag::{Diagnostic, Location};
use crate::order::OrderKey;

/// Where an object came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// Path relative to the repository root (`/`-separated), or `<stdin>`.
    pub file: String,
    /// 0-based index of the document in the file.
    pub doc: usize,
    /// 1-based line of the document's first line in the file.
    pub line: usize,
    /// The file's full text is kept by the loader in [`crate::source::Sources`]; this is the
    /// byte range of this document inside it, for locating fields on error.
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
    /// Its place in kustomize's legacy output order, computed when the object is created,
    /// while its document is still in the processor's cache.
    pub order: OrderKey,
}

/// An object of a kind the pipeline never reads (see [`pipeline_reads`]) is only printed, so
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

/// The kinds the pipeline reads beyond their identity. Every other kind is only printed.
pub fn pipeline_reads(id: &ObjectId) -> bool {
    match id.group.as_str() {
        "" => matches!(id.kind.as_str(), "Service" | "Namespace" | "Secret" | "ConfigMap"),
        KGATEWAY_GROUP => matches!(id.kind.as_str(), "BackendConfigPolicy" | "Backend"),
        ISTIO_GROUP => id.kind == "ServiceEntry",
        GATEWAY_API_GROUP => id.kind == "BackendTLSPolicy",
        _ => false,
    }
}

/// A `null` to lend where a document or field is missing.
pub(crate) static NULL: Value = Value::Null;

impl Object {
    pub fn new(value: Value, origin: Origin, id: ObjectId) -> Self {
        let order = crate::order::key_of(&value, &id.kind);
        Object { body: Body::Tree(value), origin, id, order }
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

    pub fn is_sealed(&self) -> bool {
        matches!(self.body, Body::Sealed(_))
    }

    /// A sealed object's printed text (`Some(None)`: sealed without text); `None` for a tree.
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

    pub fn api_version(&self) -> &str {
        get(self.value(), "apiVersion").and_then(Value::as_str).unwrap_or("")
    }

    pub fn kind(&self) -> &str {
        &self.id.kind
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
        d.severity = crate::diag::Severity::Warning;
        d
    }
}

/// `map.get(key)`, comparing keys when the map is small: manifests are mostly maps of a few
/// keys, where a few string comparisons cost less than hashing the key (SipHash).
pub fn lookup<'m>(map: &'m serde_json::Map<String, Value>, key: &str) -> Option<&'m Value> {
    if map.len() <= 8 { map.iter().find_map(|(k, v)| (k.as_str() == key).then_some(v)) } else { map.get(key) }
}

/// [`lookup`] on a value: `v.get(key)` for objects, `None` otherwise.
pub fn get<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.as_object().and_then(|m| lookup(m, key))
}

/// The API group of an `apiVersion` (`""` for the core group).
pub fn group_of(api_version: &str) -> &str {
    match api_version.rsplit_once('/') {
        Some((group, _)) => group,
        None => "",
    }
}

/// `v.pointer(pointer)` without allocating (`Value::pointer` builds a String per segment),
/// for plain pointers: `~` escapes are not decoded, array indexes are.
pub fn at<'v>(v: &'v Value, pointer: &str) -> Option<&'v Value> {
    debug_assert!(!pointer.contains('~'), "escaped pointer {pointer}");
    pointer.split('/').skip(1).try_fold(v, |cur, seg| match cur {
        Value::Object(m) => lookup(m, seg),
        Value::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// Labels (sorted), shared by every backend and attachment reason that carries them.
pub type Labels = std::rc::Rc<[(String, String)]>;

/// A `map[string]string` read leniently: non-string values are skipped (validation reports them).
pub fn string_map(v: Option<&Value>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// Kinds that are cluster scoped, so they get no namespace. CRD kinds are namespaced unless
/// listed here, as in kustomize.
pub fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        ("", "Namespace")
            | ("", "Node")
            | ("", "PersistentVolume")
            | ("rbac.authorization.k8s.io", "ClusterRole")
            | ("rbac.authorization.k8s.io", "ClusterRoleBinding")
            | ("apiextensions.k8s.io", "CustomResourceDefinition")
            | ("storage.k8s.io", "StorageClass")
            | ("scheduling.k8s.io", "PriorityClass")
            | ("policy", "PodSecurityPolicy")
            | ("admissionregistration.k8s.io", "MutatingWebhookConfiguration")
            | ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration")
            | ("apiregistration.k8s.io", "APIService")
            | ("gateway.networking.k8s.io", "GatewayClass")
    )
}

pub const KGATEWAY_GROUP: &str = "gateway.kgateway.dev";
pub const ISTIO_GROUP: &str = "networking.istio.io";
pub const GATEWAY_API_GROUP: &str = "gateway.networking.k8s.io";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_of_core_and_named_groups() {
        assert_eq!(group_of("v1"), "");
        assert_eq!(group_of("gateway.kgateway.dev/v1alpha1"), "gateway.kgateway.dev");
    }

    #[test]
    fn string_map_is_sorted_and_skips_non_strings() {
        let v = serde_json::json!({"b": "2", "a": "1", "c": 3});
        assert_eq!(string_map(Some(&v)), vec![("a".into(), "1".into()), ("b".into(), "2".into())]);
    }

    #[test]
    fn at_and_lookup_agree_with_serde_json() {
        let mut big = serde_json::Map::new();
        for i in 0..20 {
            big.insert(format!("k{i}"), serde_json::json!(i));
        }
        let v = serde_json::json!({"a": {"b": [10, {"c": null}]}, "big": big, "": 1});
        for p in ["", "/a", "/a/b", "/a/b/0", "/a/b/1/c", "/a/b/2", "/a/x", "/big/k7", "/big/k20", "/", "/a/b/x"] {
            assert_eq!(at(&v, p), v.pointer(p), "{p}");
        }
        let m = v.as_object().unwrap();
        for k in ["a", "big", "", "zz"] {
            assert_eq!(lookup(m, k), m.get(k), "{k}");
        }
    }
}
