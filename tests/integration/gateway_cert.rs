//! A Gateway's backend client certificate: the clone clusters of the backends its routes
//! reach, per release, and refusals where the repository cannot decide which those are.

use crate::util::*;

const FIXTURE: &str = "fixtures/fields/gateway-client-certificate/resources.yaml";

fn fixture() -> String {
    std::fs::read_to_string(project_dir().join(FIXTURE)).unwrap()
}

fn render(stream: &str, args: &[&str]) -> Run {
    let mut all = vec!["render", "--output", "clusters"];
    all.extend_from_slice(args);
    all.push("-");
    bcp_stdin(&all, stream)
}

fn names(stdout: &str) -> Vec<&str> {
    stdout.lines().filter_map(|l| l.strip_prefix("name: ")).collect()
}

#[test]
fn clones_follow_the_routes_under_every_release_that_has_them() {
    for release in ["2.3", "2.4", "main"] {
        let r = render(&fixture(), &["--kgateway-version", release]);
        assert_ok(&r);
        let n = names(&r.stdout);
        assert!(n.contains(&"kube_gwcert_ledger_gw_backend_client_cert_gwcert_edge_443"), "{release}: {n:?}");
        assert!(n.contains(&"kube_gwcert_audit_gw_backend_client_cert_gwcert_edge_8080"), "{release}: {n:?}");
        assert!(n.contains(&"kube_gwcert_ledger_443"), "the original stays: {n:?}");
        assert!(!n.iter().any(|c| c.starts_with("kube_gwcert_unrouted_gw")), "a route the listener rejects: {n:?}");
        assert!(!r.stdout.contains("BEGIN PRIVATE KEY"), "the key is never printed");
    }
    for release in ["2.1", "2.2"] {
        let r = render(&fixture(), &["--kgateway-version", release]);
        assert_ok(&r);
        assert!(!r.stdout.contains("gw_backend_client_cert"), "{release}");
        assert!(
            r.stderr.contains(&format!("kgateway {release} ignores a Gateway's backend client certificate")),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn a_missing_secret_is_an_error_naming_the_gateway_field() {
    let stream = fixture().replacen("name: ledger-client\n", "name: nowhere\n", 1);
    let r = render(&stream, &[]);
    assert_failed(&r, 1);
    assert!(
        r.stderr.contains("Gateway gwcert/edge") && r.stderr.contains("spec.tls.backend.clientCertificateRef"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Secret gwcert/nowhere not found"), "{}", r.stderr);
}

#[test]
fn what_the_repository_cannot_decide_is_refused() {
    let cases = [
        (
            "- name: audit\n          port: 8080",
            "- name: audit\n          namespace: other\n          port: 8080",
            "ReferenceGrant",
        ),
        (
            "- name: audit\n          port: 8080",
            "- name: child\n          kind: HTTPRoute\n          group: gateway.networking.k8s.io",
            "delegation",
        ),
        (
            "      hostname: \"*.example.com\"",
            "      hostname: \"*.example.com\"\n      allowedRoutes:\n        namespaces:\n          from: Selector",
            "\"Selector\"",
        ),
    ];
    for (from, to, why) in cases {
        let stream = fixture().replacen(from, to, 1);
        assert_ne!(stream, fixture(), "{why}: the edit applies");
        let r = render(&stream, &[]);
        assert_failed(&r, 1);
        assert!(
            r.stderr.contains("cannot tell which backends Gateway gwcert/edge reaches") && r.stderr.contains(why),
            "{why}: {}",
            r.stderr
        );
    }
}

#[test]
fn a_route_from_another_namespace_attaches_only_where_the_listener_allows_it() {
    let other = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: far\n  namespace: apps\nspec:\n  parentRefs:\n    - {name: edge, namespace: gwcert}\n  rules:\n    - backendRefs:\n        - {name: web, port: 80}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  ports:\n    - {name: http, port: 80}\n";
    let same = render(&(fixture() + other), &[]);
    assert_ok(&same);
    assert!(!same.stdout.contains("kube_apps_web_gw_backend_client_cert"), "{}", same.stdout);
    let all = (fixture() + other).replacen(
        "      hostname: \"*.example.com\"",
        "      hostname: \"*.example.com\"\n      allowedRoutes:\n        namespaces:\n          from: All",
        1,
    );
    let r = render(&all, &[]);
    assert_ok(&r);
    assert!(r.stdout.contains("name: kube_apps_web_gw_backend_client_cert_gwcert_edge_80"), "{}", r.stdout);
}
