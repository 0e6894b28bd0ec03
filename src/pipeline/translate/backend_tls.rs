//! The TLS transport socket of a Gateway API BackendTLSPolicy (attachment chose which one
//! applies to a backend).

use serde_json::{Value, json};

use crate::core::object::Object;
use crate::pipeline::fields::ctx::Store;

const TLS_CONTEXT_TYPE: &str = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

/// The `envoy.transport_sockets.tls` socket a BackendTLSPolicy gives.
pub fn socket(policy: &Object, store: &dyn Store) -> Result<Value, String> {
    let validation = policy.spec().and_then(|s| s.get("validation")).cloned().unwrap_or(Value::Null);
    let hostname = validation.get("hostname").and_then(Value::as_str).unwrap_or("");
    let mut sans: Vec<Value> = validation
        .get("subjectAltNames")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|san| match san.get("type").and_then(Value::as_str) {
            Some("URI") => Some(json!({"san_type": "URI", "matcher": {"exact": san.get("uri")?.as_str()?}})),
            _ => Some(json!({"san_type": "DNS", "matcher": {"exact": san.get("hostname")?.as_str()?}})),
        })
        .collect();
    if sans.is_empty() && !hostname.is_empty() {
        sans.push(json!({"san_type": "DNS", "matcher": {"exact": hostname}}));
    }
    let common = if validation.get("wellKnownCACertificates").and_then(Value::as_str) == Some("System") {
        json!({"combined_validation_context": {
            "default_validation_context": {"match_typed_subject_alt_names": sans},
            "validation_context_sds_secret_config": {"name": "SYSTEM_CA_CERT"}
        }})
    } else {
        let mut cas = Vec::new();
        for r in validation.get("caCertificateRefs").and_then(Value::as_array).into_iter().flatten() {
            let name = r.get("name").and_then(Value::as_str).unwrap_or("");
            let kind = r.get("kind").and_then(Value::as_str).unwrap_or("");
            if kind != "ConfigMap" {
                return Err(format!("caCertificateRefs kind {kind:?} is not supported (use a ConfigMap)"));
            }
            let cm = store
                .config_map(&policy.id.namespace, name)
                .ok_or_else(|| format!("ConfigMap {}/{name} not found", policy.id.namespace))?;
            let ca = cm
                .get("ca.crt")
                .ok_or_else(|| format!("ConfigMap {}/{name} has no ca.crt key", policy.id.namespace))?;
            cas.push(ca.clone());
        }
        if cas.is_empty() {
            return Err("validation needs caCertificateRefs or wellKnownCACertificates: System".into());
        }
        let mut vc = json!({"trusted_ca": {"inline_string": cas.join("")}});
        if !sans.is_empty() {
            vc["match_typed_subject_alt_names"] = json!(sans);
        }
        json!({"validation_context": vc})
    };
    let mut ctx = json!({"@type": TLS_CONTEXT_TYPE, "common_tls_context": common});
    if !hostname.is_empty() {
        ctx["sni"] = json!(hostname);
    }
    Ok(json!({"name": "envoy.transport_sockets.tls", "typed_config": ctx}))
}
