//! DNS settings (§6.9): only for `envoy.clusters.dns` clusters, inside their `DnsCluster`.

use serde_json::Value;

use super::ctx::{Cluster, FieldCtx};
use super::value::{obj, opt_bool, opt_proto_duration};
use crate::core::kind::AppProtocol;

pub const DNS_CLUSTER: &str = "envoy.clusters.dns";

/// True when `dns` applies to this cluster; when false kgateway ignores it silently (the
/// caller may warn).
pub fn dns_applies(cluster: &Cluster) -> bool {
    cluster.get("cluster_type").is_some_and(|ct| {
        ct.get("name").and_then(Value::as_str) == Some(DNS_CLUSTER)
            && ct.get("typed_config").is_some_and(Value::is_object)
    })
}

/// Why `dns` has no effect on this cluster, if it has none.
pub fn ignored(_: &Value, cluster: &Cluster, _: AppProtocol) -> Option<String> {
    (!dns_applies(cluster))
        .then(|| "dns applies only to DNS clusters (static Backends with hostnames, DNS ServiceEntries)".into())
}

pub fn apply(cluster: &mut Cluster, v: &Value, _ctx: &FieldCtx) -> Result<(), String> {
    const P: &str = "dns";
    let m = obj(v, P)?;
    let refresh = opt_proto_duration(m, "refreshRate", P)?;
    let jitter = opt_proto_duration(m, "jitter", P)?;
    let ttl = opt_bool(m, "respectTTL", P)?;
    if !dns_applies(cluster) {
        return Ok(());
    }
    let Some(dc) =
        cluster.get_mut("cluster_type").and_then(|ct| ct.get_mut("typed_config")).and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    if let Some(r) = refresh {
        dc.insert("dns_refresh_rate".into(), r);
    }
    if let Some(j) = jitter {
        dc.insert("dns_jitter".into(), j);
    }
    match ttl {
        Some(true) => {
            dc.insert("respect_dns_ttl".into(), Value::Bool(true));
        }
        Some(false) => {
            dc.remove("respect_dns_ttl");
        }
        None => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::fields::testutil::{TestCtx, dns_cluster, eds_cluster};
    use serde_json::json;

    #[test]
    fn matches_dns_golden() {
        let t = TestCtx::default();
        let mut c = dns_cluster("backend_default_example-backend_0", "example.com", 8080);
        assert!(dns_applies(&c));
        apply(&mut c, &json!({"refreshRate": "60s", "jitter": "15s", "respectTTL": true}), &t.ctx()).unwrap();
        assert_eq!(
            c["cluster_type"],
            json!({"name": "envoy.clusters.dns", "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.clusters.dns.v3.DnsCluster",
                "dns_jitter": "15s", "dns_lookup_family": "V4_PREFERRED", "dns_refresh_rate": "60s", "respect_dns_ttl": true}})
        );
        apply(&mut c, &json!({"respectTTL": false}), &t.ctx()).unwrap();
        assert!(c["cluster_type"]["typed_config"].get("respect_dns_ttl").is_none());
    }

    #[test]
    fn ignored_on_other_clusters() {
        let t = TestCtx::default();
        let mut c = eds_cluster("kube_default_httpbin_8080");
        assert!(!dns_applies(&c));
        apply(&mut c, &json!({"refreshRate": "60s"}), &t.ctx()).unwrap();
        assert_eq!(c, eds_cluster("kube_default_httpbin_8080"));
        assert!(apply(&mut c, &json!({"jitter": 1}), &t.ctx()).unwrap_err().contains("dns.jitter"));
    }
}
