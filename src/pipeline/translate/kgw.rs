//! What a kgateway Backend's type makes of its cluster skeleton (`processBackendForEnvoy`):
//! AWS Lambda, GCP and dynamic-forward-proxy clusters. (Static, priority-group and EC2
//! Backends are inline or EDS endpoints, built with the others in [`skeleton`](super::skeleton).)

use serde_json::{Value, json};

use crate::core::options::{Choice, DnsLookupFamily};
use crate::core::release::{DnsClusterStyle, Profile};
use crate::pipeline::backends::{Lambda, LambdaAuth};
use crate::pipeline::fields::HTTP_OPTIONS_KEY;
use crate::pipeline::fields::ctx::{Cluster, Store};
use crate::pipeline::fields::redaction;

const TLS_SOCKET: &str = "envoy.transport_sockets.tls";
const UPSTREAM_TLS: &str = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
const DNS_CLUSTER_TYPE: &str = "type.googleapis.com/envoy.extensions.clusters.dns.v3.DnsCluster";

/// A TLS socket naming the server.
fn sni_socket(host: &str) -> Value {
    json!({"name": TLS_SOCKET, "typed_config": {"@type": UPSTREAM_TLS, "sni": host}})
}

/// One endpoint, no hostname or health-check hostname (`EnvoySingleEndpointLoadAssignment`).
fn single_endpoint(cluster: &str, host: &str, port: u32) -> Value {
    json!({"cluster_name": cluster, "endpoints": [{"lb_endpoints": [
        {"endpoint": {"address": {"socket_address": {"address": host, "port_value": port}}}}
    ]}]})
}

/// The settings every cluster is built with: the release, and kgateway's
/// `KGW_DNS_LOOKUP_FAMILY`.
#[derive(Clone, Copy)]
pub struct Dns<'a> {
    pub profile: &'a Profile,
    pub family: DnsLookupFamily,
}

/// A DNS-resolved cluster: the DNS cluster extension (2.3+), else `legacy` (LOGICAL_DNS or
/// STRICT_DNS) with the cluster's own lookup family.
pub(super) fn dns(c: &mut Cluster, single_endpoint: bool, legacy: &str, s: Dns) {
    let family = s.family;
    match s.profile.dns_cluster_style {
        DnsClusterStyle::StrictDns => {
            c.insert("type".into(), json!(legacy));
            // Cluster.DnsLookupFamily's zero value is AUTO, which proto JSON omits.
            if family != DnsLookupFamily::Auto {
                c.insert("dns_lookup_family".into(), json!(family.name()));
            }
        }
        DnsClusterStyle::DnsClusterExtension => {
            let mut dns = json!({"@type": DNS_CLUSTER_TYPE, "dns_lookup_family": family.name()});
            if single_endpoint {
                dns["all_addresses_in_single_endpoint"] = json!(true);
            }
            c.insert("cluster_type".into(), json!({"name": "envoy.clusters.dns", "typed_config": dns}));
        }
    }
}

/// `processLambda`: a logical-DNS cluster to the Lambda endpoint, HTTP/2, with the Lambda,
/// request-signing and codec upstream filters. The credentials are read from the Backend's
/// Secret: `Err` (field, message) when kgateway cannot.
pub(super) fn lambda(
    c: &mut Cluster,
    l: &Lambda,
    namespace: &str,
    s: Dns,
    store: &dyn Store,
) -> Result<(), (String, String)> {
    let name = c.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
    dns(c, true, "LOGICAL_DNS", s);
    if l.tls {
        c.insert("transport_socket".into(), sni_socket(&l.host));
    }
    let mut config =
        json!({"@type": "type.googleapis.com/envoy.extensions.filters.http.aws_lambda.v3.Config", "arn": l.arn});
    if l.passthrough {
        config["payload_passthrough"] = json!(true);
    }
    if l.asynchronous {
        config["invocation_mode"] = json!("ASYNCHRONOUS");
    }
    let mut signing = json!({
        "@type": "type.googleapis.com/envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigning",
        "service_name": "lambda",
        "region": l.region,
    });
    match &l.auth {
        LambdaAuth::Default => {}
        LambdaAuth::AssumeRole(role) => {
            signing["credential_provider"] = json!({"assume_role_credential_provider": {"role_arn": role}});
        }
        LambdaAuth::Secret(secret) => {
            signing["credential_provider"] = json!({"inline_credential": inline_credential(namespace, secret, store)?});
        }
    }
    c.insert(
        "typed_extension_protocol_options".into(),
        json!({HTTP_OPTIONS_KEY: {
            "@type": format!("type.googleapis.com/{HTTP_OPTIONS_KEY}"),
            "explicit_http_config": {"http2_protocol_options": {}},
            "common_http_protocol_options": {"idle_timeout": "30s"},
            "http_filters": [
                {"name": "envoy.filters.http.aws_lambda", "typed_config": config},
                {"name": "envoy.filters.http.aws_request_signing", "typed_config": signing},
                {"name": "envoy.filters.http.upstream_codec", "typed_config":
                    {"@type": "type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec"}},
            ],
        }}),
    );
    c.insert("load_assignment".into(), single_endpoint(&name, &l.host, l.port));
    Ok(())
}

/// The signer's static credentials from the Secret's `accessKey`, `secretKey` and
/// `sessionToken` (the last optional).
fn inline_credential(namespace: &str, secret: &str, store: &dyn Store) -> Result<Value, (String, String)> {
    let field = "aws.auth.secretRef".to_string();
    let Some(data) = store.secret(namespace, secret) else {
        return Err((field, format!("Secret {namespace}/{secret} not found")));
    };
    let mut missing = Vec::new();
    for (key, what) in [("accessKey", "access_key"), ("secretKey", "secret_key")] {
        if !data.contains_key(key) {
            missing.push(format!("{what} is not a valid string"));
        }
    }
    if !missing.is_empty() {
        let m = format!(
            "failed to create aws request signing config: failed to derive static secret: {} (Secret {namespace}/{secret} needs string keys accessKey and secretKey)",
            missing.join("; ")
        );
        return Err((field, m));
    }
    // The secret parts are redacted, as TLS private keys are: the key id says which.
    let redacted = |key: &str| json!(redaction(&format!("Secret {namespace}/{secret} key {key}"), &data[key]));
    let mut cred = json!({"access_key_id": data["accessKey"], "secret_access_key": redacted("secretKey")});
    if data.contains_key("sessionToken") {
        cred["session_token"] = redacted("sessionToken");
    }
    Ok(cred)
}

/// `processGcp`: a DNS cluster to `host:443` over TLS, the audience in the metadata the
/// GCP authentication filter reads.
pub(super) fn gcp(c: &mut Cluster, host: &str, audience: &str, s: Dns) {
    let name = c.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
    dns(c, false, "STRICT_DNS", s);
    c.insert("transport_socket".into(), sni_socket(host));
    c.insert(
        "metadata".into(),
        json!({"typed_filter_metadata": {"envoy.filters.http.gcp_authn": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.gcp_authn.v3.Audience",
            "url": audience,
        }}}),
    );
    c.insert("load_assignment".into(), single_endpoint(&name, host, 443));
}

/// `processDynamicForwardProxy`: the dynamic-forward-proxy cluster in sub-clusters mode, TLS
/// validated against the system CAs when `enableTls`.
pub(super) fn dynamic_forward_proxy(c: &mut Cluster, tls: bool) {
    c.insert("lb_policy".into(), json!("CLUSTER_PROVIDED"));
    c.insert(
        "cluster_type".into(),
        json!({"name": "envoy.clusters.dynamic_forward_proxy", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig",
            "sub_clusters_config": {"lb_policy": "LEAST_REQUEST"},
        }}),
    );
    if tls {
        c.insert(
            "transport_socket".into(),
            json!({"name": TLS_SOCKET, "typed_config": {"@type": UPSTREAM_TLS, "common_tls_context": {
                "combined_validation_context": {
                    "default_validation_context": {},
                    "validation_context_sds_secret_config": {"name": "SYSTEM_CA_CERT"},
                },
            }}}),
        );
    }
}
