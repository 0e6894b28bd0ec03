use super::*;
use crate::core::release::Release;
use crate::pipeline::fields::proxy_protocol;
use crate::pipeline::fields::testutil::{MapSecrets, TestCtx, eds_cluster};

const A_CRT: &str = include_str!("testdata/a.crt");
const A_KEY: &str = include_str!("testdata/a.key");
const B_CRT: &str = include_str!("testdata/b.crt");
const B_KEY: &str = include_str!("testdata/b.key");

fn ctx_with_secret() -> TestCtx {
    TestCtx::default().policy_name("backend-tls-policy").secrets(MapSecrets::default().with(
        "default",
        "client-tls-secret",
        &[("tls.crt", A_CRT), ("tls.key", A_KEY), ("ca.crt", A_CRT)],
    ))
}

fn utc(c: &Cluster) -> &Value {
    assert_eq!(c["transport_socket"]["name"], json!("envoy.transport_sockets.tls"));
    &c["transport_socket"]["typed_config"]
}

fn sans() -> Value {
    json!([{"matcher": {"exact": "test.example.com"}, "san_type": "DNS"},
        {"matcher": {"exact": "api.example.com"}, "san_type": "DNS"}])
}

fn run(t: &TestCtx, tls: Value) -> Result<Cluster, String> {
    let mut c = eds_cluster("kube_default_backend-service_443");
    apply(&mut c, &tls, &t.ctx())?;
    Ok(c)
}

#[test]
fn simple_tls_golden() {
    let t = ctx_with_secret();
    let c = run(
        &t,
        json!({"secretRef": {"name": "client-tls-secret"}, "sni": "test.example.com", "simpleTLS": true,
        "verifySubjectAltNames": ["test.example.com", "api.example.com"]}),
    )
    .unwrap();
    assert_eq!(
        utc(&c),
        &json!({"@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
            "common_tls_context": {"validation_context": {"match_typed_subject_alt_names": sans(),
                "trusted_ca": {"inline_string": A_CRT}}},
            "sni": "test.example.com"})
    );
}

#[test]
fn tls_san_golden_with_redacted_key() {
    let t = ctx_with_secret();
    let c = run(
        &t,
        json!({"secretRef": {"name": "client-tls-secret"}, "sni": "test.example.com",
        "verifySubjectAltNames": ["test.example.com", "api.example.com"], "allowRenegotiation": true}),
    )
    .unwrap();
    let digest: String = Sha256::digest(A_KEY.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        utc(&c),
        &json!({"@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
            "allow_renegotiation": true,
            "common_tls_context": {
                "tls_certificates": [{"certificate_chain": {"inline_string": A_CRT}, "private_key": {"inline_string":
                    format!("<redacted by bcp-render: Secret default/client-tls-secret key tls.key, sha256 {digest}>")}}],
                "validation_context": {"match_typed_subject_alt_names": sans(), "trusted_ca": {"inline_string": A_CRT}}},
            "sni": "test.example.com"})
    );
    assert_eq!(digest.len(), 16);
    let out = serde_json::to_string(&c).unwrap();
    assert!(!out.contains("PRIVATE KEY"), "private key leaked");
}

#[test]
fn insecure_skip_verify_golden() {
    let t = TestCtx::default();
    let c = run(&t, json!({"insecureSkipVerify": true, "sni": "www.google.com"})).unwrap();
    assert_eq!(
        utc(&c),
        &json!({"@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
            "common_tls_context": {"validation_context": {}}, "sni": "www.google.com"})
    );
}

#[test]
fn system_ca_golden() {
    let t = TestCtx::default();
    let c = run(&t, json!({"sni": "test.example.com", "wellKnownCACertificates": "System"})).unwrap();
    assert_eq!(
        utc(&c)["common_tls_context"],
        json!({"combined_validation_context": {"default_validation_context": {},
            "validation_context_sds_secret_config": {"name": "SYSTEM_CA_CERT"}}})
    );
    let c = run(
        &t,
        json!({"sni": "test.example.com", "wellKnownCACertificates": "System",
        "verifySubjectAltNames": ["test.example.com", "api.example.com"]}),
    )
    .unwrap();
    assert_eq!(
        utc(&c)["common_tls_context"],
        json!({"combined_validation_context": {"default_validation_context": {"match_typed_subject_alt_names": sans()},
            "validation_context_sds_secret_config": {"name": "SYSTEM_CA_CERT"}}})
    );
    // Another value falls through to the rootCA logic.
    let e =
        run(&t, json!({"wellKnownCACertificates": "example.com/bundle", "verifySubjectAltNames": ["a"]})).unwrap_err();
    assert_eq!(e, "a root_ca must be provided if verify_subject_alt_name is not empty");
}

#[test]
fn parameters_and_alpn() {
    let t = TestCtx::default();
    let c = run(
        &t,
        json!({"insecureSkipVerify": true, "alpnProtocols": ["h2", "http/1.1"], "parameters": {
        "minVersion": "1.2", "maxVersion": "1.3",
        "cipherSuites": ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
        "ecdhCurves": ["X25519", "P-256"], "signatureAlgorithms": ["ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha256"]}}),
    )
    .unwrap();
    assert_eq!(
        utc(&c)["common_tls_context"],
        json!({"alpn_protocols": ["h2", "http/1.1"], "tls_params": {
            "cipher_suites": ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
            "ecdh_curves": ["X25519", "P-256"], "signature_algorithms": ["ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha256"],
            "tls_maximum_protocol_version": "TLSv1_3", "tls_minimum_protocol_version": "TLSv1_2"},
            "validation_context": {}})
    );
    let c = run(&t, json!({"insecureSkipVerify": true, "parameters": {"minVersion": "AUTO"}})).unwrap();
    assert_eq!(utc(&c)["common_tls_context"], json!({"tls_params": {}, "validation_context": {}}));
    let e = run(&t, json!({"insecureSkipVerify": true, "parameters": {"minVersion": "1.4"}})).unwrap_err();
    assert_eq!(e, "invalid TLS version: 1.4");
}

#[test]
fn files_mode() {
    let t = TestCtx::default();
    let c = run(&t, json!({"files": {"rootCA": "/etc/ssl/ca.crt"}, "verifySubjectAltNames": ["test.example.com", "api.example.com"]}))
        .unwrap();
    assert_eq!(
        utc(&c)["common_tls_context"],
        json!({"validation_context": {"match_typed_subject_alt_names": sans(), "trusted_ca": {"filename": "/etc/ssl/ca.crt"}}})
    );
    // Real paths for a client certificate fail in kgateway's CleanedSslKeyPair.
    let e = run(&t, json!({"files": {"tlsCertificate": "/etc/tls.crt", "tlsKey": "/etc/tls.key"}})).unwrap_err();
    assert_eq!(e, "invalid certificate and key pair: tls: failed to find any PEM data in certificate input");
    // PEM text as the "path" passes; the key is still redacted.
    let c = run(&t, json!({"files": {"tlsCertificate": A_CRT, "tlsKey": A_KEY}})).unwrap();
    let certs = &utc(&c)["common_tls_context"]["tls_certificates"][0];
    assert_eq!(certs["certificate_chain"], json!({"filename": A_CRT}));
    assert!(
        certs["private_key"]["filename"]
            .as_str()
            .unwrap()
            .starts_with("<redacted by bcp-render: files.tlsKey, sha256 ")
    );
    assert!(!serde_json::to_string(&c).unwrap().contains("PRIVATE KEY"));
}

#[test]
fn errors() {
    let t = ctx_with_secret();
    let e = run(&t, json!({"secretRef": {"name": "nope"}})).unwrap_err();
    assert_eq!(e, "failed to extract TLS data: Secret default/nope not found");
    let e = run(&TestCtx::default(), json!({"verifySubjectAltNames": ["a.example.com"], "sni": "a"})).unwrap_err();
    assert_eq!(e, "a root_ca must be provided if verify_subject_alt_name is not empty");
    let t2 = TestCtx::default().secrets(MapSecrets::default().with("default", "s", &[("tls.crt", A_CRT)]));
    let e = run(&t2, json!({"secretRef": {"name": "s"}})).unwrap_err();
    assert_eq!(
        e,
        "invalid TLS config: for if providing a client certificate, both certChain and privateKey must be provided"
    );
    // simpleTLS skips the client certificate entirely.
    run(&t2, json!({"secretRef": {"name": "s"}, "simpleTLS": true})).unwrap();
    let t3 = TestCtx::default().secrets(MapSecrets::default().with(
        "default",
        "s",
        &[("tls.crt", A_CRT), ("tls.key", B_KEY)],
    ));
    let e = run(&t3, json!({"secretRef": {"name": "s"}})).unwrap_err();
    assert_eq!(e, "invalid certificate and key pair: tls: private key does not match public key");
    let t4 = TestCtx::default().secrets(MapSecrets::default().with(
        "default",
        "s",
        &[("tls.crt", A_KEY), ("tls.key", A_CRT)],
    ));
    let e = run(&t4, json!({"secretRef": {"name": "s"}})).unwrap_err();
    assert!(e.contains("PEM inputs may have been switched"), "{e}");
    let e = run(&TestCtx::default(), json!({"sni": 5})).unwrap_err();
    assert!(e.contains("tls.sni"), "{e}");
}

#[test]
fn second_pair_matches_and_chain_is_reencoded() {
    // CRLF line endings and 76-column lines are normalised to Go's pem.Encode form.
    let body: String = B_CRT.lines().filter(|l| !l.starts_with("-----")).collect();
    let messy = format!(
        "junk\r\n-----BEGIN CERTIFICATE-----\r\n{}\r\n{}\r\n-----END CERTIFICATE-----\r\n",
        &body[..76],
        &body[76..]
    );
    let mut t = TestCtx::default().secrets(MapSecrets::default().with(
        "default",
        "s",
        &[("tls.crt", &messy), ("tls.key", B_KEY)],
    ));
    let c = run(&t, json!({"secretRef": {"name": "s"}})).unwrap();
    let chain = &utc(&c)["common_tls_context"]["tls_certificates"][0]["certificate_chain"]["inline_string"];
    assert_eq!(chain, &json!(B_CRT));
    // A two-certificate chain keeps both blocks.
    t.secrets =
        MapSecrets::default().with("default", "s", &[("tls.crt", &format!("{B_CRT}{A_CRT}")), ("tls.key", B_KEY)]);
    let c = run(&t, json!({"secretRef": {"name": "s"}})).unwrap();
    let chain = &utc(&c)["common_tls_context"]["tls_certificates"][0]["certificate_chain"]["inline_string"];
    assert_eq!(chain, &json!(format!("{B_CRT}{A_CRT}")));
}

#[test]
fn backend_tls_policy_precedence_by_profile() {
    let t = TestCtx::default().btp(true);
    let mut c = eds_cluster("kube_default_httpbin_8080");
    apply(&mut c, &json!({"insecureSkipVerify": true}), &t.ctx()).unwrap();
    assert!(c.get("transport_socket").is_none());
    assert!(yields_to_backend_tls_policy(&t.ctx()));
    // Errors still surface even when the socket yields.
    assert!(apply(&mut c, &json!({"secretRef": {"name": "x"}}), &t.ctx()).is_err());
    let t21 = TestCtx::default().release(Release::V2_1).btp(true);
    apply(&mut c, &json!({"insecureSkipVerify": true}), &t21.ctx()).unwrap();
    assert!(c.get("transport_socket").is_some());
}

#[test]
fn proxy_protocol_wraps_bcp_tls() {
    let t = TestCtx::default();
    let mut c = run(&t, json!({"insecureSkipVerify": true, "sni": "a"})).unwrap();
    let tls = c["transport_socket"].clone();
    proxy_protocol::apply(&mut c, &json!({"version": "V1"}), &t.ctx()).unwrap();
    assert_eq!(c["transport_socket"]["name"], json!("envoy.transport_sockets.upstream_proxy_protocol"));
    assert_eq!(c["transport_socket"]["typed_config"]["config"], json!({}));
    assert_eq!(c["transport_socket"]["typed_config"]["transport_socket"], tls);
}
