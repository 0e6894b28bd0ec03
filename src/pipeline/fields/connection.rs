//! Connection-level fields (§6.1): connectTimeout, perConnectionBufferLimitBytes, tcpKeepalive.

use serde_json::{Value, json};

use super::ctx::{Cluster, FieldCtx};
use super::value::{Obj, obj, opt_duration, opt_u32};
use crate::core::units::duration::{format_proto_duration, parse_go_duration, whole_seconds_u32};

pub fn apply_connect_timeout(cluster: &mut Cluster, v: &Value, _ctx: &FieldCtx) -> Result<(), String> {
    let s = v.as_str().ok_or_else(|| format!("connectTimeout: expected a duration string, got {v}"))?;
    let ns = parse_go_duration(s).map_err(|e| format!("connectTimeout: {e}"))?;
    cluster.insert("connect_timeout".into(), Value::String(format_proto_duration(ns)));
    Ok(())
}

pub fn apply_per_connection_buffer_limit_bytes(
    cluster: &mut Cluster,
    v: &Value,
    _ctx: &FieldCtx,
) -> Result<(), String> {
    let mut holder = Obj::new();
    holder.insert("perConnectionBufferLimitBytes".into(), v.clone());
    let n = opt_u32(&holder, "perConnectionBufferLimitBytes", "")?;
    if let Some(n) = n {
        cluster.insert("per_connection_buffer_limit_bytes".into(), json!(n));
    }
    Ok(())
}

pub fn apply_tcp_keepalive(cluster: &mut Cluster, v: &Value, _ctx: &FieldCtx) -> Result<(), String> {
    const P: &str = "tcpKeepalive";
    let m = obj(v, P)?;
    let mut ka = Obj::new();
    if let Some(n) = opt_u32(m, "keepAliveProbes", P)? {
        ka.insert("keepalive_probes".into(), json!(n));
    }
    if let Some(ns) = opt_duration(m, "keepAliveTime", P)? {
        ka.insert("keepalive_time".into(), json!(whole_seconds_u32(ns)));
    }
    if let Some(ns) = opt_duration(m, "keepAliveInterval", P)? {
        ka.insert("keepalive_interval".into(), json!(whole_seconds_u32(ns)));
    }
    cluster.insert("upstream_connection_options".into(), json!({ "tcp_keepalive": ka }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::fields::testutil::{TestCtx, eds_cluster};
    use serde_json::json;

    #[test]
    fn connection_fields_match_lb_config_golden() {
        let t = TestCtx::default();
        let ctx = &t.ctx();
        {
            let mut c = eds_cluster("kube_default_httpbin_8080");
            c.insert("upstream_connection_options".into(), json!({"tcp_keepalive": {"keepalive_probes": 9}, "x": 1}));
            apply_connect_timeout(&mut c, &json!("1h30m"), ctx).unwrap();
            apply_per_connection_buffer_limit_bytes(&mut c, &json!(1024), ctx).unwrap();
            apply_tcp_keepalive(
                &mut c,
                &json!({"keepAliveProbes": 3, "keepAliveTime": "30s", "keepAliveInterval": "5s"}),
                ctx,
            )
            .unwrap();
            assert_eq!(c["connect_timeout"], json!("5400s"));
            assert_eq!(c["per_connection_buffer_limit_bytes"], json!(1024));
            assert_eq!(
                c["upstream_connection_options"],
                json!({"tcp_keepalive": {"keepalive_interval": 5, "keepalive_probes": 3, "keepalive_time": 30}})
            );
        }
    }

    #[test]
    fn zero_buffer_limit_empty_keepalive_and_truncation() {
        let t = TestCtx::default();
        let ctx = &t.ctx();
        {
            let mut c = eds_cluster("c");
            apply_per_connection_buffer_limit_bytes(&mut c, &json!(0), ctx).unwrap();
            assert_eq!(c["per_connection_buffer_limit_bytes"], json!(0));
            apply_tcp_keepalive(&mut c, &json!({}), ctx).unwrap();
            assert_eq!(c["upstream_connection_options"], json!({"tcp_keepalive": {}}));
            apply_tcp_keepalive(&mut c, &json!({"keepAliveTime": "1500ms"}), ctx).unwrap();
            assert_eq!(c["upstream_connection_options"], json!({"tcp_keepalive": {"keepalive_time": 1}}));
            apply_connect_timeout(&mut c, &json!("1.5s"), ctx).unwrap();
            assert_eq!(c["connect_timeout"], json!("1.500s"));
        }
    }

    #[test]
    fn type_errors_name_the_field() {
        let t = TestCtx::default();
        let ctx = &t.ctx();
        {
            let mut c = eds_cluster("c");
            let e = apply_per_connection_buffer_limit_bytes(&mut c, &json!("big"), ctx).unwrap_err();
            assert!(e.contains("perConnectionBufferLimitBytes"), "{e}");
            let e = apply_tcp_keepalive(&mut c, &json!({"keepAliveProbes": "3"}), ctx).unwrap_err();
            assert!(e.contains("tcpKeepalive.keepAliveProbes"), "{e}");
            let e = apply_connect_timeout(&mut c, &json!(5), ctx).unwrap_err();
            assert!(e.contains("connectTimeout"), "{e}");
        }
    }
}
