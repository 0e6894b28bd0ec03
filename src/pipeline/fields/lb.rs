//! Load balancer (§6.3): `common_lb_config` and the typed `load_balancing_policy`.

use serde_json::{Value, json};

use super::ctx::{Cluster, FieldCtx};
use super::dns::DNS_CLUSTER;
use super::value::{
    Obj, any, double, member, obj, opt_bool, opt_obj, opt_proto_duration, opt_str, opt_u32, opt_u64, put, put_true,
};
use crate::core::kind::AppProtocol;

const P: &str = "loadBalancer";

pub fn apply(cluster: &mut Cluster, v: &Value, ctx: &FieldCtx) -> Result<(), String> {
    let lb = obj(v, P)?;
    let mut common = Obj::new();
    if let Some(h) = opt_u32(lb, "healthyPanicThreshold", P)? {
        common.insert("healthy_panic_threshold".into(), json!({"value": h}));
    }
    put(&mut common, "update_merge_window", opt_proto_duration(lb, "updateMergeWindow", P)?);
    put_true(&mut common, "close_connections_on_host_set_change", opt_bool(lb, "closeConnectionsOnHostSetChange", P)?);
    let weighted = opt_str(lb, "localityType", P)?.is_some();

    let policy = if let Some(lr) = opt_obj(lb, "leastRequest", P)? {
        const LR: &str = "loadBalancer.leastRequest";
        let mut m = Obj::new();
        m.insert("choice_count".into(), json!(opt_u32(lr, "choiceCount", LR)?.unwrap_or(2)));
        put(&mut m, "slow_start_config", slow_start(lr, LR, ctx)?);
        put(&mut m, "locality_lb_config", typed_locality(lb, ctx)?);
        Some(("least_request", "least_request.v3.LeastRequest", m))
    } else if let Some(rr) = opt_obj(lb, "roundRobin", P)? {
        let mut m = Obj::new();
        put(&mut m, "slow_start_config", slow_start(rr, "loadBalancer.roundRobin", ctx)?);
        put(&mut m, "locality_lb_config", typed_locality(lb, ctx)?);
        Some(("round_robin", "round_robin.v3.RoundRobin", m))
    } else if let Some(rh) = opt_obj(lb, "ringHash", P)? {
        const RH: &str = "loadBalancer.ringHash";
        let mut m = Obj::new();
        put(&mut m, "minimum_ring_size", opt_u64(rh, "minimumRingSize", RH)?.map(|n| n.to_string()));
        put(&mut m, "maximum_ring_size", opt_u64(rh, "maximumRingSize", RH)?.map(|n| n.to_string()));
        put(&mut m, "consistent_hashing_lb_config", consistent_hashing(rh, RH, cluster)?);
        if weighted {
            m.insert("locality_weighted_lb_config".into(), json!({}));
        }
        Some(("ring_hash", "ring_hash.v3.RingHash", m))
    } else if let Some(mg) = opt_obj(lb, "maglev", P)? {
        let mut m = Obj::new();
        put(&mut m, "consistent_hashing_lb_config", consistent_hashing(mg, "loadBalancer.maglev", cluster)?);
        if weighted {
            m.insert("locality_weighted_lb_config".into(), json!({}));
        }
        Some(("maglev", "maglev.v3.Maglev", m))
    } else if opt_obj(lb, "random", P)?.is_some() {
        let mut m = Obj::new();
        put(&mut m, "locality_lb_config", typed_locality(lb, ctx)?);
        Some(("random", "random.v3.Random", m))
    } else {
        None
    };

    cluster.insert("common_lb_config".into(), Value::Object(common));
    if let Some((short, msg, fields)) = policy {
        let typed = any(&format!("envoy.extensions.load_balancing_policies.{msg}"), fields);
        cluster.insert(
            "load_balancing_policy".into(),
            json!({"policies": [{"typed_extension_config": {
                "name": format!("envoy.load_balancing_policies.{short}"),
                "typed_config": typed,
            }}]}),
        );
    }
    Ok(())
}

/// `locality_lb_config` of least_request / round_robin / random.
fn typed_locality(lb: &Obj, ctx: &FieldCtx) -> Result<Option<Value>, String> {
    let zone = match opt_obj(lb, "zoneAware", P)? {
        Some(za) => opt_obj(za, "preferLocal", "loadBalancer.zoneAware")?,
        None => None,
    };
    if let Some(pl) = zone {
        const Z: &str = "loadBalancer.zoneAware.preferLocal";
        let mut z = Obj::new();
        z.insert("routing_enabled".into(), json!({"value": opt_u32(pl, "routingEnabled", Z)?.unwrap_or(100)}));
        z.insert("min_cluster_size".into(), json!(opt_u64(pl, "minEndpointsThreshold", Z)?.unwrap_or(6).to_string()));
        if let Some(force) = opt_obj(pl, "force", Z)? {
            let min = opt_u32(force, "minEndpointsInZoneThreshold", "loadBalancer.zoneAware.preferLocal.force")?;
            z.insert("force_local_zone".into(), json!({"min_size": min.unwrap_or(1)}));
        }
        return Ok(Some(json!({"zone_aware_lb_config": z})));
    }
    let weighted = opt_str(lb, "localityType", P)?.is_some();
    if weighted || ctx.profile.typed_lb_always_locality {
        Ok(Some(json!({"locality_weighted_lb_config": {}})))
    } else {
        Ok(None)
    }
}

/// `slow_start_config`; dropped entirely when `aggression` does not parse as a float.
fn slow_start(parent: &Obj, path: &str, ctx: &FieldCtx) -> Result<Option<Value>, String> {
    let p = format!("{path}.slowStart");
    let Some(ss) = opt_obj(parent, "slowStart", path)? else {
        return Ok(None);
    };
    let mut m = Obj::new();
    put(&mut m, "slow_start_window", opt_proto_duration(ss, "window", &p)?);
    if let Some(a) = opt_str(ss, "aggression", &p)? {
        let Some(f) = parse_go_float(a) else {
            return Ok(None);
        };
        m.insert(
            "aggression".into(),
            json!({"default_value": double(f),
                "runtime_key": format!("{}.{}.slowStart.aggression", ctx.policy.name, ctx.policy.namespace)}),
        );
    }
    if let Some(w) = opt_u32(ss, "minWeightPercent", &p)? {
        m.insert("min_weight_percent".into(), json!({"value": w}));
    }
    Ok(Some(Value::Object(m)))
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal input (Rust's grammar matches it, including
/// `inf`/`nan`; an out-of-range value is an error in Go, so it is `None` here too).
fn parse_go_float(s: &str) -> Option<f64> {
    let f = s.parse::<f64>().ok()?;
    let body = s.trim_start_matches(['+', '-']).to_ascii_lowercase();
    if f.is_infinite() && body != "inf" && body != "infinity" {
        return None;
    }
    Some(f)
}

/// Why part of `loadBalancer` has no effect on this cluster, if so: kgateway turns
/// `useHostnameForHashing` off where the cluster cannot hash by hostname.
pub fn ignored(value: &Value, cluster: &Cluster, _: AppProtocol) -> Option<String> {
    let hashing = ["ringHash", "maglev"].iter().find_map(|k| value.get(*k)?.get("useHostnameForHashing")?.as_bool());
    (hashing == Some(true) && !use_hostname_allowed(cluster))
        .then(|| "useHostnameForHashing needs a DNS cluster; kgateway turns it off here".into())
}

/// True when `useHostnameForHashing` survives on this cluster: `STRICT_DNS`, or an
/// `envoy.clusters.dns` cluster whose `DnsCluster` is not `all_addresses_in_single_endpoint`.
pub fn use_hostname_allowed(cluster: &Cluster) -> bool {
    if cluster.get("type").and_then(Value::as_str) == Some("STRICT_DNS") {
        return true;
    }
    let Some(ct) = cluster.get("cluster_type") else {
        return false;
    };
    ct.get("name").and_then(Value::as_str) == Some(DNS_CLUSTER)
        && ct.get("typed_config").and_then(|t| t.get("all_addresses_in_single_endpoint")) != Some(&Value::Bool(true))
}

fn consistent_hashing(m: &Obj, path: &str, cluster: &Cluster) -> Result<Option<Value>, String> {
    let use_host = opt_bool(m, "useHostnameForHashing", path)?;
    let policies = match member(m, "hashPolicies") {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, hp)| hash_policy(hp, &format!("{path}.hashPolicies[{i}]")))
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => return Err(format!("{path}.hashPolicies: expected a list, got {other}")),
    };
    if use_host.is_none() && policies.is_empty() {
        return Ok(None);
    }
    let mut c = Obj::new();
    if use_host == Some(true) && use_hostname_allowed(cluster) {
        c.insert("use_hostname_for_hashing".into(), Value::Bool(true));
    }
    if !policies.is_empty() {
        c.insert("hash_policy".into(), Value::Array(policies));
    }
    Ok(Some(Value::Object(c)))
}

fn hash_policy(v: &Value, path: &str) -> Result<Value, String> {
    let hp = obj(v, path)?;
    let mut out = Obj::new();
    if let Some(h) = opt_obj(hp, "header", path)? {
        let name = opt_str(h, "name", &format!("{path}.header"))?.unwrap_or("");
        let mut h = Obj::new();
        if !name.is_empty() {
            h.insert("header_name".into(), json!(name));
        }
        out.insert("header".into(), Value::Object(h));
    } else if let Some(c) = opt_obj(hp, "cookie", path)? {
        let cp = format!("{path}.cookie");
        let mut cookie = Obj::new();
        let name = opt_str(c, "name", &cp)?.unwrap_or("");
        if !name.is_empty() {
            cookie.insert("name".into(), json!(name));
        }
        put(&mut cookie, "ttl", opt_proto_duration(c, "ttl", &cp)?);
        if let Some(p) = opt_str(c, "path", &cp)?.filter(|p| !p.is_empty()) {
            cookie.insert("path".into(), json!(p));
        }
        let mut attrs = Vec::new();
        if opt_bool(c, "secure", &cp)? == Some(true) {
            attrs.push(json!({"name": "Secure", "value": "true"}));
        }
        if opt_bool(c, "httpOnly", &cp)? == Some(true) {
            attrs.push(json!({"name": "HttpOnly", "value": "true"}));
        }
        if let Some(ss) = opt_str(c, "sameSite", &cp)? {
            attrs.push(json!({"name": "SameSite", "value": ss}));
        }
        if !attrs.is_empty() {
            cookie.insert("attributes".into(), Value::Array(attrs));
        }
        out.insert("cookie".into(), Value::Object(cookie));
    } else if opt_obj(hp, "sourceIP", path)?.is_some() {
        out.insert("connection_properties".into(), json!({"source_ip": true}));
    }
    put_true(&mut out, "terminal", opt_bool(hp, "terminal", path)?);
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::release::Release;
    use crate::pipeline::fields::testutil::{TestCtx, dns_cluster, eds_cluster};

    fn policy(name: &str, typed: Value) -> Value {
        json!({"policies": [{"typed_extension_config": {"name": name, "typed_config": typed}}]})
    }

    fn run(t: &TestCtx, lb: Value) -> Cluster {
        let mut c = eds_cluster("kube_default_httpbin_8080");
        c.insert("common_lb_config".into(), json!({"locality_weighted_lb_config": {}}));
        apply(&mut c, &lb, &t.ctx()).unwrap();
        c
    }

    #[test]
    fn lb_config_golden_kinds() {
        let t = TestCtx::default();
        let c = run(&t, json!({"leastRequest": {"choiceCount": 3}}));
        assert_eq!(c["common_lb_config"], json!({}));
        assert_eq!(
            c["load_balancing_policy"],
            policy(
                "envoy.load_balancing_policies.least_request",
                json!({
                "@type": "type.googleapis.com/envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest",
                "choice_count": 3, "locality_lb_config": {"locality_weighted_lb_config": {}}})
            )
        );
        let c = run(&t, json!({"leastRequest": {}}));
        assert_eq!(
            c["load_balancing_policy"]["policies"][0]["typed_extension_config"]["typed_config"]["choice_count"],
            json!(2)
        );
        let c = run(&t, json!({"maglev": {}}));
        assert_eq!(
            c["load_balancing_policy"],
            policy(
                "envoy.load_balancing_policies.maglev",
                json!({
                "@type": "type.googleapis.com/envoy.extensions.load_balancing_policies.maglev.v3.Maglev"})
            )
        );
        let c = run(&t, json!({"random": {}}));
        assert_eq!(
            c["load_balancing_policy"],
            policy(
                "envoy.load_balancing_policies.random",
                json!({
                "@type": "type.googleapis.com/envoy.extensions.load_balancing_policies.random.v3.Random",
                "locality_lb_config": {"locality_weighted_lb_config": {}}})
            )
        );
        let c = run(
            &t,
            json!({"ringHash": {"minimumRingSize": 1024, "maximumRingSize": 2048}, "closeConnectionsOnHostSetChange": true}),
        );
        assert_eq!(c["common_lb_config"], json!({"close_connections_on_host_set_change": true}));
        assert_eq!(
            c["load_balancing_policy"],
            policy(
                "envoy.load_balancing_policies.ring_hash",
                json!({
                "@type": "type.googleapis.com/envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash",
                "maximum_ring_size": "2048", "minimum_ring_size": "1024"})
            )
        );
        let t = TestCtx::default().policy_name("httpbin-rr-policy");
        let c = run(
            &t,
            json!({"roundRobin": {"slowStart": {"window": "10s", "aggression": "1.5", "minWeightPercent": 10}}}),
        );
        assert_eq!(
            c["load_balancing_policy"],
            policy(
                "envoy.load_balancing_policies.round_robin",
                json!({
                "@type": "type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin",
                "locality_lb_config": {"locality_weighted_lb_config": {}},
                "slow_start_config": {
                    "aggression": {"default_value": 1.5, "runtime_key": "httpbin-rr-policy.default.slowStart.aggression"},
                    "min_weight_percent": {"value": 10}, "slow_start_window": "10s"}})
            )
        );
        let c = run(
            &t,
            json!({"healthyPanicThreshold": 50, "updateMergeWindow": "1500ms", "roundRobin": {"slowStart": {"aggression": "2"}}}),
        );
        assert_eq!(
            c["common_lb_config"],
            json!({"healthy_panic_threshold": {"value": 50}, "update_merge_window": "1.500s"})
        );
        let typed = &c["load_balancing_policy"]["policies"][0]["typed_extension_config"]["typed_config"];
        assert_eq!(typed["slow_start_config"]["aggression"]["default_value"], json!(2));
    }

    #[test]
    fn bad_aggression_drops_slow_start() {
        let t = TestCtx::default();
        let c = run(
            &t,
            json!({"roundRobin": {"slowStart": {"window": "10s", "aggression": "fast", "minWeightPercent": 10}}}),
        );
        let typed = &c["load_balancing_policy"]["policies"][0]["typed_extension_config"]["typed_config"];
        assert!(typed.get("slow_start_config").is_none());
        assert_eq!(parse_go_float("1e3"), Some(1000.0));
        assert_eq!(parse_go_float("1e400"), None);
        assert_eq!(parse_go_float(".5"), Some(0.5));
        assert_eq!(typed["locality_lb_config"], json!({"locality_weighted_lb_config": {}}));
    }

    #[test]
    fn hash_policies_golden() {
        let t = TestCtx::default();
        let c = run(
            &t,
            json!({"maglev": {"hashPolicies": [
            {"cookie": {"name": "session-id", "path": "/api", "ttl": "30m", "httpOnly": true, "secure": true, "sameSite": "Strict"}, "terminal": true},
            {"sourceIP": {}, "terminal": false}]}}),
        );
        assert_eq!(
            c["load_balancing_policy"]["policies"][0]["typed_extension_config"]["typed_config"]["consistent_hashing_lb_config"],
            json!({"hash_policy": [
                {"cookie": {"attributes": [{"name": "Secure", "value": "true"}, {"name": "HttpOnly", "value": "true"},
                    {"name": "SameSite", "value": "Strict"}], "name": "session-id", "path": "/api", "ttl": "1800s"}, "terminal": true},
                {"connection_properties": {"source_ip": true}}]})
        );
        let c = run(
            &t,
            json!({"ringHash": {"minimumRingSize": 1024, "maximumRingSize": 2048, "hashPolicies": [
            {"header": {"name": "x-user-id"}, "terminal": true}, {"header": {"name": "x-session-id"}, "terminal": false}]},
            "closeConnectionsOnHostSetChange": true}),
        );
        assert_eq!(
            c["load_balancing_policy"]["policies"][0]["typed_extension_config"]["typed_config"],
            json!({"@type": "type.googleapis.com/envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash",
                "consistent_hashing_lb_config": {"hash_policy": [
                    {"header": {"header_name": "x-user-id"}, "terminal": true}, {"header": {"header_name": "x-session-id"}}]},
                "maximum_ring_size": "2048", "minimum_ring_size": "1024"})
        );
    }

    #[test]
    fn use_hostname_for_hashing_golden() {
        let t = TestCtx::default();
        let lb = json!({"ringHash": {"minimumRingSize": 1024, "maximumRingSize": 2048, "useHostnameForHashing": true}});
        let mut d = dns_cluster("backend_default_example-backend_0", "example.com", 8080);
        apply(&mut d, &lb, &t.ctx()).unwrap();
        let typed = &d["load_balancing_policy"]["policies"][0]["typed_extension_config"]["typed_config"];
        assert_eq!(typed["consistent_hashing_lb_config"], json!({"use_hostname_for_hashing": true}));
        let c = run(&t, lb.clone());
        let typed = &c["load_balancing_policy"]["policies"][0]["typed_extension_config"]["typed_config"];
        assert_eq!(typed["consistent_hashing_lb_config"], json!({}));
        let mut s = eds_cluster("x");
        s.insert("type".into(), json!("STRICT_DNS"));
        assert!(use_hostname_allowed(&s));
        d["cluster_type"]["typed_config"]["all_addresses_in_single_endpoint"] = json!(true);
        assert!(!use_hostname_allowed(&d));
    }

    #[test]
    fn zone_aware_goldens() {
        let t = TestCtx::default();
        let c = run(
            &t,
            json!({"leastRequest": {"choiceCount": 3}, "zoneAware": {"preferLocal": {"force": {"minEndpointsInZoneThreshold": 2}}}}),
        );
        assert_eq!(
            c["load_balancing_policy"]["policies"][0]["typed_extension_config"]["typed_config"]["locality_lb_config"],
            json!({"zone_aware_lb_config": {"force_local_zone": {"min_size": 2}, "min_cluster_size": "6", "routing_enabled": {"value": 100}}})
        );
        let c = run(
            &t,
            json!({"roundRobin": {}, "zoneAware": {"preferLocal": {"minEndpointsThreshold": 3, "routingEnabled": 75}}}),
        );
        assert_eq!(
            c["load_balancing_policy"]["policies"][0]["typed_extension_config"]["typed_config"],
            json!({"@type": "type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin",
                "locality_lb_config": {"zone_aware_lb_config": {"min_cluster_size": "3", "routing_enabled": {"value": 75}}}})
        );
    }

    #[test]
    fn locality_by_profile() {
        let t21 = TestCtx::default().release(Release::V2_1);
        let t24 = TestCtx::default().release(Release::V2_4);
        let typed =
            |c: &Cluster| c["load_balancing_policy"]["policies"][0]["typed_extension_config"]["typed_config"].clone();
        assert!(typed(&run(&t21, json!({"roundRobin": {}}))).get("locality_lb_config").is_none());
        assert_eq!(
            typed(&run(&t24, json!({"roundRobin": {}})))["locality_lb_config"],
            json!({"locality_weighted_lb_config": {}})
        );
        assert_eq!(
            typed(&run(&t21, json!({"random": {}, "localityType": "WeightedLb"})))["locality_lb_config"],
            json!({"locality_weighted_lb_config": {}})
        );
        for t in [&t21, &t24] {
            assert_eq!(
                typed(&run(t, json!({"ringHash": {}, "localityType": "WeightedLb"})))["locality_weighted_lb_config"],
                json!({})
            );
            assert!(typed(&run(t, json!({"maglev": {}}))).get("locality_weighted_lb_config").is_none());
            assert!(typed(&run(t, json!({"maglev": {}}))).get("locality_lb_config").is_none());
        }
    }

    #[test]
    fn type_errors() {
        let t = TestCtx::default();
        let mut c = eds_cluster("c");
        let e = apply(&mut c, &json!({"ringHash": {"minimumRingSize": "big"}}), &t.ctx()).unwrap_err();
        assert!(e.contains("loadBalancer.ringHash.minimumRingSize"), "{e}");
        let e = apply(&mut c, &json!({"maglev": {"hashPolicies": [{"header": {"name": 1}}]}}), &t.ctx()).unwrap_err();
        assert!(e.contains("loadBalancer.maglev.hashPolicies[0].header.name"), "{e}");
    }
}
