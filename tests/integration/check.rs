//! `check`: one invalid fixture per rule family (fixtures/invalid/<family>/), each asserting
//! exit 1, nothing on stdout, the exact `file:LINE:COL`, the field and kgateway's message; the
//! same inputs through `render`; a multi-error fixture; warnings and `--strict`; the JSON form.

use crate::util::*;

/// `check` and `render` on a fixture: both fail with exit 1 and print nothing on stdout. Returns
/// check's stderr lines (diagnostics, then the summary).
fn fails(dir: &str, extra: &[&str]) -> Vec<String> {
    let path = format!("fixtures/{dir}");
    let mut args = vec!["check"];
    args.extend_from_slice(extra);
    args.push(&path);
    let r = bcp(&args);
    assert_failed(&r, 1);
    let mut args = vec!["render"];
    args.extend_from_slice(extra);
    args.push(&path);
    let rendered = bcp(&args);
    assert_failed(&rendered, 1);
    assert_eq!(rendered.stderr, r.stderr, "render and check report the same diagnostics");
    r.stderr.lines().map(str::to_string).collect()
}

/// One error: the diagnostic line exactly, then the summary.
fn one_error(dir: &str, expected: &str) {
    let lines = fails(dir, &[]);
    assert_eq!(
        lines,
        vec![expected.to_string(), "bcp-render: 1 error(s), 0 warning(s); nothing was rendered".to_string()]
    );
}

#[test]
fn duration_regex_in_a_multi_document_file() {
    one_error(
        "invalid/duration-regex",
        "fixtures/invalid/duration-regex/resources.yaml:22:3: error: BackendConfigPolicy shop/bad: \
         spec.connectTimeout: invalid duration value \"1.5s\" (integers with h, m, s, ms; e.g. 1500ms)",
    );
}

#[test]
fn duration_minimum() {
    one_error(
        "invalid/duration-minimum",
        "fixtures/invalid/duration-minimum/policy.yaml:13:5: error: BackendConfigPolicy shop/bad: \
         spec.tcpKeepalive.keepAliveTime: keepAliveTime must be at least 1 second (got \"500ms\")",
    );
}

#[test]
fn exactly_one_of_tls_modes() {
    one_error(
        "invalid/exactly-one-of",
        "fixtures/invalid/exactly-one-of/policy.yaml:11:3: error: BackendConfigPolicy shop/bad: spec.tls: \
         exactly one of the fields in [secretRef files insecureSkipVerify wellKnownCACertificates] must be set \
         (set: secretRef, insecureSkipVerify)",
    );
}

#[test]
fn at_most_one_of_http1_http2() {
    one_error(
        "invalid/at-most-one-of",
        "fixtures/invalid/at-most-one-of/policy.yaml:6:1: error: BackendConfigPolicy shop/bad: spec: \
         at most one of the fields in [http1ProtocolOptions http2ProtocolOptions] may be set \
         (set: http1ProtocolOptions, http2ProtocolOptions)",
    );
}

#[test]
fn at_least_one_of_circuit_breakers() {
    one_error(
        "invalid/at-least-one-of",
        "fixtures/invalid/at-least-one-of/policy.yaml:12:3: error: BackendConfigPolicy shop/bad: \
         spec.circuitBreakers: at least one of the fields in [maxConnections maxPendingRequests maxRequests \
         maxRetries] must be set (none is set)",
    );
}

/// The docs' selector (group networking.istio.io, kind Service), built through a kustomization
/// that sets the namespace: the line is the one in the resource file.
#[test]
fn target_kinds_the_docs_selector_through_kustomize() {
    one_error(
        "invalid/target-kinds",
        "fixtures/invalid/target-kinds/policy.yaml:7:5: error: BackendConfigPolicy shop/bad: \
         spec.targetSelectors[0].group: TargetSelectors must reference either a Kubernetes Service, a Backend, \
         or an Istio Hostname (got group \"networking.istio.io\", kind \"Service\") (a Kubernetes Service has \
         group \"\" (the core group), not \"networking.istio.io\": write group: \"\")",
    );
}

#[test]
fn jitter_at_most_refresh_rate() {
    one_error(
        "invalid/jitter-refresh",
        "fixtures/invalid/jitter-refresh/backend.yaml:25:5: error: BackendConfigPolicy shop/bad: spec.dns.jitter: \
         jitter must be less than or equal to refreshRate (jitter \"10s\" > refreshRate \"5s\")",
    );
}

#[test]
fn aggression_deep_in_nested_fields() {
    one_error(
        "invalid/aggression",
        "fixtures/invalid/aggression/policy.yaml:16:9: error: BackendConfigPolicy shop/bad: \
         spec.loadBalancer.leastRequest.slowStart.aggression: Aggression, if specified, must be a string \
         representing a number greater than 0.0 (got \"-1.5\")",
    );
}

#[test]
fn quantity_window() {
    one_error(
        "invalid/quantity-window",
        "fixtures/invalid/quantity-window/policy.yaml:12:5: error: BackendConfigPolicy shop/bad: \
         spec.http2ProtocolOptions.initialStreamWindowSize: InitialStreamWindowSize must be between 65535 and \
         2147483647 bytes (inclusive) (got \"1Ki\"; e.g. 65535, 64Ki or 1Mi)",
    );
}

#[test]
fn locality_type_and_zone_aware() {
    one_error(
        "invalid/locality-zoneaware",
        "fixtures/invalid/locality-zoneaware/policy.yaml:11:3: error: BackendConfigPolicy shop/bad: \
         spec.loadBalancer: localityType and zoneAware are mutually exclusive",
    );
}

#[test]
fn unknown_field_typo_suggests_the_real_name() {
    one_error(
        "invalid/unknown-field",
        "fixtures/invalid/unknown-field/policy.yaml:11:3: error: BackendConfigPolicy shop/bad: \
         spec.connectTimout: unknown field \"connectTimout\" (did you mean connectTimeout?)",
    );
}

#[test]
fn schema_type_error() {
    one_error(
        "invalid/schema-type",
        "fixtures/invalid/schema-type/policy.yaml:12:5: error: BackendConfigPolicy shop/bad: \
         spec.circuitBreakers.maxConnections: must be of type integer, got string \"lots\"",
    );
}

#[test]
fn backend_rules() {
    let lines = fails("invalid/backend", &[]);
    assert_eq!(
        lines,
        vec![
            "fixtures/invalid/backend/backend.yaml:6:1: error: Backend shop/api: spec: exactly one of the fields in \
             [aws static dynamicForwardProxy gcp priorityGroups] must be set (none is set)",
            "fixtures/invalid/backend/backend.yaml:6:1: error: Backend shop/api: spec: static backend must be \
             specified when type is 'Static'",
            "bcp-render: 2 error(s), 0 warning(s); nothing was rendered",
        ]
    );
}

/// Three files, fourteen problems: every one is reported, sorted by file and line.
#[test]
fn multi_error_fixture_reports_every_problem() {
    let lines = fails("invalid/multi", &[]);
    let a = "fixtures/invalid/multi/a-policies.yaml";
    let b = "fixtures/invalid/multi/b-more.yaml";
    let c = "fixtures/invalid/multi/c-service.yaml";
    let dur = "(integers with h, m, s, ms; e.g. 1500ms)";
    let expected = vec![
        format!(
            "{a}:12:3: error: BackendConfigPolicy shop/timeouts: spec.connectTimeout: invalid duration value \"1.5s\" {dur}"
        ),
        format!(
            "{a}:14:5: error: BackendConfigPolicy shop/timeouts: spec.commonHttpProtocolOptions.idleTimeout: invalid \
             duration value \"forever\" {dur}"
        ),
        format!(
            "{a}:21:1: error: BackendConfigPolicy shop/protocols: spec: at most one of the fields in \
             [http1ProtocolOptions http2ProtocolOptions] may be set (set: http1ProtocolOptions, http2ProtocolOptions)"
        ),
        format!(
            "{a}:23:5: error: BackendConfigPolicy shop/protocols: spec.targetRefs[0].group: TargetRefs must reference \
             either a Kubernetes Service, a Backend, or an Istio Hostname (got group \"core\", kind \"Service\") (a \
             Kubernetes Service has group \"\" (the core group), not \"core\": write group: \"\")"
        ),
        format!(
            "{a}:29:5: error: BackendConfigPolicy shop/protocols: spec.http2ProtocolOptions.initialStreamWindowSize: \
             InitialStreamWindowSize must be between 65535 and 2147483647 bytes (inclusive) (got \"1Ki\"; e.g. 65535, \
             64Ki or 1Mi)"
        ),
        format!(
            "{b}:11:3: error: BackendConfigPolicy shop/lb: spec.loadBalancer: exactly one of the fields in [leastRequest \
             roundRobin ringHash maglev random] must be set (set: roundRobin, maglev)"
        ),
        format!(
            "{b}:14:9: error: BackendConfigPolicy shop/lb: spec.loadBalancer.roundRobin.slowStart.aggression: \
             Aggression, if specified, must be a string representing a number greater than 0.0 (got \"0\")"
        ),
        format!(
            "{b}:16:3: error: BackendConfigPolicy shop/lb: spec.healthCheck: exactly one of http or grpc must be set (none is set)"
        ),
        format!(
            "{b}:16:3: error: BackendConfigPolicy shop/lb: spec.healthCheck: missing required field \"healthyThreshold\""
        ),
        format!("{b}:16:3: error: BackendConfigPolicy shop/lb: spec.healthCheck: missing required field \"interval\""),
        format!(
            "{b}:16:3: error: BackendConfigPolicy shop/lb: spec.healthCheck: missing required field \"unhealthyThreshold\""
        ),
        format!(
            "{b}:18:3: error: BackendConfigPolicy shop/lb: spec.connectTimout: unknown field \"connectTimout\" (did you \
             mean connectTimeout?)"
        ),
        format!(
            "{c}:16:1: error: Backend shop/api: spec: exactly one of the fields in [aws static dynamicForwardProxy gcp \
             priorityGroups] must be set (none is set)"
        ),
        format!("{c}:16:1: error: Backend shop/api: spec: static backend must be specified when type is 'Static'"),
        "bcp-render: 14 error(s), 0 warning(s); nothing was rendered".to_string(),
    ];
    assert_eq!(lines, expected);
}

#[test]
fn the_seed_repository_checks_clean() {
    let r = bcp(&["check", "--global-policy-namespace", "kgateway-system", "fixtures/seed"]);
    assert_ok(&r);
    assert_eq!(r.stdout, "", "check prints nothing on stdout");
    assert_eq!(r.stderr, "", "the seed fixtures have no warnings");
}

/// What kubeconform cannot see: every object is valid on its own. A missing Secret is an error;
/// a targetRef to a Service in another namespace and an http2 option on an HTTP/1 backend are
/// warnings.
#[test]
fn cross_object_problems() {
    let lines = fails("invalid/cross-object", &[]);
    let f = "fixtures/invalid/cross-object/policies.yaml";
    assert_eq!(
        lines,
        vec![
            format!(
                "{f}:12:3: error: BackendConfigPolicy shop/web-tls: spec.tls: failed to extract TLS data: Secret \
                 shop/web-client-cert not found; kgateway would replace cluster kube_shop_web_80 with a blackhole \
                 (requests fail with 500) (fix the policy, or pass --allow-invalid to render the blackhole cluster)"
            ),
            format!(
                "{f}:26:3: warning: BackendConfigPolicy shop/web-h2: spec.http2ProtocolOptions: ignored for cluster \
                 kube_shop_web_80: HTTP/2 options apply only to HTTP/2 backends (appProtocol http2, grpc, grpc-web or \
                 kubernetes.io/h2c, or a port so named)"
            ),
            format!(
                "{f}:35:3: warning: BackendConfigPolicy shop/payments: attached to nothing: targetRefs[0]: Service \
                 \"payments\" exists only in namespace billing (wrong namespace: targetRefs are namespace-local)"
            ),
            "bcp-render: 1 error(s), 2 warning(s); nothing was rendered".to_string(),
        ]
    );
}

/// Warnings alone: exit 0, listed on stderr, nothing on stdout; `--strict` makes them errors.
fn warns_then_strict_fails(dir: &str, expected: &[&str]) {
    let path = format!("fixtures/{dir}");
    let r = bcp(&["check", &path]);
    assert_ok(&r);
    assert_eq!(r.stdout, "");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines, expected, "stderr:\n{}", r.stderr);

    let lines = fails(dir, &["--strict"]);
    let n = expected.len();
    assert_eq!(lines.len(), n + 1, "{lines:?}");
    for (got, want) in lines.iter().zip(expected) {
        assert_eq!(got, &want.replacen(": warning: ", ": error: ", 1));
    }
    assert_eq!(lines[n], format!("bcp-render: {n} error(s), 0 warning(s); nothing was rendered"));
}

#[test]
fn warning_conflict_without_timestamps() {
    warns_then_strict_fails(
        "profiles/merge-tie",
        &["fixtures/profiles/merge-tie/resources.yaml:21:3: warning: BackendConfigPolicy profiles/older: \
           spec.connectTimeout: also set by BackendConfigPolicy profiles/newer (cluster kube_profiles_web_80); \
           bcp-render uses profiles/newer's value, ordering policies without creation timestamps by namespace/name, \
           but the live result depends on which is created first"],
    );
}

#[test]
fn warning_policy_attached_to_nothing() {
    warns_then_strict_fails(
        "warnings/unattached",
        &[
            "fixtures/warnings/unattached/policies.yaml:7:3: warning: BackendConfigPolicy shop/typo: attached to \
             nothing: targetRefs[0]: no Service \"wbe\" in the input (no such target)",
            "fixtures/warnings/unattached/policies.yaml:19:3: warning: BackendConfigPolicy shop/selector: attached \
             to nothing: targetSelectors[0]: selector matches nothing: no Service in namespace shop has labels \
             app=api",
        ],
    );
}

#[test]
fn warning_field_ignored_for_the_protocol() {
    warns_then_strict_fails(
        "warnings/ignored-for-protocol",
        &["fixtures/warnings/ignored-for-protocol/resources.yaml:19:3: warning: BackendConfigPolicy shop/h2: \
           spec.http2ProtocolOptions: ignored for cluster kube_shop_web_80: HTTP/2 options apply only to HTTP/2 \
           backends (appProtocol http2, grpc, grpc-web or kubernetes.io/h2c, or a port so named)"],
    );
}

/// `check --format json` prints its diagnostics on stdout even when it fails (exit 1): that
/// is the output editors and CI annotations read.
#[test]
fn json_diagnostics_on_stdout_even_on_failure() {
    let r = bcp(&["check", "--format", "json", "fixtures/invalid/cross-object"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr, "", "json mode keeps stderr empty");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("one JSON document");
    assert_eq!(v["errors"], 1);
    insta::assert_snapshot!("check_json_cross_object", r.stdout);

    let r = bcp(&["check", "--format", "json", "--global-policy-namespace", "kgateway-system", "fixtures/seed"]);
    assert_ok(&r);
    assert_eq!(r.stdout, "{\n  \"errors\": 0,\n  \"warnings\": 0,\n  \"diagnostics\": []\n}\n");
}
