use serde_json::{Value, json};

use super::*;

fn cluster(v: Value) -> Cluster {
    v.as_object().expect("object").clone()
}

fn sources(v: Value) -> Vec<&'static str> {
    predict(&cluster(v)).iter().map(|n| n.source.unwrap_or("-")).collect()
}

#[test]
fn durations_envoy_requires_positive() {
    assert_eq!(sources(json!({"connect_timeout": "5s"})), Vec::<&str>::new());
    assert_eq!(sources(json!({"connect_timeout": "0s"})), ["connectTimeout"]);
    assert_eq!(
        sources(json!({"outlier_detection": {"interval": "0s", "base_ejection_time": "0.000000001s"}})),
        ["outlierDetection.interval"]
    );
    assert_eq!(sources(json!({"dns_refresh_rate": "0.001s"})), ["dns.refreshRate"]);
    assert_eq!(sources(json!({"cluster_type": {"typed_config": {"dns_refresh_rate": "0.002s"}}})), Vec::<&str>::new());
    let ka = json!({"typed_extension_protocol_options": {HTTP_OPTIONS: {"explicit_http_config": {"http2_protocol_options": {"connection_keepalive": {"timeout": "0s", "interval": "0.001s"}}}}}});
    assert_eq!(sources(ka), ["http2ProtocolOptions.connectionKeepalive.timeout"]);
}

#[test]
fn grpc_health_checks_need_http2() {
    let hc = json!([{"timeout": "1s", "interval": "1s", "grpc_health_check": {}}]);
    assert_eq!(sources(json!({"health_checks": hc})), ["healthCheck.grpc"]);
    let h2 = json!({HTTP_OPTIONS: {"explicit_http_config": {"http2_protocol_options": {}}}});
    assert_eq!(sources(json!({"health_checks": hc, "typed_extension_protocol_options": h2})), Vec::<&str>::new());
    let h1 = json!({HTTP_OPTIONS: {"explicit_http_config": {"http_protocol_options": {}}}});
    assert_eq!(sources(json!({"health_checks": hc, "typed_extension_protocol_options": h1})), ["healthCheck.grpc"]);
}

#[test]
fn ranges_and_ring_sizes() {
    let h2 = json!({HTTP_OPTIONS: {"explicit_http_config": {"http2_protocol_options": {"initial_stream_window_size": 1024, "max_concurrent_streams": 0}}}});
    assert_eq!(
        sources(json!({"typed_extension_protocol_options": h2})),
        ["http2ProtocolOptions.maxConcurrentStreams", "http2ProtocolOptions.initialStreamWindowSize"]
    );
    let ring = json!({"policies": [{"typed_extension_config": {"typed_config": {"minimum_ring_size": "2048", "maximum_ring_size": "1024"}}}]});
    assert_eq!(sources(json!({"load_balancing_policy": ring})), ["loadBalancer.ringHash.minimumRingSize"]);
}

#[test]
fn tls_parameters_inside_proxy_protocol_too() {
    let tls = json!({"@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
        "common_tls_context": {"tls_params": {"cipher_suites": ["BOGUS"], "ecdh_curves": ["P-256", "X25519"]}}});
    let wrapped = json!({"transport_socket": {"name": "envoy.transport_sockets.upstream_proxy_protocol", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.proxy_protocol.v3.ProxyProtocolUpstreamTransport",
        "transport_socket": {"name": "envoy.transport_sockets.tls", "typed_config": tls}}}});
    let n = predict(&cluster(wrapped));
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(
        n[0].envoy,
        "transport_socket.typed_config.transport_socket.typed_config.common_tls_context.tls_params.cipher_suites"
    );
    assert!(n[0].reason.starts_with("Failed to initialize cipher suites BOGUS"), "{}", n[0].reason);
}
