//! kgateway's strict validation mode (`KGW_VALIDATION_MODE=STRICT`). Each BackendConfigPolicy
//! is first applied alone to a validation cluster and checked by Envoy: a rejection is a
//! policy error, so every backend it attaches to gets the blackhole. Each finished cluster is
//! checked as well (see `translate`).

use serde_json::{Map, Value, json};

use super::apply::{FieldErrors, apply_spec};
use crate::core::release::{DnsClusterStyle, Profile};
use crate::pipeline::fields::FIELDS;
use crate::pipeline::fields::ctx::{Cluster, FieldCtx};
use crate::pipeline::nack;

/// The policy's errors under strict validation: what Envoy rejects once the policy alone is
/// applied to kgateway's validation cluster (a STATIC cluster for Service `test/test-backend`
/// port 80, which speaks HTTP/1).
pub fn policy_errors(spec: &Map<String, Value>, ctx: &FieldCtx) -> FieldErrors {
    let mut cluster = validation_cluster(spec, ctx.profile);
    // Translation errors are reported as such; only what Envoy rejects is added here.
    let _ = apply_spec(&mut cluster, spec, &|_| *ctx);
    nack::predict(&cluster)
        .into_iter()
        .filter_map(|n| {
            let top = n.source.map(|s| s.split('.').next().unwrap_or(s));
            let field = FIELDS.iter().find(|f| Some(f.name) == top && spec.contains_key(f.name))?;
            let message = format!(
                "kgateway's strict validation rejects the policy: on its validation cluster Envoy rejects {}: {} ({})",
                n.envoy, n.reason, n.fix
            );
            Some((field, message))
        })
        .collect()
}

/// kgateway's `validateXDS` cluster: STATIC with a 5s connect timeout, or a DNS cluster when
/// the policy sets what only a DNS cluster takes.
fn validation_cluster(spec: &Map<String, Value>, profile: &Profile) -> Cluster {
    let mut c = Map::new();
    c.insert("name".into(), json!("test-cluster-for-validation"));
    c.insert("type".into(), json!("STATIC"));
    c.insert("connect_timeout".into(), json!("5s"));
    let lb = spec.get("loadBalancer");
    let hashing = ["ringHash", "maglev"]
        .iter()
        .any(|k| lb.and_then(|l| l.get(*k)).and_then(|h| h.get("useHostnameForHashing")) == Some(&json!(true)));
    match profile.dns_cluster_style {
        DnsClusterStyle::StrictDns => {
            if hashing {
                c.insert("type".into(), json!("STRICT_DNS"));
            }
        }
        DnsClusterStyle::DnsClusterExtension => {
            let dns = spec.get("dns").and_then(Value::as_object);
            let dns_fields =
                dns.is_some_and(|d| ["refreshRate", "jitter", "respectTTL"].iter().any(|k| d.contains_key(*k)));
            if hashing || dns_fields {
                c.remove("type");
                c.insert(
                    "cluster_type".into(),
                    json!({"name": "envoy.clusters.dns", "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.clusters.dns.v3.DnsCluster"}}),
                );
            }
        }
    }
    c
}
