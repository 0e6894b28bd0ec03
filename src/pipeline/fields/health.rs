//! Health checks (§6.4).

use serde_json::{Value, json};

use super::ctx::{Cluster, FieldCtx};
use super::value::{Obj, obj, opt_obj, opt_proto_duration, opt_str, opt_u32};

const METHODS: [&str; 8] = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"];

pub fn apply(cluster: &mut Cluster, v: &Value, ctx: &FieldCtx) -> Result<(), String> {
    const P: &str = "healthCheck";
    let m = obj(v, P)?;
    let mut hc = Obj::new();
    // main and 2.2+ have non-pointer fields (an unset one is its zero value); 2.1 has pointers,
    // so an unset field is simply absent.
    let zero = !ctx.profile.health_check_optional_fields;
    let durations = [("timeout", "timeout"), ("interval", "interval")];
    for (bcp, envoy) in durations {
        if let Some(d) = opt_proto_duration(m, bcp, P)?.or_else(|| zero.then(|| json!("0s"))) {
            hc.insert(envoy.into(), d);
        }
    }
    for (bcp, envoy) in [("unhealthyThreshold", "unhealthy_threshold"), ("healthyThreshold", "healthy_threshold")] {
        if let Some(n) = opt_u32(m, bcp, P)?.or(zero.then_some(0)) {
            hc.insert(envoy.into(), json!(n));
        }
    }
    let mut explicit_host = false;
    if let Some(http) = opt_obj(m, "http", P)? {
        const H: &str = "healthCheck.http";
        let mut h = Obj::new();
        if let Some(path) = opt_str(http, "path", H)?.filter(|s| !s.is_empty()) {
            h.insert("path".into(), json!(path));
        }
        if let Some(host) = opt_str(http, "host", H)? {
            explicit_host = !host.is_empty();
            if explicit_host {
                h.insert("host".into(), json!(host));
            }
        }
        if let Some(method) = opt_str(http, "method", H)? {
            if !METHODS.contains(&method) {
                return Err(format!("{H}.method: unsupported value {method:?}"));
            }
            h.insert("method".into(), json!(method));
        }
        hc.insert("http_health_check".into(), Value::Object(h));
    } else if let Some(grpc) = opt_obj(m, "grpc", P)? {
        const G: &str = "healthCheck.grpc";
        let mut g = Obj::new();
        if let Some(s) = opt_str(grpc, "serviceName", G)?.filter(|s| !s.is_empty()) {
            g.insert("service_name".into(), json!(s));
        }
        if let Some(a) = opt_str(grpc, "authority", G)? {
            explicit_host = !a.is_empty();
            if explicit_host {
                g.insert("authority".into(), json!(a));
            }
        }
        hc.insert("grpc_health_check".into(), Value::Object(g));
    }
    cluster.insert("health_checks".into(), json!([hc]));
    if explicit_host && ctx.profile.health_check_clears_hostname {
        clear_endpoint_health_check_hostnames(cluster);
    }
    Ok(())
}

/// `load_assignment.endpoints[*].lb_endpoints[*].endpoint.health_check_config.hostname = ""`.
fn clear_endpoint_health_check_hostnames(cluster: &mut Cluster) {
    let Some(eps) =
        cluster.get_mut("load_assignment").and_then(|la| la.get_mut("endpoints")).and_then(Value::as_array_mut)
    else {
        return;
    };
    for lle in eps {
        let Some(lbes) = lle.get_mut("lb_endpoints").and_then(Value::as_array_mut) else {
            continue;
        };
        for lbe in lbes {
            if let Some(hcc) =
                lbe.get_mut("endpoint").and_then(|e| e.get_mut("health_check_config")).and_then(Value::as_object_mut)
            {
                hcc.remove("hostname");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::release::Release;
    use crate::pipeline::fields::testutil::{TestCtx, dns_cluster, eds_cluster};

    #[test]
    fn http_and_grpc_match_healthcheck_golden() {
        let t = TestCtx::default();
        let mut c = eds_cluster("kube_default_httpbin_8080");
        apply(
            &mut c,
            &json!({"timeout": "3s", "interval": "2s", "unhealthyThreshold": 3, "healthyThreshold": 2,
                "http": {"path": "/healthz", "host": "example.com", "method": "HEAD"}}),
            &t.ctx(),
        )
        .unwrap();
        assert_eq!(
            c["health_checks"],
            json!([{"healthy_threshold": 2, "http_health_check": {"host": "example.com", "method": "HEAD", "path": "/healthz"},
                "interval": "2s", "timeout": "3s", "unhealthy_threshold": 3}])
        );
        let mut c = eds_cluster("kube_default_httpbin-grpc_8080");
        apply(
            &mut c,
            &json!({"grpc": {"serviceName": "grpc.health.v1.Health", "authority": "example.com"},
                "timeout": "3s", "interval": "2s", "unhealthyThreshold": 3, "healthyThreshold": 2}),
            &t.ctx(),
        )
        .unwrap();
        assert_eq!(
            c["health_checks"],
            json!([{"grpc_health_check": {"authority": "example.com", "service_name": "grpc.health.v1.Health"},
                "healthy_threshold": 2, "interval": "2s", "timeout": "3s", "unhealthy_threshold": 3}])
        );
        apply(
            &mut c,
            &json!({"timeout": "1s", "interval": "1s", "unhealthyThreshold": 0, "healthyThreshold": 0, "grpc": {}}),
            &t.ctx(),
        )
        .unwrap();
        assert_eq!(
            c["health_checks"],
            json!([{"grpc_health_check": {}, "healthy_threshold": 0, "interval": "1s", "timeout": "1s", "unhealthy_threshold": 0}])
        );
    }

    #[test]
    fn explicit_host_clears_endpoint_hostnames_by_profile() {
        let hc = json!({"healthyThreshold": 3, "unhealthyThreshold": 2, "interval": "30s", "timeout": "5s",
            "http": {"host": "u-devportal-mcp-server.example.com", "path": "/ping"}});
        let host = "internal-my-internal-loadbalancer-1998974615.ap-south-1.elb.amazonaws.com";
        let t = TestCtx::default();
        let mut c = dns_cluster("backend_default_static-dns-backend_0", host, 80);
        apply(&mut c, &hc, &t.ctx()).unwrap();
        assert_eq!(
            c["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"],
            json!({"address": {"socket_address": {"address": host, "port_value": 80}}, "health_check_config": {}, "hostname": host})
        );
        assert_eq!(
            c["health_checks"],
            json!([{"healthy_threshold": 3, "http_health_check": {"host": "u-devportal-mcp-server.example.com", "path": "/ping"},
                "interval": "30s", "timeout": "5s", "unhealthy_threshold": 2}])
        );
        let t21 = TestCtx::default().release(Release::V2_1);
        let mut c = dns_cluster("b", host, 80);
        apply(&mut c, &hc, &t21.ctx()).unwrap();
        assert_eq!(
            c["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["health_check_config"],
            json!({"hostname": host})
        );
        // No explicit host: nothing cleared.
        let mut c = dns_cluster("b", host, 80);
        apply(&mut c, &json!({"timeout": "1s", "interval": "1s", "unhealthyThreshold": 1, "healthyThreshold": 1, "http": {"path": "/"}}), &t.ctx())
            .unwrap();
        assert_eq!(
            c["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["health_check_config"],
            json!({"hostname": host})
        );
    }
}
