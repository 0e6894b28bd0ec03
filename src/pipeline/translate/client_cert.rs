//! A Gateway-scoped clone's client certificate (`applyGatewayBackendClientCertificate`): set
//! on the TLS socket and on each TLS socket of `transport_socket_matches`. A socket that is
//! not TLS itself (none, or a PROXY protocol wrapper) is left as it is, as kgateway does.

use serde_json::{Value, json};

use crate::pipeline::backends::ClientCert;
use crate::pipeline::fields::ctx::Cluster;
use crate::pipeline::fields::redaction;

const TLS_SOCKET: &str = "envoy.transport_sockets.tls";

pub fn inject(cluster: &mut Cluster, cert: &ClientCert) {
    if let Some(socket) = cluster.get_mut("transport_socket") {
        inject_socket(socket, cert);
    }
    if let Some(matches) = cluster.get_mut("transport_socket_matches").and_then(Value::as_array_mut) {
        for m in matches {
            if let Some(socket) = m.get_mut("transport_socket") {
                inject_socket(socket, cert);
            }
        }
    }
}

fn inject_socket(socket: &mut Value, cert: &ClientCert) {
    if socket.get("name").and_then(Value::as_str) != Some(TLS_SOCKET) {
        return;
    }
    let Some(typed) = socket.get_mut("typed_config").and_then(Value::as_object_mut) else { return };
    let common = typed.entry("common_tls_context").or_insert_with(|| json!({}));
    let Some(common) = common.as_object_mut() else { return };
    let key = redaction(&format!("Secret {} key tls.key", cert.secret), &cert.private_key);
    common.insert(
        "tls_certificates".into(),
        json!([{"certificate_chain": {"inline_string": cert.cert_chain}, "private_key": {"inline_string": key}}]),
    );
    common.remove("tls_certificate_sds_secret_configs");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert() -> ClientCert {
        ClientCert {
            gateway: "d/gw".into(),
            secret: "d/s".into(),
            cert_chain: "CHAIN".into(),
            private_key: "KEY".into(),
        }
    }

    #[test]
    fn sets_the_certificate_on_tls_sockets_only() {
        let mut c: Cluster = serde_json::from_value(json!({
            "transport_socket": {"name": TLS_SOCKET, "typed_config": {"sni": "x",
                "common_tls_context": {"tls_certificate_sds_secret_configs": [{"name": "s"}]}}},
            "transport_socket_matches": [
                {"name": "a", "transport_socket": {"name": TLS_SOCKET, "typed_config": {}}},
                {"name": "b", "transport_socket": {"name": "envoy.transport_sockets.raw_buffer"}}]
        }))
        .unwrap();
        inject(&mut c, &cert());
        let common = &c["transport_socket"]["typed_config"]["common_tls_context"];
        assert_eq!(common["tls_certificates"][0]["certificate_chain"]["inline_string"], "CHAIN");
        let key = common["tls_certificates"][0]["private_key"]["inline_string"].as_str().unwrap();
        assert!(key.starts_with("<redacted by bcp-render: Secret d/s key tls.key") && !key.contains("KEY"));
        assert!(common.get("tls_certificate_sds_secret_configs").is_none());
        assert!(c["transport_socket_matches"][0]["transport_socket"]["typed_config"]["common_tls_context"]["tls_certificates"].is_array());
        assert!(c["transport_socket_matches"][1]["transport_socket"].get("typed_config").is_none());

        let mut plain = Cluster::new();
        inject(&mut plain, &cert());
        assert!(plain.is_empty(), "a cluster without TLS gets none");
    }
}
