//! kgateway's CEL rules (`x-kubernetes-validations`) for BackendConfigPolicy, as Rust.

use serde_json::Value;

use crate::diag::Diagnostic;
use crate::profile::Release;

const TARGET_KINDS_HINT: &str = "use group \"\" with kind Service, group gateway.kgateway.dev with kind Backend, or group networking.istio.io with kind Hostname";

fn valid_target(group: &str, kind: &str) -> bool {
    matches!((group, kind), ("", "Service") | ("gateway.kgateway.dev", "Backend") | ("networking.istio.io", "Hostname"))
}

/// A hint for a target kind/group pair that the CRD rejects.
fn target_hint(group: &str, kind: &str) -> String {
    if kind == "Service" && group != "" {
        // The kgateway docs' selector example writes group networking.istio.io with kind Service.
        return format!("a Kubernetes Service has group \"\" (the core group), not {group:?}: write group: \"\"");
    }
    TARGET_KINDS_HINT.to_string()
}

/// Findings as (pointer below `spec`, diagnostic).
pub fn backend_config_policy(spec: &Value, _release: Release) -> Vec<(String, Diagnostic)> {
    let mut out = Vec::new();
    for (list, msg) in [
        ("targetRefs", "TargetRefs must reference either a Kubernetes Service, a Backend, or an Istio Hostname"),
        (
            "targetSelectors",
            "TargetSelectors must reference either a Kubernetes Service, a Backend, or an Istio Hostname",
        ),
    ] {
        for (i, r) in spec.get(list).and_then(Value::as_array).into_iter().flatten().enumerate() {
            let group = r.get("group").and_then(Value::as_str).unwrap_or("");
            let kind = r.get("kind").and_then(Value::as_str).unwrap_or("");
            if !valid_target(group, kind) {
                out.push((
                    format!("/{list}/{i}/group"),
                    Diagnostic::error(format!("{msg} (got group {group:?}, kind {kind:?})"))
                        .hint(target_hint(group, kind)),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_docs_selector_example_is_refused_with_a_core_group_hint() {
        let spec = json!({"targetSelectors": [{"group": "networking.istio.io", "kind": "Service", "matchLabels": {"app": "x"}}]});
        let f = backend_config_policy(&spec, Release::V2_4);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "/targetSelectors/0/group");
        assert!(f[0].1.to_string().contains("write group: \"\""), "{}", f[0].1);
    }

    #[test]
    fn valid_targets_pass() {
        let spec = json!({"targetRefs": [{"group": "", "kind": "Service", "name": "a"}, {"group": "gateway.kgateway.dev", "kind": "Backend", "name": "b"}, {"group": "networking.istio.io", "kind": "Hostname", "name": "c"}]});
        assert!(backend_config_policy(&spec, Release::V2_4).is_empty());
    }
}
