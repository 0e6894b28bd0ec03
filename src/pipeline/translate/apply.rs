//! Applying a spec's fields to a cluster, in registry (`processBackend`) order.

use serde_json::{Map, Value};

use crate::pipeline::fields::ctx::{Cluster, FieldCtx};
use crate::pipeline::fields::{FIELDS, Field};
use crate::pipeline::merge::MergedSpec;

/// The fields a spec sets (non-null), in registry order, with their values. Found by
/// comparing names: a spec sets few fields, and every map lookup would hash its key.
pub fn set_fields(spec: &Map<String, Value>) -> impl Iterator<Item = (&'static Field, &Value)> {
    FIELDS.iter().filter_map(move |field| {
        let (_, value) = spec.iter().find(|(k, v)| k.as_str() == field.name && !v.is_null())?;
        Some((field, value))
    })
}

/// Translation errors as (BCP field, kgateway's message).
pub type FieldErrors = Vec<(&'static Field, String)>;

/// Apply every field of a (defaulted) BCP `spec`, with the context of the policy that
/// provides each field, and collect every field's error.
pub fn apply_spec<'a>(
    cluster: &mut Cluster,
    spec: &Map<String, Value>,
    ctx_for: &dyn Fn(&Field) -> FieldCtx<'a>,
) -> FieldErrors {
    apply_fields(cluster, set_fields(spec), ctx_for)
}

/// [`apply_spec`] for a merged spec, whose values are borrowed from the policies.
pub fn apply_merged<'a>(
    cluster: &mut Cluster,
    spec: &MergedSpec,
    ctx_for: &dyn Fn(&Field) -> FieldCtx<'a>,
) -> FieldErrors {
    let fields = FIELDS.iter().filter_map(|field| spec.get(field).filter(|v| !v.is_null()).map(|value| (field, value)));
    apply_fields(cluster, fields, ctx_for)
}

fn apply_fields<'v, 'a>(
    cluster: &mut Cluster,
    fields: impl Iterator<Item = (&'static Field, &'v Value)>,
    ctx_for: &dyn Fn(&Field) -> FieldCtx<'a>,
) -> FieldErrors {
    let mut errors = Vec::new();
    for (field, value) in fields {
        if let Err(e) = (field.translate)(cluster, value, &ctx_for(field)) {
            errors.push((field, e));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::fields::testutil::{TestCtx, eds_cluster};
    use serde_json::json;

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
        let (merged, _) = crate::pipeline::merge::merge(&[&older, &newer], crate::core::release::MergeMode::OldestWins);
        let mut a = eds_cluster("a");
        let mut b = eds_cluster("a");
        let names = |e: FieldErrors| e.into_iter().map(|(f, m)| (f.name, m)).collect::<Vec<_>>();
        assert_eq!(
            names(apply_merged(&mut a, &merged, &|_| t.ctx())),
            names(apply_spec(&mut b, &merged.to_map(), &|_| t.ctx()))
        );
        assert_eq!(a, b);
        assert_eq!(a["connect_timeout"], json!("5s"));
        assert_eq!(a["circuit_breakers"], json!({"thresholds": [{"max_connections": 7}]}));
    }
}
