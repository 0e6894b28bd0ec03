//! Kustomize's legacy output order (`internal/builtins/SortOrderTransformer.go`).
//!
//! The key is: the kind's rank (`orderFirst` kinds get −22…−1, `orderLast` kinds 1 and 2, the
//! rest 0), then the legacy GVK string `group_version_kind` (`~G`/`~V`/`~K` for empty parts),
//! then the id string `Kind.version.group|namespace|name` (`[noGrp]`/`[noVer]`/`[noKind]`,
//! `~X`/`~N`). The namespace is the one written in the object, as kustomize sees it. Two
//! Namespace kinds compare in reverse when either is in the core group.

use serde_json::Value;

use crate::core::kind::{group_of, version_of};
use crate::core::value::get;

const ORDER_FIRST: [&str; 22] = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

const ORDER_LAST: [&str; 2] = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

/// Rank of a kind: negative for `orderFirst`, positive for `orderLast`, else 0.
pub fn kind_rank(kind: &str) -> i32 {
    if let Some(i) = ORDER_FIRST.iter().position(|k| *k == kind) {
        return i as i32 - ORDER_FIRST.len() as i32;
    }
    if let Some(i) = ORDER_LAST.iter().position(|k| *k == kind) {
        return i as i32 + 1;
    }
    0
}

fn or<'a>(s: &'a str, empty: &'a str) -> &'a str {
    if s.is_empty() { empty } else { s }
}

/// A character that sorts in the reverse order of `c` (among the ASCII ones legacy strings use).
fn inverted(c: char) -> char {
    char::from_u32(0x10_FFFF - u32::from(c).min(0x7F)).unwrap_or(c)
}

/// (kind rank, legacy GVK string, legacy id string).
pub type OrderKey = (i32, String, String);

/// The legacy sort key of a document of kind `kind`.
pub fn key_of(value: &Value, kind: &str) -> OrderKey {
    let api_version = get(value, "apiVersion").and_then(Value::as_str).unwrap_or("");
    let group = group_of(api_version);
    let version = version_of(api_version);
    let meta = get(value, "metadata");
    let field = |key: &str| meta.and_then(|m| get(m, key)).and_then(Value::as_str).unwrap_or("");
    let (namespace, name) = (field("namespace"), field("name"));
    // Built by appending: this runs for every object of the output.
    let join = |parts: &[&str]| {
        let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        parts.iter().for_each(|p| s.push_str(p));
        s
    };
    let mut gvk = join(&[or(group, "~G"), "_", or(version, "~V"), "_", or(kind, "~K")]);
    if kind == "Namespace" && group.is_empty() {
        // kustomize compares two Namespace kinds in reverse when either is the core group's:
        // core Namespaces first, and among them the reverse order.
        gvk = std::iter::once('\0').chain(gvk.chars().map(inverted)).collect();
    }
    let id = join(&[
        or(kind, "[noKind]"),
        ".",
        or(version, "[noVer]"),
        ".",
        or(group, "[noGrp]"),
        "|",
        or(namespace, "~X"),
        "|",
        or(name, "~N"),
    ]);
    (kind_rank(kind), gvk, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A document of this identity, with its legacy key.
    fn doc(api_version: &str, kind: &str, ns: &str, name: &str) -> (OrderKey, String) {
        let mut meta = serde_json::Map::new();
        meta.insert("name".into(), json!(name));
        if !ns.is_empty() {
            meta.insert("namespace".into(), json!(ns));
        }
        let v = json!({"apiVersion": api_version, "kind": kind, "metadata": meta});
        (key_of(&v, kind), format!("{kind}/{name}"))
    }

    /// Sort as the output does: by key, stable.
    fn sorted(mut docs: Vec<(OrderKey, String)>) -> Vec<String> {
        docs.sort_by(|a, b| a.0.cmp(&b.0));
        docs.into_iter().map(|(_, name)| name).collect()
    }

    #[test]
    fn ranks() {
        assert_eq!(kind_rank("Namespace"), -22);
        assert_eq!(kind_rank("PodDisruptionBudget"), -1);
        assert_eq!(kind_rank("BackendConfigPolicy"), 0);
        assert_eq!(kind_rank("MutatingWebhookConfiguration"), 1);
        assert_eq!(kind_rank("ValidatingWebhookConfiguration"), 2);
    }

    #[test]
    fn core_namespaces_sort_before_other_groups_namespaces() {
        let docs = vec![
            doc("b.example.com/v1", "Namespace", "", "b"),
            doc("a.example.com/v1", "Namespace", "", "a"),
            doc("v1", "Namespace", "", "z"),
            doc("v1", "Namespace", "", "y"),
        ];
        assert_eq!(sorted(docs), vec!["Namespace/y", "Namespace/z", "Namespace/a", "Namespace/b"]);
    }

    #[test]
    fn sorts_a_shuffled_list_like_kustomize() {
        let docs = vec![
            doc("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "", "v"),
            doc("gateway.kgateway.dev/v1alpha1", "BackendConfigPolicy", "app", "b"),
            doc("apps/v1", "Deployment", "app", "d"),
            doc("v1", "Service", "app", "s2"),
            doc("v1", "Service", "app", "s1"),
            doc("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "", "m"),
            doc("gateway.kgateway.dev/v1alpha1", "Backend", "app", "be"),
            doc("v1", "ConfigMap", "", "c"),
            doc("gateway.networking.k8s.io/v1", "HTTPRoute", "app", "r"),
            doc("v1", "Namespace", "", "app"),
            doc("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", "crd"),
            doc("v1", "Service", "a", "s3"),
        ];
        assert_eq!(
            sorted(docs),
            vec![
                "Namespace/app",
                "CustomResourceDefinition/crd",
                "ConfigMap/c",
                // "app|" sorts before "a|" because '|' is after the letters, as in kustomize.
                "Service/s1",
                "Service/s2",
                "Service/s3",
                "Deployment/d",
                "Backend/be",
                "BackendConfigPolicy/b",
                "HTTPRoute/r",
                "MutatingWebhookConfiguration/m",
                "ValidatingWebhookConfiguration/v",
            ]
        );
    }

    #[test]
    fn empty_group_sorts_after_named_groups_for_same_rank() {
        // "~G" is after any letter, as in kustomize.
        let docs = vec![doc("v1", "Pod", "a", "p"), doc("apps/v1", "ReplicaSet", "a", "r")];
        assert_eq!(sorted(docs)[0], "ReplicaSet/r");
    }
}
