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
field_group!(every_kgateway_backend_type, "backend-types");
field_group!(gateway_client_certificate_clones, "gateway-client-certificate");

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

#[test]
fn aws_credentials_from_a_secret_are_redacted_but_say_which_key() {
    let r = bcp(&["render", "--output", "clusters", "--kgateway-version", "main", "fixtures/fields/backend-types"]);
    assert_ok(&r);
    assert!(!r.stdout.contains("secret-example"), "the secret access key is printed");
    assert!(r.stdout.contains("access_key_id: AKIAEXAMPLE"), "{}", r.stdout);
    assert!(
        r.stdout.contains("<redacted by bcp-render: Secret fields/aws-creds key secretKey, sha256 "),
        "{}",
        r.stdout
    );
}

#[test]
fn ec2_backends_need_kgateways_discovery_setting() {
    let refused = bcp(&["render", "--output", "clusters", "fixtures/backends/ec2"]);
    assert_failed(&refused, 1);
    assert!(
        refused.stderr.contains("aws ec2 discovery is disabled") && refused.stderr.contains("--aws-ec2-discovery"),
        "{}",
        refused.stderr
    );
    let r = bcp(&["render", "--output", "clusters", "--aws-ec2-discovery", "fixtures/backends/ec2"]);
    assert_ok(&r);
    assert!(r.stdout.contains("name: backend_shop_instances_0") && r.stdout.contains("type: EDS"), "{}", r.stdout);
    // Before 2.4 there is no EC2 Backend: the field is not in the release's CRD.
    let old = bcp(&["render", "--kgateway-version", "2.3", "--aws-ec2-discovery", "fixtures/backends/ec2"]);
    assert_failed(&old, 1);
    assert!(old.stderr.contains("2.3"), "{}", old.stderr);
}

#[test]
fn a_priority_group_member_that_is_not_static_blackholes_the_group() {
    let dir = repo(&[(
        "b.yaml",
        "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: Backend\nmetadata: {name: pg}\nspec:\n  priorityGroups:\n  - backendRefs: [{name: dfp}]\n---\napiVersion: gateway.kgateway.dev/v1alpha1\nkind: Backend\nmetadata: {name: dfp}\nspec:\n  dynamicForwardProxy: {}\n",
    )]);
    let mut c = command(dir.path());
    c.args(["render", "--output", "clusters", "."]);
    let r = run_with(c, None);
    assert_failed(&r, 1);
    assert!(
        r.stderr.contains("\"dfp\" is not a static backend")
            && r.stderr.contains("backend_default_pg_0 is a blackhole"),
        "{}",
        r.stderr
    );
    let mut c = command(dir.path());
    c.args(["render", "--output", "clusters", "--allow-invalid", "."]);
    let r = run_with(c, None);
    assert_ok(&r);
    assert!(r.stdout.contains("name: backend_default_pg_0\ntype: STATIC"), "{}", r.stdout);
}

#[test]
fn service_entries_need_kgateways_istio_integration_from_2_3() {
    let se = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: ext\nspec:\n  hosts: [api.example.com]\n  ports:\n  - {number: 443, name: https, protocol: TLS}\n  resolution: DNS\n";
    let dir = repo(&[("se.yaml", se)]);
    let render = |args: &[&str]| {
        let mut c = command(dir.path());
        c.args(["render", "--output", "clusters"]).args(args).arg(".");
        run_with(c, None)
    };
    let off = render(&["--istio-integration=false"]);
    assert_ok(&off);
    assert!(!off.stdout.contains("istio-se_"), "{}", off.stdout);
    assert!(off.stderr.contains("only with EnableIstioIntegration (--istio-integration)"), "{}", off.stderr);
    let on = render(&[]);
    assert!(on.stdout.contains("name: istio-se_default_ext_api.example.com_443"), "{}", on.stdout);
    let old = render(&["--istio-integration=false", "--kgateway-version", "2.2"]);
    assert_ok(&old);
    assert!(old.stdout.contains("istio-se_"), "2.2 builds them always: {}", old.stdout);
    // 2.1 and 2.2 resolve DNS with STRICT_DNS and set the family on the cluster.
    assert!(
        old.stdout.contains("type: STRICT_DNS") && old.stdout.contains("dns_lookup_family: V4_PREFERRED"),
        "{}",
        old.stdout
    );
}
