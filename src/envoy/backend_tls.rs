//! Gateway API BackendTLSPolicy: which one applies to a backend, and its TLS socket.
//!
//! kgateway 2.4+ gives it precedence over a BackendConfigPolicy's `tls` (§8.3 of the
//! reference): the oldest valid policy wins, and a port-specific one (`sectionName`) beats a
//! service-wide one.

use serde_json::{Value, json};

use crate::attach::{PolicyRef, merge_order, parse_timestamp};
use crate::backends::{Backend, BackendKind};
use crate::model::{GATEWAY_API_GROUP, KGATEWAY_GROUP, Object};
use crate::secrets::Store;

const TLS_CONTEXT_TYPE: &str = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

/// The BackendTLSPolicies of the input, in kgateway's winner order.
pub fn policies(objects: &[Object]) -> Vec<PolicyRef> {
    let mut out: Vec<PolicyRef> = objects
        .iter()
        .enumerate()
        .filter(|(_, o)| o.id.group == GATEWAY_API_GROUP && o.id.kind == "BackendTLSPolicy")
        .map(|(i, o)| PolicyRef {
            object: i,
            id: o.id.clone(),
            created: o.creation_timestamp().and_then(parse_timestamp),
        })
        .collect();
    out.sort_by(merge_order);
    out
}

/// The BackendTLSPolicy that applies to `b`, if any, with the other matching ones (which lose).
pub fn select<'a>(
    b: &Backend,
    btps: &'a [PolicyRef],
    objects: &[Object],
) -> Option<(&'a PolicyRef, Vec<&'a PolicyRef>)> {
    let (group, kind) = match b.kind {
        BackendKind::Service => ("", "Service"),
        BackendKind::KgwBackend => (KGATEWAY_GROUP, "Backend"),
        _ => return None,
    };
    let port_name = b.port_name.as_deref();
    let mut port_specific = Vec::new();
    let mut service_wide = Vec::new();
    for p in btps.iter().filter(|p| p.id.namespace == b.namespace) {
        let refs = objects[p.object].spec().and_then(|s| s.get("targetRefs")).and_then(Value::as_array);
        for r in refs.into_iter().flatten() {
            let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("");
            if s("group") != group || s("kind") != kind || s("name") != b.target.name {
                continue;
            }
            match r.get("sectionName").and_then(Value::as_str) {
                None | Some("") => service_wide.push(p),
                Some(section) if Some(section) == port_name => port_specific.push(p),
                Some(_) => {}
            }
        }
    }
    let mut all = if port_specific.is_empty() { service_wide } else { port_specific };
    all.dedup_by(|a, b| a.object == b.object);
    let winner = *all.first()?;
    Some((winner, all.into_iter().skip(1).collect()))
}

/// The `envoy.transport_sockets.tls` socket a BackendTLSPolicy gives.
pub fn socket(policy: &Object, store: &Store) -> Result<Value, String> {
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
