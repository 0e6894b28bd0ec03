//! The BCP field dispatch table, in kgateway's `processBackend` order (§5).

use serde_json::Value;

use super::{Cluster, FieldCtx, circuit, connection, dns, health, http, lb, outlier, proxy_protocol, tls};

pub type Applier = fn(&mut Cluster, &Value, &FieldCtx) -> Result<(), String>;

/// BCP spec fields in kgateway's processBackend order (§5), each with its applier.
pub const FIELDS: &[(&str, Applier)] = &[
    ("connectTimeout", connection::apply_connect_timeout),
    ("perConnectionBufferLimitBytes", connection::apply_per_connection_buffer_limit_bytes),
    ("tcpKeepalive", connection::apply_tcp_keepalive),
    ("commonHttpProtocolOptions", http::apply_common_http_protocol_options),
    ("http1ProtocolOptions", http::apply_http1_protocol_options),
    ("http2ProtocolOptions", http::apply_http2_protocol_options),
    ("tls", tls::apply),
    ("upstreamProxyProtocol", proxy_protocol::apply),
    ("loadBalancer", lb::apply),
    ("healthCheck", health::apply),
    ("outlierDetection", outlier::apply),
    ("circuitBreakers", circuit::apply),
    ("dns", dns::apply),
];

/// The fields a spec sets (non-null), in [`FIELDS`] order, with their appliers. Found by
/// comparing names: a spec sets few fields, and every map lookup would hash its key.
pub fn set_fields(spec: &serde_json::Map<String, Value>) -> impl Iterator<Item = (&'static str, Applier, &Value)> {
    FIELDS.iter().filter_map(move |(field, applier)| {
        let (_, value) = spec.iter().find(|(k, v)| k.as_str() == *field && !v.is_null())?;
        Some((*field, *applier, value))
    })
}

/// Translation errors as (BCP field, kgateway's message).
pub type FieldErrors = Vec<(&'static str, String)>;

/// Apply every field of a (defaulted) BCP `spec` in processBackend order, with the context
/// of the policy that provides each field, and collect every field's error.
pub fn apply_spec<'a>(
    cluster: &mut Cluster,
    spec: &serde_json::Map<String, Value>,
    ctx_for: &dyn Fn(&str) -> FieldCtx<'a>,
) -> FieldErrors {
    apply_fields(cluster, set_fields(spec), ctx_for)
}

/// [`apply_spec`] for a merged spec, whose values are borrowed from the policies.
pub fn apply_merged<'a>(
    cluster: &mut Cluster,
    spec: &crate::merge::MergedSpec,
    ctx_for: &dyn Fn(&str) -> FieldCtx<'a>,
) -> FieldErrors {
    let fields = FIELDS
        .iter()
        .filter_map(|(field, applier)| spec.get(field).filter(|v| !v.is_null()).map(|value| (*field, *applier, value)));
    apply_fields(cluster, fields, ctx_for)
}

fn apply_fields<'v, 'a>(
    cluster: &mut Cluster,
    fields: impl Iterator<Item = (&'static str, Applier, &'v Value)>,
    ctx_for: &dyn Fn(&str) -> FieldCtx<'a>,
) -> FieldErrors {
    let mut errors = Vec::new();
    for (field, applier, value) in fields {
        if let Err(e) = applier(cluster, value, &ctx_for(field)) {
            errors.push((field, e));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envoy::testutil::{TestCtx, eds_cluster};
    use serde_json::json;

    #[test]
    fn fields_have_process_backend_order() {
        let names: Vec<&str> = FIELDS.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "connectTimeout",
                "perConnectionBufferLimitBytes",
                "tcpKeepalive",
                "commonHttpProtocolOptions",
                "http1ProtocolOptions",
                "http2ProtocolOptions",
                "tls",
                "upstreamProxyProtocol",
                "loadBalancer",
                "healthCheck",
                "outlierDetection",
                "circuitBreakers",
                "dns",
            ]
        );
    }

    #[test]
    fn merge_multiple_bcp_golden_result() {
        // merged: connectTimeout 5s + upstreamProxyProtocol V2 (older) + circuitBreakers (newer)
        let t = TestCtx::default();
        let mut c = eds_cluster("kube_default_httpbin_8080");
        let spec = json!({"connectTimeout": "5s", "upstreamProxyProtocol": {"version": "V2"},
            "circuitBreakers": {"maxConnections": 100}});
        assert!(apply_spec(&mut c, spec.as_object().unwrap(), &|_| t.ctx()).is_empty());
        assert_eq!(c["connect_timeout"], json!("5s"));
        assert_eq!(c["transport_socket"]["typed_config"]["config"], json!({"version": "V2"}));
        assert_eq!(c["circuit_breakers"], json!({"thresholds": [{"max_connections": 100}]}));
    }

    #[test]
    fn a_merged_spec_applies_like_the_spec_it_stands_for() {
        let t = TestCtx::default();
        let older =
            json!({"connectTimeout": "5s", "dns": {"refreshRate": "10s"}, "tcpKeepalive": {"keepAliveProbes": 3}});
        let newer = json!({"connectTimeout": "9s", "dns": {"jitter": "1s"}, "circuitBreakers": {"maxConnections": 7}});
        let (merged, _) = crate::merge::merge(&[&older, &newer], crate::profile::MergeMode::OldestWins);
        let mut a = eds_cluster("a");
        let mut b = eds_cluster("a");
        assert_eq!(apply_merged(&mut a, &merged, &|_| t.ctx()), apply_spec(&mut b, &merged.to_map(), &|_| t.ctx()));
        assert_eq!(a, b);
        assert_eq!(a["connect_timeout"], json!("5s"));
        assert_eq!(a["circuit_breakers"], json!({"thresholds": [{"max_connections": 7}]}));
    }
}
