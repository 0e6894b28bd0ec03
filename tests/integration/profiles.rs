//! One fixture per release difference (fixtures/profiles/<row>/): each test renders the
//! clusters under the releases on both sides of the change, asserts the difference, and pins
//! both outputs in one snapshot.

use crate::util::*;

fn clusters(row: &str, version: &str) -> Run {
    let r =
        bcp(&["render", "--output", "clusters", "--kgateway-version", version, &format!("fixtures/profiles/{row}")]);
    assert_ok(&r);
    r
}

/// Both renders, labelled, for a snapshot.
fn both(row: &str, a: &str, b: &str) -> (String, String, String) {
    let (ra, rb) = (clusters(row, a).stdout, clusters(row, b).stdout);
    let shown = format!("# --kgateway-version {a}\n{ra}# --kgateway-version {b}\n{rb}");
    (ra, rb, shown)
}

#[test]
fn empty_metadata_until_2_3() {
    for v in ["2.1", "2.2", "2.3"] {
        assert!(clusters("metadata", v).stdout.contains("\nmetadata: {}\n"), "{v}");
    }
    let (old, new, shown) = both("metadata", "2.3", "2.4");
    assert!(old.contains("\nmetadata: {}\n"));
    assert!(!new.contains("metadata:"));
    insta::assert_snapshot!("profiles_metadata", shown);
}

#[test]
fn default_locality_config_from_2_4() {
    let (old, new, shown) = both("default-locality", "2.3", "2.4");
    assert!(!old.contains("locality_weighted_lb_config"));
    assert!(new.contains("common_lb_config:\n  locality_weighted_lb_config: {}\n"), "{new}");
    insta::assert_snapshot!("profiles_default_locality", shown);
}

#[test]
fn typed_lb_policies_carry_locality_lb_config_from_2_4() {
    let (old, new, shown) = both("typed-lb-locality", "2.3", "2.4");
    assert!(old.contains("envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest"));
    assert!(!old.contains("locality_lb_config"), "{old}");
    assert!(new.contains("locality_lb_config"), "{new}");
    insta::assert_snapshot!("profiles_typed_lb_locality", shown);
}

#[test]
fn strict_dns_until_2_2_then_the_dns_cluster_extension() {
    let (old, new, shown) = both("dns-cluster", "2.2", "2.3");
    assert!(old.contains("type: STRICT_DNS") && old.contains("dns_lookup_family: V4_PREFERRED"), "{old}");
    assert!(!old.contains("envoy.clusters.dns"));
    assert!(new.contains("name: envoy.clusters.dns") && !new.contains("STRICT_DNS"), "{new}");
    insta::assert_snapshot!("profiles_dns_cluster", shown);
}

/// With creation timestamps the order is known: 2.1–2.3 apply oldest first so the newest (9s)
/// wins; 2.4 merges and the oldest (1s) wins. No warning either way.
#[test]
fn merge_order_newest_wins_until_2_3_oldest_wins_from_2_4() {
    for v in ["2.1", "2.2", "2.3"] {
        let r = clusters("merge-order", v);
        assert!(r.stdout.contains("connect_timeout: 9s"), "{v}: {}", r.stdout);
        assert_eq!(r.stderr, "", "{v}");
    }
    for v in ["2.4", "main"] {
        let r = clusters("merge-order", v);
        assert!(r.stdout.contains("connect_timeout: 1s"), "{v}: {}", r.stdout);
        assert_eq!(r.stderr, "", "{v}");
    }
    let (_, _, shown) = both("merge-order", "2.3", "2.4");
    insta::assert_snapshot!("profiles_merge_order", shown);
}

/// Without timestamps the policies tie: bcp-render orders them by namespace/name and warns that
/// the live result depends on creation order, under every release.
#[test]
fn merge_tie_warns() {
    for v in ["2.3", "2.4"] {
        let r = clusters("merge-tie", v);
        assert!(r.stderr.contains("warning: BackendConfigPolicy profiles/"), "{v}: {}", r.stderr);
        assert!(r.stderr.contains("the live result depends on which is created first"), "{v}: {}", r.stderr);
    }
    assert!(
        clusters("merge-tie", "2.3")
            .stderr
            .contains("kgateway 2.3 applies policies with equal timestamps in unspecified order")
    );
    assert!(!clusters("merge-tie", "2.4").stderr.contains("unspecified order"));
    let r = bcp(&["check", "--strict", "--kgateway-version", "2.4", "fixtures/profiles/merge-tie"]);
    assert_failed(&r, 1);
}

/// 2.4 applies the BackendTLSPolicy deterministically (and keeps the PROXY wrapper, without a
/// warning); 2.3's order is random in kgateway, so bcp-render warns.
#[test]
fn backend_tls_policy_precedence_from_2_4_and_a_warning_before() {
    let old = clusters("backend-tls-policy", "2.3");
    assert!(
        old.stderr.contains("applies BackendTLSPolicy and BackendConfigPolicy tls in random order"),
        "{}",
        old.stderr
    );
    let new = clusters("backend-tls-policy", "2.4");
    assert!(!new.stderr.contains("random order"), "{}", new.stderr);
    assert!(new.stdout.contains("envoy.transport_sockets.upstream_proxy_protocol"), "{}", new.stdout);
    let (_, _, shown) = both("backend-tls-policy", "2.3", "2.4");
    insta::assert_snapshot!("profiles_backend_tls_policy", shown);
}

#[test]
fn health_check_host_clears_endpoint_hostname_from_2_3() {
    let (old, new, shown) = both("health-check-hostname", "2.2", "2.3");
    assert!(old.contains("health_check_config:\n          hostname: api.example.com\n"), "{old}");
    assert!(new.contains("health_check_config: {}\n"), "{new}");
    insta::assert_snapshot!("profiles_health_check_hostname", shown);
}

/// A field the chosen release does not have is refused, naming the first release that has it;
/// that release accepts it.
#[test]
fn fields_exist_per_release() {
    let cases = [
        ("field-circuit-breakers", "spec.circuitBreakers", "2.1", "2.2"),
        ("field-dns", "spec.dns", "2.2", "2.3"),
        ("field-connection-keepalive", "spec.http2ProtocolOptions.connectionKeepalive", "2.3", "2.4"),
        ("field-outlier-main", "spec.outlierDetection.enforcingConsecutive5xx", "2.4", "main"),
    ];
    for (row, field, refused, accepted) in cases {
        let path = format!("fixtures/profiles/{row}");
        let r = bcp(&["check", "--kgateway-version", refused, &path]);
        assert_failed(&r, 1);
        let first = r.stderr.lines().next().unwrap_or_default();
        assert!(first.contains("resources.yaml:"), "{first}");
        assert!(first.contains(": error: BackendConfigPolicy profiles/"), "{first}");
        assert!(first.contains(&format!("{field}: ")), "{row}: {first}");
        assert!(first.contains(&format!("(added in {accepted})")), "{row}: {first}");
        let r = bcp(&["check", "--kgateway-version", accepted, &path]);
        assert_ok(&r);
    }
}
