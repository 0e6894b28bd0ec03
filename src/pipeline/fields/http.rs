//! HTTP protocol options (§6.2), all through [`mutate_http_options`], like kgateway's
//! `translatorutils.MutateHttpOptions`.

use serde_json::{Value, json};

use super::ctx::{Cluster, FieldCtx};
use super::value::{Obj, any, member, obj, opt_bool, opt_obj, opt_proto_duration, opt_u32, put};
use crate::core::kind::AppProtocol;
use crate::core::units::quantity::parse_quantity;

pub const HTTP_OPTIONS_KEY: &str = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
const PRESERVE_CASE: &str = "envoy.http.stateful_header_formatters.preserve_case";
const PRESERVE_CASE_TYPE: &str = "envoy.extensions.http.header_formatters.preserve_case.v3.PreserveCaseFormatterConfig";
/// The `upstream_protocol_options` oneof of `HttpProtocolOptions`.
const UPSTREAM_PROTOCOL_ONEOF: [&str; 3] = ["explicit_http_config", "use_downstream_protocol_config", "auto_config"];

/// Get (or create) the cluster's `HttpProtocolOptions` Any and mutate it in place.
pub fn mutate_http_options(cluster: &mut Cluster, f: impl FnOnce(&mut Obj)) {
    let teo = cluster.entry("typed_extension_protocol_options").or_insert_with(|| Value::Object(Obj::new()));
    if !teo.is_object() {
        *teo = Value::Object(Obj::new());
    }
    let teo = teo.as_object_mut().expect("object");
    let opts = teo.entry(HTTP_OPTIONS_KEY).or_insert_with(|| any(HTTP_OPTIONS_KEY, Obj::new()));
    if !opts.is_object() {
        *opts = any(HTTP_OPTIONS_KEY, Obj::new());
    }
    f(opts.as_object_mut().expect("object"));
}

fn set_upstream_protocol(opts: &mut Obj, explicit: Value) {
    for k in UPSTREAM_PROTOCOL_ONEOF {
        opts.remove(k);
    }
    opts.insert("explicit_http_config".into(), explicit);
}

/// True when kgateway skips the field for this backend protocol (the caller warns).
pub fn ignored_for_protocol(field: &str, protocol: AppProtocol) -> bool {
    match field {
        "http1ProtocolOptions" => protocol == AppProtocol::Http2,
        "http2ProtocolOptions" => protocol != AppProtocol::Http2,
        _ => false,
    }
}

/// Why `http1ProtocolOptions` has no effect on this backend, if it has none.
pub fn http1_ignored(_: &Value, _: &Cluster, protocol: AppProtocol) -> Option<String> {
    ignored_for_protocol("http1ProtocolOptions", protocol)
        .then(|| "HTTP/1 options are ignored on an HTTP/2 backend".into())
}

/// Why `http2ProtocolOptions` has no effect on this backend, if it has none.
pub fn http2_ignored(_: &Value, _: &Cluster, protocol: AppProtocol) -> Option<String> {
    ignored_for_protocol("http2ProtocolOptions", protocol).then(|| {
        "HTTP/2 options apply only to HTTP/2 backends (appProtocol http2, grpc, grpc-web or kubernetes.io/h2c, \
         or a port so named)"
            .into()
    })
}

pub fn apply_common_http_protocol_options(cluster: &mut Cluster, v: &Value, _ctx: &FieldCtx) -> Result<(), String> {
    const P: &str = "commonHttpProtocolOptions";
    let m = obj(v, P)?;
    let mut common = Obj::new();
    put(&mut common, "idle_timeout", opt_proto_duration(m, "idleTimeout", P)?);
    put(&mut common, "max_headers_count", opt_u32(m, "maxHeadersCount", P)?);
    put(&mut common, "max_stream_duration", opt_proto_duration(m, "maxStreamDuration", P)?);
    put(&mut common, "max_requests_per_connection", opt_u32(m, "maxRequestsPerConnection", P)?);
    mutate_http_options(cluster, |opts| {
        opts.insert("common_http_protocol_options".into(), Value::Object(common));
        if !UPSTREAM_PROTOCOL_ONEOF.iter().any(|k| opts.contains_key(*k)) {
            opts.insert("explicit_http_config".into(), json!({"http_protocol_options": {}}));
        }
    });
    Ok(())
}

pub fn apply_http1_protocol_options(cluster: &mut Cluster, v: &Value, ctx: &FieldCtx) -> Result<(), String> {
    const P: &str = "http1ProtocolOptions";
    let m = obj(v, P)?;
    let mut h1 = Obj::new();
    if opt_bool(m, "enableTrailers", P)? == Some(true) {
        h1.insert("enable_trailers".into(), Value::Bool(true));
    }
    if opt_bool(m, "preserveHttp1HeaderCase", P)? == Some(true) {
        h1.insert(
            "header_key_format".into(),
            json!({"stateful_formatter": {"name": PRESERVE_CASE, "typed_config": any(PRESERVE_CASE_TYPE, Obj::new())}}),
        );
    }
    put(
        &mut h1,
        "override_stream_error_on_invalid_http_message",
        opt_bool(m, "overrideStreamErrorOnInvalidHttpMessage", P)?,
    );
    if ignored_for_protocol(P, ctx.protocol) {
        return Ok(());
    }
    mutate_http_options(cluster, |opts| set_upstream_protocol(opts, json!({"http_protocol_options": h1})));
    Ok(())
}

pub fn apply_http2_protocol_options(cluster: &mut Cluster, v: &Value, ctx: &FieldCtx) -> Result<(), String> {
    const P: &str = "http2ProtocolOptions";
    let m = obj(v, P)?;
    let mut h2 = Obj::new();
    put(&mut h2, "max_concurrent_streams", opt_u32(m, "maxConcurrentStreams", P)?);
    for (key, out) in [
        ("initialStreamWindowSize", "initial_stream_window_size"),
        ("initialConnectionWindowSize", "initial_connection_window_size"),
    ] {
        if let Some(q) = member(m, key) {
            let n = quantity_value(q).map_err(|e| format!("{P}.{key}: {e}"))?;
            // Go: uint32(quantity.Value()).
            h2.insert(out.into(), json!(n as u32));
        }
    }
    put(
        &mut h2,
        "override_stream_error_on_invalid_http_message",
        opt_bool(m, "overrideStreamErrorOnInvalidHttpMessage", P)?,
    );
    if let Some(ka) = opt_obj(m, "connectionKeepalive", P)? {
        const K: &str = "http2ProtocolOptions.connectionKeepalive";
        let mut s = Obj::new();
        let timeout = opt_proto_duration(ka, "timeout", K)?.unwrap_or_else(|| json!("0s"));
        s.insert("timeout".into(), timeout);
        put(&mut s, "interval", opt_proto_duration(ka, "interval", K)?);
        put(&mut s, "connection_idle_interval", opt_proto_duration(ka, "connectionIdleInterval", K)?);
        h2.insert("connection_keepalive".into(), Value::Object(s));
    }
    if ignored_for_protocol(P, ctx.protocol) {
        return Ok(());
    }
    mutate_http_options(cluster, |opts| set_upstream_protocol(opts, json!({"http2_protocol_options": h2})));
    Ok(())
}

/// `resource.Quantity(...).Value()`: the value rounded up to an integer (int64, saturating).
pub fn quantity_value(v: &Value) -> Result<i64, String> {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i)
            } else if let Some(u) = n.as_u64() {
                Ok(i64::try_from(u).unwrap_or(i64::MAX))
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                Ok(f.ceil() as i64)
            }
        }
        Value::String(s) => parse_quantity(s),
        other => Err(format!("expected a quantity, got {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::fields::testutil::{TestCtx, cluster, eds_cluster};

    fn h2_skeleton(name: &str) -> Cluster {
        let mut c = eds_cluster(name);
        c.insert(
            "typed_extension_protocol_options".into(),
            json!({HTTP_OPTIONS_KEY: {"@type": format!("type.googleapis.com/{HTTP_OPTIONS_KEY}"),
                "explicit_http_config": {"http2_protocol_options": {}}}}),
        );
        c
    }

    fn http_opts(c: &Cluster) -> &Value {
        &c["typed_extension_protocol_options"][HTTP_OPTIONS_KEY]
    }

    #[test]
    fn quantity_values() {
        // Strings are parsed by core::units::quantity (tested there).
        assert_eq!(quantity_value(&json!("64Ki")).unwrap(), 65536);
        assert_eq!(quantity_value(&json!(65535)).unwrap(), 65535);
        assert_eq!(quantity_value(&json!(1.5)).unwrap(), 2);
        assert!(quantity_value(&json!(true)).is_err());
    }

    #[test]
    fn common_and_http1_match_lb_config_golden() {
        let t = TestCtx::default();
        let mut c = eds_cluster("kube_default_httpbin_8080");
        apply_common_http_protocol_options(
            &mut c,
            &json!({"idleTimeout": "10s", "maxHeadersCount": 15, "maxStreamDuration": "30s", "maxRequestsPerConnection": 100}),
            &t.ctx(),
        )
        .unwrap();
        apply_http1_protocol_options(
            &mut c,
            &json!({"enableTrailers": true, "overrideStreamErrorOnInvalidHttpMessage": true, "preserveHttp1HeaderCase": true}),
            &t.ctx(),
        )
        .unwrap();
        assert_eq!(
            http_opts(&c),
            &json!({
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                "common_http_protocol_options": {"idle_timeout": "10s", "max_headers_count": 15, "max_requests_per_connection": 100, "max_stream_duration": "30s"},
                "explicit_http_config": {"http_protocol_options": {
                    "enable_trailers": true,
                    "header_key_format": {"stateful_formatter": {
                        "name": "envoy.http.stateful_header_formatters.preserve_case",
                        "typed_config": {"@type": "type.googleapis.com/envoy.extensions.http.header_formatters.preserve_case.v3.PreserveCaseFormatterConfig"}}},
                    "override_stream_error_on_invalid_http_message": true}}
            })
        );
    }

    #[test]
    fn http1_false_values() {
        let t = TestCtx::default();
        let mut c = eds_cluster("c");
        apply_http1_protocol_options(
            &mut c,
            &json!({"enableTrailers": false, "preserveHttp1HeaderCase": false, "overrideStreamErrorOnInvalidHttpMessage": false}),
            &t.ctx(),
        )
        .unwrap();
        assert_eq!(
            http_opts(&c)["explicit_http_config"],
            json!({"http_protocol_options": {"override_stream_error_on_invalid_http_message": false}})
        );
    }

    #[test]
    fn http2_ignored_on_http1_backend_but_common_applies() {
        // golden http2.yaml, cluster kube_default_httpbin_8080 and kube_default_httpbin2_8080
        let t = TestCtx::default();
        let h2 = json!({"maxConcurrentStreams": 100, "initialStreamWindowSize": "64Ki",
            "initialConnectionWindowSize": "64Ki", "overrideStreamErrorOnInvalidHttpMessage": true});
        let mut only_h2 = eds_cluster("kube_default_httpbin2_8080");
        apply_http2_protocol_options(&mut only_h2, &h2, &t.ctx()).unwrap();
        assert_eq!(only_h2, eds_cluster("kube_default_httpbin2_8080"));
        assert!(ignored_for_protocol("http2ProtocolOptions", AppProtocol::Http1));
        assert!(ignored_for_protocol("http1ProtocolOptions", AppProtocol::Http2));
        assert!(!ignored_for_protocol("http1ProtocolOptions", AppProtocol::WebSocket));

        let mut c = eds_cluster("kube_default_httpbin_8080");
        apply_common_http_protocol_options(
            &mut c,
            &json!({"idleTimeout": "10s", "maxHeadersCount": 15, "maxStreamDuration": "30s"}),
            &t.ctx(),
        )
        .unwrap();
        apply_http2_protocol_options(&mut c, &h2, &t.ctx()).unwrap();
        let mut want = eds_cluster("kube_default_httpbin_8080");
        want.insert(
            "typed_extension_protocol_options".into(),
            json!({HTTP_OPTIONS_KEY: {
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                "common_http_protocol_options": {"idle_timeout": "10s", "max_headers_count": 15, "max_stream_duration": "30s"},
                "explicit_http_config": {"http_protocol_options": {}}}}),
        );
        assert_eq!(c, want);
    }

    #[test]
    fn common_and_http2_on_http2_backend() {
        let t = TestCtx::default().protocol(AppProtocol::Http2);
        // golden commonhttpprotocol-http2backend.yaml
        let mut c = h2_skeleton("kube_default_httpbin_8080");
        apply_common_http_protocol_options(
            &mut c,
            &json!({"idleTimeout": "10s", "maxHeadersCount": 15, "maxStreamDuration": "30s"}),
            &t.ctx(),
        )
        .unwrap();
        assert_eq!(http_opts(&c)["explicit_http_config"], json!({"http2_protocol_options": {}}));
        // golden http2.yaml, cluster kube_default_httpbin-h2c_8080 (plus a keepalive)
        let mut c = h2_skeleton("kube_default_httpbin-h2c_8080");
        apply_http2_protocol_options(
            &mut c,
            &json!({"maxConcurrentStreams": 101, "initialStreamWindowSize": "1024Ki",
                "initialConnectionWindowSize": "1024Ki", "overrideStreamErrorOnInvalidHttpMessage": true}),
            &t.ctx(),
        )
        .unwrap();
        let mut want = eds_cluster("kube_default_httpbin-h2c_8080");
        want.extend(cluster(json!({"typed_extension_protocol_options": {HTTP_OPTIONS_KEY: {
            "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            "explicit_http_config": {"http2_protocol_options": {
                "initial_connection_window_size": 1048576, "initial_stream_window_size": 1048576,
                "max_concurrent_streams": 101, "override_stream_error_on_invalid_http_message": true}}}}})));
        assert_eq!(c, want);

        apply_http2_protocol_options(
            &mut c,
            &json!({"connectionKeepalive": {"timeout": "5s", "interval": "30s", "connectionIdleInterval": "1500ms"}}),
            &t.ctx(),
        )
        .unwrap();
        assert_eq!(
            http_opts(&c)["explicit_http_config"],
            json!({"http2_protocol_options": {"connection_keepalive": {"timeout": "5s", "interval": "30s", "connection_idle_interval": "1.500s"}}})
        );
    }

    #[test]
    fn http1_skipped_on_http2_and_type_errors() {
        let t = TestCtx::default().protocol(AppProtocol::Http2);
        let mut c = h2_skeleton("c");
        let before = c.clone();
        apply_http1_protocol_options(&mut c, &json!({"enableTrailers": true}), &t.ctx()).unwrap();
        assert_eq!(c, before);
        let e =
            apply_http2_protocol_options(&mut c, &json!({"initialStreamWindowSize": "lots"}), &t.ctx()).unwrap_err();
        assert!(e.contains("http2ProtocolOptions.initialStreamWindowSize"), "{e}");
        let e = apply_common_http_protocol_options(&mut c, &json!({"idleTimeout": 10}), &t.ctx()).unwrap_err();
        assert!(e.contains("commonHttpProtocolOptions.idleTimeout"), "{e}");
    }
}
