//! The TLS transport socket of a Gateway API BackendTLSPolicy (attachment chose which one
//! applies to a backend): SNI and SANs from its hostname, and the system CAs or its first CA
//! reference's certificates, re-encoded as kgateway re-encodes them.

use serde_json::{Value, json};

use crate::core::object::Object;
use crate::core::release::Profile;
use crate::pipeline::fields::ctx::Store;
use crate::pipeline::fields::pem;

const TLS_CONTEXT_TYPE: &str = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

/// The `envoy.transport_sockets.tls` socket a BackendTLSPolicy gives, or why kgateway
/// cannot build it (the cluster is then its blackhole).
pub fn socket(policy: &Object, store: &dyn Store, profile: &Profile) -> Result<Value, String> {
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
        // Only the first reference counts.
        let Some(r) = validation.get("caCertificateRefs").and_then(Value::as_array).and_then(|r| r.first()) else {
            return Err("invalid validation spec: it needs caCertificateRefs or wellKnownCACertificates: System".into());
        };
        let ca = ca_certificate(policy, r, store, profile)?;
        let mut vc = json!({"trusted_ca": {"inline_string": ca}});
        if !sans.is_empty() {
            vc["match_typed_subject_alt_names"] = json!(sans);
        }
        json!({"tls_params": {}, "validation_context": vc})
    };
    let mut ctx = json!({"@type": TLS_CONTEXT_TYPE, "common_tls_context": common});
    if !hostname.is_empty() {
        ctx["sni"] = json!(hostname);
    }
    Ok(json!({"name": "envoy.transport_sockets.tls", "typed_config": ctx}))
}

/// The CA a reference names, as kgateway re-encodes it: a ConfigMap's `ca.crt`, or (2.2+) a
/// Secret's; in 2.1 every reference is looked up as a ConfigMap.
fn ca_certificate(policy: &Object, r: &Value, store: &dyn Store, profile: &Profile) -> Result<String, String> {
    let ns = &policy.id.namespace;
    let name = r.get("name").and_then(Value::as_str).unwrap_or("");
    let kind = match r.get("kind").and_then(Value::as_str).unwrap_or("") {
        _ if !profile.backend_tls_secret_ca => "ConfigMap",
        "" => "ConfigMap",
        k => k,
    };
    let data = match kind {
        "ConfigMap" => store.config_map(ns, name).ok_or_else(|| format!("ConfigMap {ns}/{name} not found"))?,
        "Secret" => store.secret(ns, name).ok_or_else(|| format!("Secret {ns}/{name} not found"))?,
        other => return Err(format!("unsupported certificate reference kind {other:?}")),
    };
    let ca = data
        .get("ca.crt")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| format!("{kind} {ns}/{name}: ca.crt key missing"))?;
    pem::clean_certificates(ca).map_err(|e| format!("invalid ca.crt in {kind} {ns}/{name}: {e}"))
}
