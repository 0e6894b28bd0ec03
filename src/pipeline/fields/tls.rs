//! BCP `tls` (§6.7): an `UpstreamTlsContext` transport socket. Private keys are redacted.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::ctx::{Cluster, FieldCtx};
use super::pem::cleaned_ssl_key_pair;
use super::value::{Obj, any, obj, opt_bool, opt_obj, opt_str, opt_str_list};

pub const TLS_SOCKET: &str = "envoy.transport_sockets.tls";
const UPSTREAM_TLS_CONTEXT: &str = "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
pub const SYSTEM_CA_SECRET: &str = "SYSTEM_CA_CERT";
const P: &str = "tls";

/// True when BCP `tls` yields to an attached BackendTLSPolicy (2.4+); the caller may report
/// the `Overridden` condition.
pub fn yields_to_backend_tls_policy(ctx: &FieldCtx) -> bool {
    ctx.has_backend_tls_policy && ctx.profile.backend_tls_policy_precedence
}

/// Build the socket (errors are policy errors even when a BackendTLSPolicy wins, because
/// kgateway translates the policy before processBackend) and set it unless it yields.
pub fn apply(cluster: &mut Cluster, v: &Value, ctx: &FieldCtx) -> Result<(), String> {
    let socket = build_tls_socket(v, ctx)?;
    if !yields_to_backend_tls_policy(ctx) {
        cluster.insert("transport_socket".into(), socket);
    }
    Ok(())
}

/// `{name: envoy.transport_sockets.tls, typed_config: UpstreamTlsContext}`.
pub fn build_tls_socket(v: &Value, ctx: &FieldCtx) -> Result<Value, String> {
    let m = obj(v, P)?;
    let mut common = Obj::new();
    if let Some(params) = opt_obj(m, "parameters", P)? {
        common.insert("tls_params".into(), Value::Object(tls_params(params)?));
    }
    if let Some(alpn) = opt_str_list(m, "alpnProtocols", P)?.filter(|a| !a.is_empty()) {
        common.insert("alpn_protocols".into(), json!(alpn));
    }
    if opt_bool(m, "insecureSkipVerify", P)? == Some(true) {
        common.insert("validation_context".into(), json!({}));
    } else {
        build_tls_context(m, ctx, &mut common)?;
    }
    let mut utc = Obj::new();
    utc.insert("common_tls_context".into(), Value::Object(common));
    if let Some(sni) = opt_str(m, "sni", P)?.filter(|s| !s.is_empty()) {
        utc.insert("sni".into(), json!(sni));
    }
    if opt_bool(m, "allowRenegotiation", P)? == Some(true) {
        utc.insert("allow_renegotiation".into(), Value::Bool(true));
    }
    Ok(json!({"name": TLS_SOCKET, "typed_config": any(UPSTREAM_TLS_CONTEXT, utc)}))
}

fn tls_version(v: Option<&str>) -> Result<Option<&'static str>, String> {
    match v.unwrap_or("AUTO") {
        "AUTO" => Ok(None),
        "1.0" => Ok(Some("TLSv1_0")),
        "1.1" => Ok(Some("TLSv1_1")),
        "1.2" => Ok(Some("TLSv1_2")),
        "1.3" => Ok(Some("TLSv1_3")),
        other => Err(format!("invalid TLS version: {other}")),
    }
}

fn tls_params(p: &Obj) -> Result<Obj, String> {
    const PP: &str = "tls.parameters";
    let max = tls_version(opt_str(p, "maxVersion", PP)?)?;
    let min = tls_version(opt_str(p, "minVersion", PP)?)?;
    let mut out = Obj::new();
    for (key, field) in [
        ("cipherSuites", "cipher_suites"),
        ("ecdhCurves", "ecdh_curves"),
        ("signatureAlgorithms", "signature_algorithms"),
    ] {
        if let Some(list) = opt_str_list(p, key, PP)?.filter(|l| !l.is_empty()) {
            out.insert(field.into(), json!(list));
        }
    }
    if let Some(min) = min {
        out.insert("tls_minimum_protocol_version".into(), json!(min));
    }
    if let Some(max) = max {
        out.insert("tls_maximum_protocol_version".into(), json!(max));
    }
    Ok(out)
}

/// Where the certificate material came from.
struct TlsData {
    cert_chain: String,
    private_key: String,
    root_ca: String,
    /// `Some("<ns>/<name>")` for a Secret (inline data sources), `None` for files.
    secret: Option<String>,
}

fn extract_tls_data(m: &Obj, ctx: &FieldCtx) -> Result<TlsData, String> {
    let empty = TlsData { cert_chain: String::new(), private_key: String::new(), root_ca: String::new(), secret: None };
    if let Some(sr) = opt_obj(m, "secretRef", P)? {
        let name = opt_str(sr, "name", "tls.secretRef")?.unwrap_or("");
        let ns = ctx.policy.namespace.as_str();
        let data = ctx
            .store
            .secret(ns, name)
            .ok_or_else(|| format!("failed to extract TLS data: Secret {ns}/{name} not found"))?;
        let get = |k: &str| data.get(k).cloned().unwrap_or_default();
        return Ok(TlsData {
            cert_chain: get("tls.crt"),
            private_key: get("tls.key"),
            root_ca: get("ca.crt"),
            secret: Some(format!("{ns}/{name}")),
        });
    }
    if let Some(files) = opt_obj(m, "files", P)? {
        const F: &str = "tls.files";
        let s = |k: &str| -> Result<String, String> { Ok(opt_str(files, k, F)?.unwrap_or("").to_string()) };
        return Ok(TlsData {
            cert_chain: s("tlsCertificate")?,
            private_key: s("tlsKey")?,
            root_ca: s("rootCA")?,
            secret: None,
        });
    }
    Ok(empty)
}

fn build_tls_context(m: &Obj, ctx: &FieldCtx, common: &mut Obj) -> Result<(), String> {
    let data = extract_tls_data(m, ctx)?;
    if opt_bool(m, "simpleTLS", P)? != Some(true) {
        build_certificate_context(&data, common)?;
    }
    build_validation_context(m, &data, common)
}

fn data_source(data: &TlsData, s: &str) -> Value {
    if data.secret.is_some() { json!({"inline_string": s}) } else { json!({"filename": s}) }
}

fn sha256_prefix(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// What bcp-render prints instead of secret material (`what`: where it comes from): the
/// output is applied as ConfigMaps and shown in pull requests. Its hash tells a change.
pub(crate) fn redaction(what: &str, secret: &str) -> String {
    format!("<redacted by bcp-render: {what}, sha256 {}>", sha256_prefix(secret))
}

/// The private key data source, with key material replaced by a marker.
fn private_key_source(data: &TlsData) -> Value {
    let key = &data.private_key;
    match &data.secret {
        Some(secret) => json!({"inline_string": redaction(&format!("Secret {secret} key tls.key"), key)}),
        // A real path is kept; PEM text passed as a "path" (which kgateway accepts) is redacted.
        None if key.contains("-----BEGIN") => json!({"filename": redaction("files.tlsKey", key)}),
        None => json!({"filename": key}),
    }
}

fn build_certificate_context(data: &TlsData, common: &mut Obj) -> Result<(), String> {
    if data.cert_chain.is_empty() && data.private_key.is_empty() {
        return Ok(());
    }
    if data.cert_chain.is_empty() || data.private_key.is_empty() {
        return Err(
            "invalid TLS config: for if providing a client certificate, both certChain and privateKey must be provided"
                .into(),
        );
    }
    let cleaned = cleaned_ssl_key_pair(&data.cert_chain, &data.private_key)
        .map_err(|e| format!("invalid certificate and key pair: {e}"))?;
    common.insert(
        "tls_certificates".into(),
        json!([{"certificate_chain": data_source(data, &cleaned), "private_key": private_key_source(data)}]),
    );
    Ok(())
}

fn build_validation_context(m: &Obj, data: &TlsData, common: &mut Obj) -> Result<(), String> {
    let sans: Vec<Value> = opt_str_list(m, "verifySubjectAltNames", P)?
        .unwrap_or_default()
        .into_iter()
        .map(|san| json!({"san_type": "DNS", "matcher": {"exact": san}}))
        .collect();
    // Other values (2.3+ pattern) are logged by kgateway and fall through to the rootCA logic.
    if opt_str(m, "wellKnownCACertificates", P)? == Some("System") {
        let mut dvc = Obj::new();
        if !sans.is_empty() {
            dvc.insert("match_typed_subject_alt_names".into(), Value::Array(sans));
        }
        common.insert(
            "combined_validation_context".into(),
            json!({"default_validation_context": dvc, "validation_context_sds_secret_config": {"name": SYSTEM_CA_SECRET}}),
        );
        return Ok(());
    }
    if data.root_ca.is_empty() {
        if sans.is_empty() {
            return Ok(());
        }
        return Err("a root_ca must be provided if verify_subject_alt_name is not empty".into());
    }
    let mut vc = Obj::new();
    vc.insert("trusted_ca".into(), data_source(data, &data.root_ca));
    if !sans.is_empty() {
        vc.insert("match_typed_subject_alt_names".into(), Value::Array(sans));
    }
    common.insert("validation_context".into(), Value::Object(vc));
    Ok(())
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
