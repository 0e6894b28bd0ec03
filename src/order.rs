//! Kustomize's legacy output order (`internal/builtins/SortOrderTransformer.go`).
//!
//! The key is: the kind's rank (`orderFirst` kinds get −22…−1, `orderLast` kinds 1 and 2, the
//! rest 0), then the legacy GVK string `group_version_kind` (`~G`/`~V`/`~K` for empty parts),
//! then the id string `Kind.version.group|namespace|name` (`[noGrp]`/`[noVer]`/`[noKind]`,
//! `~X`/`~N`). The namespace is the one written in the object, as kustomize sees it.

use serde_json::Value;

use crate::model::{Object, get, group_of};

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

fn version_of(api_version: &str) -> &str {
    match api_version.rsplit_once('/') {
        Some((_, v)) => v,
        None => api_version,
    }
}

/// (kind rank, legacy GVK string, legacy id string).
pub type OrderKey = (i32, String, String);

/// The legacy sort key of an object (computed when it was created); sort ascending by it.
pub fn legacy_key(obj: &Object) -> OrderKey {
    obj.order.clone()
}

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
    let gvk = join(&[or(group, "~G"), "_", or(version, "~V"), "_", or(kind, "~K")]);
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

/// Sort objects in kustomize's legacy order (stable).
pub fn sort_legacy(objects: &mut [Object]) {
    objects.sort_by_cached_key(legacy_key);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ObjectId, Origin};
    use serde_json::json;

    fn obj(api_version: &str, kind: &str, ns: &str, name: &str) -> Object {
        let mut meta = serde_json::Map::new();
        meta.insert("name".into(), json!(name));
        if !ns.is_empty() {
            meta.insert("namespace".into(), json!(ns));
        }
        Object::new(
            json!({"apiVersion": api_version, "kind": kind, "metadata": meta}),
            Origin::default(),
            ObjectId {
                group: group_of(api_version).into(),
                kind: kind.into(),
                namespace: ns.into(),
                name: name.into(),
            },
        )
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
    fn sorts_a_shuffled_list_like_kustomize() {
        let mut objs = vec![
            obj("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "", "v"),
            obj("gateway.kgateway.dev/v1alpha1", "BackendConfigPolicy", "app", "b"),
            obj("apps/v1", "Deployment", "app", "d"),
            obj("v1", "Service", "app", "s2"),
            obj("v1", "Service", "app", "s1"),
            obj("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "", "m"),
            obj("gateway.kgateway.dev/v1alpha1", "Backend", "app", "be"),
            obj("v1", "ConfigMap", "", "c"),
            obj("gateway.networking.k8s.io/v1", "HTTPRoute", "app", "r"),
            obj("v1", "Namespace", "", "app"),
            obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", "crd"),
            obj("v1", "Service", "a", "s3"),
        ];
        sort_legacy(&mut objs);
        let got: Vec<String> = objs.iter().map(|o| format!("{}/{}", o.kind(), o.id.name)).collect();
        assert_eq!(
            got,
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
        let mut objs = vec![obj("v1", "Pod", "a", "p"), obj("apps/v1", "ReplicaSet", "a", "r")];
        sort_legacy(&mut objs);
        assert_eq!(objs[0].kind(), "ReplicaSet");
    }
}
