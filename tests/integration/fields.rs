//! One fixture per BackendConfigPolicy field group (our own inputs), rendered as clusters under
//! kgateway main, with whole-output snapshots: a regression in any field fails here without the
//! shared conformance tools.

use crate::util::*;

fn render_group(name: &str) -> String {
    let dir = format!("fixtures/fields/{name}");
    let r = bcp(&["render", "--output", "clusters", "--kgateway-version", "main", &dir]);
    assert_ok(&r);
    format!("{}\n# stderr:\n{}", r.stdout, r.stderr)
}

macro_rules! field_group {
    ($test:ident, $dir:literal) => {
        #[test]
        fn $test() {
            insta::assert_snapshot!(concat!("fields_", $dir), render_group($dir));
        }
    };
}

field_group!(connection_timeout_buffer_and_keepalive, "connection");
field_group!(http_protocol_options_follow_the_backend_protocol, "http-protocol");
field_group!(tls_modes, "tls");
field_group!(load_balancers, "lb");
field_group!(health_checks, "health");
field_group!(outlier_detection_and_circuit_breakers, "outlier-circuit");
field_group!(upstream_proxy_protocol, "proxy-protocol");
field_group!(dns_clusters, "dns");
field_group!(backend_tls_policy_wins_over_tls, "backend-tls-policy");
field_group!(service_entries, "service-entry");

#[test]
fn private_keys_never_reach_the_output() {
    for args in [&["render", "fixtures/fields/tls"][..], &["render", "--output", "clusters", "fixtures/fields/tls"]] {
        let r = bcp(args);
        assert_ok(&r);
        // The Secret passes through as written (base64), but no PEM private key is inlined.
        assert!(!r.stdout.contains("PRIVATE KEY-----"), "key material in output");
        assert!(r.stdout.contains("redacted by bcp-render"), "no redaction marker");
    }
}
