//! A resource while a kustomization is built: its value, where it came from, and the
//! history kustomize keeps for it (the ids it had before each rename or namespace change,
//! and the prefixes and suffixes added), which patch targets and name references consult.

use serde_json::Value;

use super::tables;
use crate::core::kind::{group_of, version_of};
use crate::core::object::Origin;

/// The namespace kustomize gives cluster-scoped objects in ids.
pub(crate) const NO_NAMESPACE: &str = "_non_namespaceable_";

/// An earlier id: kustomize records kind, name and namespace (the apiVersion is the
/// current one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrevId {
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

#[derive(Debug, Clone)]
pub(crate) struct KRes {
    pub value: Value,
    pub origin: Origin,
    pub prev: Vec<PrevId>,
    pub prefixes: Vec<String>,
    pub suffixes: Vec<String>,
    /// An annotation is kept as written in a form a JSON patch would re-type (`0x1F`).
    pub retypable: bool,
}

fn field<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

impl KRes {
    pub(crate) fn new(value: Value, origin: Origin) -> KRes {
        KRes { value, origin, prev: Vec::new(), prefixes: Vec::new(), suffixes: Vec::new(), retypable: false }
    }

    pub(crate) fn api_version(&self) -> &str {
        field(&self.value, "/apiVersion")
    }

    pub(crate) fn group_version(&self) -> (&str, &str) {
        let av = self.api_version();
        (group_of(av), version_of(av))
    }

    pub(crate) fn kind(&self) -> &str {
        field(&self.value, "/kind")
    }

    pub(crate) fn name(&self) -> &str {
        field(&self.value, "/metadata/name")
    }

    /// The namespace as written.
    pub(crate) fn namespace(&self) -> &str {
        field(&self.value, "/metadata/namespace")
    }

    pub(crate) fn cluster_scoped(&self) -> bool {
        tables::cluster_scoped(self.api_version(), self.kind())
    }

    /// The namespace of kustomize's ids: `default` for none, none for cluster-scoped kinds.
    pub(crate) fn effective_namespace(&self) -> String {
        if self.cluster_scoped() {
            return NO_NAMESPACE.to_string();
        }
        match self.namespace() {
            "" => "default".to_string(),
            ns => ns.to_string(),
        }
    }

    /// The current id, as kustomize records it.
    pub(crate) fn current(&self) -> PrevId {
        PrevId { kind: self.kind().to_string(), name: self.name().to_string(), namespace: self.effective_namespace() }
    }

    /// kustomize's `StorePreviousId`.
    pub(crate) fn store_previous_id(&mut self) {
        let id = self.current();
        self.prev.push(id);
    }

    /// The id it had first (its current id when it never changed).
    pub(crate) fn original(&self) -> PrevId {
        self.prev.first().cloned().unwrap_or_else(|| self.current())
    }

    /// The identity kustomize keeps unique: group, version, kind, name, namespace.
    pub(crate) fn key(&self) -> (String, String, String, String, String) {
        let (g, v) = self.group_version();
        (g.to_string(), v.to_string(), self.kind().to_string(), self.name().to_string(), self.effective_namespace())
    }

    /// Whether kustomize holds internal annotations for it while building: once it has a
    /// history, or a prefix or suffix.
    pub(crate) fn has_build_annotations(&self) -> bool {
        !self.prev.is_empty() || !self.prefixes.is_empty() || !self.suffixes.is_empty()
    }
}
