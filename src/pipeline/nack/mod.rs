//! What Envoy 1.40 rejects in a cluster kgateway would push: the PGV rules of the fields
//! kgateway writes, the checks Envoy makes when it builds a cluster (a gRPC health check
//! needs HTTP/2, ring sizes in order), and BoringSSL's TLS parameter lists.
//!
//! kgateway's standard validation mode pushes such a cluster and Envoy NACKs the whole CDS
//! update; its strict mode validates with Envoy first and renders the blackhole instead. The
//! oracle (`scripts/envoy-oracle.py`, run by CI) holds these predictions to the real Envoy.

mod boringssl;

use serde_json::Value;

use crate::core::units::duration::parse_proto_duration;
use crate::pipeline::fields::ctx::Cluster;

/// One reason Envoy rejects a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nack {
    /// Where, as a dotted path in the cluster.
    pub envoy: String,
    pub reason: String,
    /// The BackendConfigPolicy field (dotted, below `spec`) whose value it is, if one is.
    pub source: Option<&'static str>,
    pub fix: String,
}

const HTTP_OPTIONS: &str = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
const MAX_WINDOW: u64 = 2_147_483_647;
const MAX_RING: u64 = 8_388_608;

/// Every reason Envoy would reject `cluster`, in a fixed order.
pub fn predict(cluster: &Cluster) -> Vec<Nack> {
    let mut f = Findings(Vec::new());
    f.positive(cluster.get("connect_timeout"), "connect_timeout", "connectTimeout", 1);
    let dns = cluster.get("cluster_type").and_then(|c| c.pointer("/typed_config/dns_refresh_rate"));
    f.positive(cluster.get("dns_refresh_rate"), "dns_refresh_rate", "dns.refreshRate", MS + 1);
    f.positive(dns, "cluster_type.typed_config.dns_refresh_rate", "dns.refreshRate", MS + 1);
    let checks = array(cluster.get("health_checks"));
    for (i, hc) in checks.iter().enumerate() {
        f.positive(hc.get("timeout"), &format!("health_checks[{i}].timeout"), "healthCheck.timeout", 1);
        f.positive(hc.get("interval"), &format!("health_checks[{i}].interval"), "healthCheck.interval", 1);
    }
    if let Some(od) = cluster.get("outlier_detection") {
        f.positive(od.get("interval"), "outlier_detection.interval", "outlierDetection.interval", 1);
        let base = od.get("base_ejection_time");
        f.positive(base, "outlier_detection.base_ejection_time", "outlierDetection.baseEjectionTime", 1);
        let max = od.get("max_ejection_time");
        f.positive(max, "outlier_detection.max_ejection_time", "outlierDetection.maxEjectionTime", 1);
        let pct = od.get("max_ejection_percent");
        f.range(pct, "outlier_detection.max_ejection_percent", "outlierDetection.maxEjectionPercent", (0, 100));
    }
    let http = http_options(cluster);
    if let Some(h2) = http.and_then(|h| h.pointer("/explicit_http_config/http2_protocol_options")) {
        http2(&mut f, h2);
    }
    let headers = http.and_then(|h| h.pointer("/common_http_protocol_options/max_headers_count"));
    let max = u64::from(u32::MAX);
    f.range(
        headers,
        "…common_http_protocol_options.max_headers_count",
        "commonHttpProtocolOptions.maxHeadersCount",
        (1, max),
    );
    let panic = cluster.get("common_lb_config").and_then(|c| c.pointer("/healthy_panic_threshold/value"));
    f.range(panic, "common_lb_config.healthy_panic_threshold", "loadBalancer.healthyPanicThreshold", (0, 100));
    for policy in array(cluster.get("load_balancing_policy").and_then(|c| c.get("policies"))) {
        if let Some(cfg) = policy.pointer("/typed_extension_config/typed_config") {
            load_balancer(&mut f, cfg);
        }
    }
    if checks.iter().any(|hc| hc.get("grpc_health_check").is_some()) && !has_http2(http) {
        f.push(
            "health_checks[].grpc_health_check",
            "cluster must support HTTP/2 for gRPC healthchecking".into(),
            Some("healthCheck.grpc"),
            "serve the backend over HTTP/2 (appProtocol kubernetes.io/h2c or grpc on the Service port), or use an HTTP or TCP health check".into(),
        );
    }
    for (at, tls) in tls_contexts(cluster) {
        tls_params(&mut f, &at, tls);
    }
    f.0
}

const MS: i128 = 1_000_000;

struct Findings(Vec<Nack>);

impl Findings {
    fn push(&mut self, envoy: &str, reason: String, source: Option<&'static str>, fix: String) {
        self.0.push(Nack { envoy: envoy.into(), reason, source, fix });
    }

    /// A duration of at least `min_ns` (1: greater than zero).
    fn positive(&mut self, v: Option<&Value>, envoy: &str, source: &'static str, min_ns: i128) {
        let Some(ns) = v.and_then(Value::as_str).and_then(parse_proto_duration) else { return };
        if ns < min_ns {
            let floor = if min_ns > MS {
                "greater than 1ms"
            } else if min_ns == MS {
                "at least 1ms"
            } else {
                "greater than 0s"
            };
            let got = v.and_then(Value::as_str).unwrap_or_default();
            self.push(
                envoy,
                format!("must be {floor} (got {got})"),
                Some(source),
                format!("set {source} to a duration {floor}"),
            );
        }
    }

    fn range(&mut self, v: Option<&Value>, envoy: &str, source: &'static str, (lo, hi): (u64, u64)) {
        if let Some(n) = v.and_then(number).filter(|n| *n < lo || *n > hi) {
            self.push(
                envoy,
                format!("must be between {lo} and {hi} (got {n})"),
                Some(source),
                format!("set {source} between {lo} and {hi}"),
            );
        }
    }
}

fn http2(f: &mut Findings, h2: &Value) {
    let at = |k: &str| format!("…http2_protocol_options.{k}");
    let window = (65_535, MAX_WINDOW);
    f.range(
        h2.get("max_concurrent_streams"),
        &at("max_concurrent_streams"),
        "http2ProtocolOptions.maxConcurrentStreams",
        (1, MAX_WINDOW),
    );
    f.range(
        h2.get("initial_stream_window_size"),
        &at("initial_stream_window_size"),
        "http2ProtocolOptions.initialStreamWindowSize",
        window,
    );
    f.range(
        h2.get("initial_connection_window_size"),
        &at("initial_connection_window_size"),
        "http2ProtocolOptions.initialConnectionWindowSize",
        window,
    );
    if let Some(ka) = h2.get("connection_keepalive") {
        f.positive(
            ka.get("timeout"),
            &at("connection_keepalive.timeout"),
            "http2ProtocolOptions.connectionKeepalive.timeout",
            MS,
        );
        f.positive(
            ka.get("interval"),
            &at("connection_keepalive.interval"),
            "http2ProtocolOptions.connectionKeepalive.interval",
            MS,
        );
        let idle = ka.get("connection_idle_interval");
        f.positive(
            idle,
            &at("connection_keepalive.connection_idle_interval"),
            "http2ProtocolOptions.connectionKeepalive.connectionIdleInterval",
            MS,
        );
    }
}

fn load_balancer(f: &mut Findings, cfg: &Value) {
    let max = u64::from(u32::MAX);
    f.range(
        cfg.get("choice_count"),
        "load_balancing_policy…choice_count",
        "loadBalancer.leastRequest.choiceCount",
        (2, max),
    );
    let (min_ring, max_ring) = (cfg.get("minimum_ring_size"), cfg.get("maximum_ring_size"));
    f.range(
        min_ring,
        "load_balancing_policy…minimum_ring_size",
        "loadBalancer.ringHash.minimumRingSize",
        (0, MAX_RING),
    );
    f.range(
        max_ring,
        "load_balancing_policy…maximum_ring_size",
        "loadBalancer.ringHash.maximumRingSize",
        (0, MAX_RING),
    );
    if let (Some(lo), Some(hi)) = (min_ring.and_then(number), max_ring.and_then(number))
        && lo > hi
    {
        f.push(
            "load_balancing_policy…ring_hash",
            format!("minimum_ring_size ({lo}) is greater than maximum_ring_size ({hi})"),
            Some("loadBalancer.ringHash.minimumRingSize"),
            "make loadBalancer.ringHash.minimumRingSize at most maximumRingSize".into(),
        );
    }
}

/// The checks on an upstream TLS context.
fn tls_params(f: &mut Findings, at: &str, tls: &Value) {
    if let Some(sni) = tls.get("sni").and_then(Value::as_str).filter(|s| s.len() > 255) {
        let reason = format!("must be at most 255 bytes (got {})", sni.len());
        f.push(&format!("{at}.sni"), reason, Some("tls.sni"), "shorten tls.sni to at most 255 bytes".into());
    }
    let Some(p) = tls.pointer("/common_tls_context/tls_params") else { return };
    type Check = fn(&str) -> Option<String>;
    let lists: [(&str, &'static str, &str, Check); 3] = [
        ("cipher_suites", "tls.parameters.cipherSuites", "cipher suites", boringssl::cipher_list_error),
        ("ecdh_curves", "tls.parameters.ecdhCurves", "ECDH curves", boringssl::curve_list_error),
        (
            "signature_algorithms",
            "tls.parameters.signatureAlgorithms",
            "TLS signature algorithms",
            boringssl::sigalg_list_error,
        ),
    ];
    for (key, source, what, check) in lists {
        let names: Vec<&str> = array(p.get(key)).iter().filter_map(Value::as_str).collect();
        let joined = names.join(":");
        if let Some(why) = check(&joined) {
            f.push(
                &format!("{at}.common_tls_context.tls_params.{key}"),
                format!("Failed to initialize {what} {joined}: {why}"),
                Some(source),
                format!("list only names BoringSSL accepts in {source} (see the README's TLS section)"),
            );
        }
    }
}

/// The upstream TLS contexts of a cluster: its transport socket (inside a PROXY protocol
/// wrapper too) and those of its transport socket matches.
fn tls_contexts(cluster: &Cluster) -> Vec<(String, &Value)> {
    let mut sockets = vec![("transport_socket".to_string(), cluster.get("transport_socket"))];
    for (i, m) in array(cluster.get("transport_socket_matches")).iter().enumerate() {
        sockets.push((format!("transport_socket_matches[{i}].transport_socket"), m.get("transport_socket")));
    }
    let mut out = Vec::new();
    for (at, s) in sockets {
        let Some(cfg) = s.and_then(|s| s.get("typed_config")) else { continue };
        let inner = cfg.get("transport_socket").and_then(|t| t.get("typed_config"));
        if let Some(inner) = inner.filter(|c| is_tls(c)) {
            out.push((format!("{at}.typed_config.transport_socket.typed_config"), inner));
        } else if is_tls(cfg) {
            out.push((format!("{at}.typed_config"), cfg));
        }
    }
    out
}

fn is_tls(cfg: &Value) -> bool {
    cfg.get("@type").and_then(Value::as_str).is_some_and(|t| t.ends_with(".UpstreamTlsContext"))
}

fn http_options(cluster: &Cluster) -> Option<&Value> {
    cluster.get("typed_extension_protocol_options").and_then(|t| t.get(HTTP_OPTIONS))
}

/// Envoy's HTTP2 cluster feature: explicit HTTP/2, or HTTP/2 among the auto or downstream
/// protocols.
fn has_http2(http: Option<&Value>) -> bool {
    let Some(h) = http else { return false };
    h.pointer("/explicit_http_config/http2_protocol_options").is_some()
        || h.get("auto_config").is_some()
        || h.pointer("/use_downstream_protocol_config/http2_protocol_options").is_some()
}

fn array(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// A number written as a JSON number or (64-bit) a string.
fn number(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// A proto JSON duration (`"5s"`, `"0.001s"`, `"-1s"`) in nanoseconds.
#[cfg(test)]
mod tests;
