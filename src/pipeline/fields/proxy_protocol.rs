//! Upstream PROXY protocol (§6.8) and BackendTLSPolicy's PROXY-aware TLS placement (§8.3).

use serde_json::{Value, json};

use super::ctx::{Cluster, FieldCtx};
use super::value::{Obj, any, obj, opt_str};

pub const PROXY_PROTOCOL_SOCKET: &str = "envoy.transport_sockets.upstream_proxy_protocol";
const PROXY_PROTOCOL_TYPE: &str = "envoy.extensions.transport_sockets.proxy_protocol.v3.ProxyProtocolUpstreamTransport";
pub const RAW_BUFFER_SOCKET: &str = "envoy.transport_sockets.raw_buffer";
const RAW_BUFFER_TYPE: &str = "envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer";

pub fn raw_buffer_socket() -> Value {
    json!({"name": RAW_BUFFER_SOCKET, "typed_config": any(RAW_BUFFER_TYPE, Obj::new())})
}

/// Wrap the existing transport socket (or a raw buffer) in a PROXY protocol socket.
pub fn apply(cluster: &mut Cluster, v: &Value, _ctx: &FieldCtx) -> Result<(), String> {
    const P: &str = "upstreamProxyProtocol";
    let m = obj(v, P)?;
    let config = match opt_str(m, "version", P)?.unwrap_or("V1") {
        "V1" => json!({}),
        "V2" => json!({"version": "V2"}),
        other => {
            return Err(format!("{P}.version: unsupported value {other:?} (expected V1 or V2)"));
        }
    };
    let inner = cluster.remove("transport_socket").unwrap_or_else(raw_buffer_socket);
    let mut tc = Obj::new();
    tc.insert("config".into(), config);
    tc.insert("transport_socket".into(), inner);
    cluster.insert(
        "transport_socket".into(),
        json!({"name": PROXY_PROTOCOL_SOCKET, "typed_config": any(PROXY_PROTOCOL_TYPE, tc)}),
    );
    Ok(())
}

/// True when the cluster's transport socket is the PROXY protocol wrapper.
pub fn is_proxy_protocol_wrapped(cluster: &Cluster) -> bool {
    cluster.get("transport_socket").and_then(|t| t.get("name")).and_then(Value::as_str) == Some(PROXY_PROTOCOL_SOCKET)
}

/// BackendTLSPolicy's placement of its TLS socket (2.4+): inside an existing PROXY protocol
/// wrapper if there is one, else as the cluster's transport socket.
pub fn replace_inner_tls(cluster: &mut Cluster, tls_socket: Value) {
    if is_proxy_protocol_wrapped(cluster)
        && let Some(tc) =
            cluster.get_mut("transport_socket").and_then(|t| t.get_mut("typed_config")).and_then(Value::as_object_mut)
    {
        tc.insert("transport_socket".into(), tls_socket);
        return;
    }
    cluster.insert("transport_socket".into(), tls_socket);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::fields::testutil::{TestCtx, eds_cluster};

    fn wrapped(config: Value, inner: Value) -> Value {
        json!({"name": "envoy.transport_sockets.upstream_proxy_protocol", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.transport_sockets.proxy_protocol.v3.ProxyProtocolUpstreamTransport",
            "config": config, "transport_socket": inner}})
    }

    fn raw() -> Value {
        json!({"name": "envoy.transport_sockets.raw_buffer", "typed_config":
            {"@type": "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"}})
    }

    #[test]
    fn v1_and_v2_wrap_raw_buffer() {
        let t = TestCtx::default();
        let mut c = eds_cluster("kube_default_httpbin_8080");
        apply(&mut c, &json!({"version": "V1"}), &t.ctx()).unwrap();
        assert_eq!(c["transport_socket"], wrapped(json!({}), raw()));
        let mut c = eds_cluster("kube_default_httpbin_8080");
        apply(&mut c, &json!({}), &t.ctx()).unwrap();
        assert_eq!(c["transport_socket"], wrapped(json!({}), raw()));
        let mut c = eds_cluster("kube_default_httpbin_8080");
        apply(&mut c, &json!({"version": "V2"}), &t.ctx()).unwrap();
        assert_eq!(c["transport_socket"], wrapped(json!({"version": "V2"}), raw()));
        assert!(apply(&mut c, &json!({"version": "V3"}), &t.ctx()).is_err());
    }

    #[test]
    fn wraps_tls_and_btp_replaces_inner() {
        let t = TestCtx::default();
        let tls = json!({"name": "envoy.transport_sockets.tls", "typed_config": {"@type": "x", "sni": "a"}});
        let mut c = eds_cluster("c");
        c.insert("transport_socket".into(), tls.clone());
        apply(&mut c, &json!({"version": "V2"}), &t.ctx()).unwrap();
        assert_eq!(c["transport_socket"], wrapped(json!({"version": "V2"}), tls.clone()));

        // BTP after BCP: replaces the inner socket.
        let btp = json!({"name": "envoy.transport_sockets.tls", "typed_config": {"@type": "x", "sni": "btp"}});
        replace_inner_tls(&mut c, btp.clone());
        assert_eq!(c["transport_socket"], wrapped(json!({"version": "V2"}), btp.clone()));

        // BTP before BCP: BCP wraps BTP's socket. Same result.
        let mut d = eds_cluster("c");
        replace_inner_tls(&mut d, btp.clone());
        assert_eq!(d["transport_socket"], btp);
        apply(&mut d, &json!({"version": "V2"}), &t.ctx()).unwrap();
        assert_eq!(d["transport_socket"], c["transport_socket"]);
    }
}
