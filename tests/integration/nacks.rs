//! NACKs predicted before sync: what real Envoy rejects in a cluster kgateway would push, as
//! an error (standard), a warning with --allow-invalid, or kgateway's blackhole (strict).

use crate::util::*;

const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  ports:\n  - name: http\n    port: 80\n";

fn policy(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: BackendConfigPolicy\nmetadata:\n  name: {name}\n  namespace: apps\nspec:\n  targetRefs:\n  - {{group: \"\", kind: Service, name: web}}\n{spec}"
    )
}

const GRPC_HC: &str = "  healthCheck:\n    timeout: 1s\n    interval: 5s\n    unhealthyThreshold: 2\n    healthyThreshold: 2\n    grpc:\n      serviceName: web\n";
const BAD_CIPHER: &str = "  tls:\n    sni: web.example.com\n    insecureSkipVerify: true\n    parameters:\n      cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256, NOT-A-CIPHER]\n";

fn render(policies: &[String], args: &[&str]) -> Run {
    let mut files = vec![("svc.yaml", SERVICE.to_string())];
    let names = ["a.yaml", "b.yaml", "c.yaml"];
    for (i, p) in policies.iter().enumerate() {
        files.push((names[i], p.clone()));
    }
    let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    render_clusters_in(&files, args)
}

#[test]
fn a_grpc_health_check_on_an_http1_cluster_is_refused_naming_the_field() {
    let r = render(&[policy("hc", GRPC_HC)], &[]);
    assert_failed(&r, 1);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains("kgateway would push cluster kube_apps_web_80 and Envoy would reject the update")
            && r.stderr.contains("cluster must support HTTP/2 for gRPC healthchecking"),
        "{}",
        r.stderr
    );
    // Located at the policy's field, with a fix.
    assert!(r.stderr.contains("b.yaml") || r.stderr.contains("a.yaml"), "{}", r.stderr);
    assert!(r.stderr.contains("healthCheck"), "{}", r.stderr);
    assert!(r.stderr.contains("--allow-invalid"), "{}", r.stderr);

    // The same under `check`.
    let r = run_in_repo(&[("svc.yaml", SERVICE), ("a.yaml", &policy("hc", GRPC_HC))], &["check"], &[]);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("cluster must support HTTP/2 for gRPC healthchecking"), "{}", r.stderr);
}

#[test]
fn an_http2_backend_makes_the_grpc_health_check_valid() {
    let h2c = SERVICE.replace("port: 80\n", "port: 80\n    appProtocol: kubernetes.io/h2c\n");
    let r = render_clusters_in(&[("svc.yaml", &h2c), ("a.yaml", &policy("hc", GRPC_HC))], &[]);
    assert_ok(&r);
    assert!(r.stdout.contains("grpc_health_check"), "{}", r.stdout);
}

#[test]
fn an_unknown_cipher_is_refused_and_allow_invalid_renders_what_kgateway_pushes() {
    let r = render(&[policy("tls", BAD_CIPHER)], &[]);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("NOT-A-CIPHER"), "{}", r.stderr);
    assert!(r.stderr.contains("tls.parameters.cipherSuites") || r.stderr.contains("cipherSuites"), "{}", r.stderr);

    let r = render(&[policy("tls", BAD_CIPHER)], &["--allow-invalid"]);
    assert_ok(&r);
    assert!(r.stderr.contains("warning") && r.stderr.contains("Envoy would reject the update"), "{}", r.stderr);
    assert!(r.stdout.contains("NOT-A-CIPHER"), "the cluster as kgateway pushes it: {}", r.stdout);
}

#[test]
fn strict_validation_blackholes_every_backend_of_a_rejected_policy() {
    let strict = ["--validation-mode", "STRICT"];
    // Refused without --allow-invalid: the blackhole is a failure at sync.
    let r = render(&[policy("tls", BAD_CIPHER)], &strict);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("strict validation"), "{}", r.stderr);

    let r = render(&[policy("tls", BAD_CIPHER)], &["--validation-mode", "STRICT", "--allow-invalid"]);
    assert_ok(&r);
    assert!(r.stdout.contains("kube_apps_web_80"), "{}", r.stdout);
    assert!(!r.stdout.contains("NOT-A-CIPHER"), "the blackhole, not the pushed cluster: {}", r.stdout);
    assert!(!r.stdout.contains("transport_socket"), "{}", r.stdout);
    // The option is also read from the environment, case-insensitively.
    let files = [("svc.yaml", SERVICE), ("a.yaml", &policy("tls", BAD_CIPHER))];
    let args = ["render", "--output", "clusters", "--allow-invalid"];
    let env = run_in_repo(&files, &args, &[("BCP_RENDER_VALIDATION_MODE", "strict")]);
    assert_ok(&env);
    assert_eq!(env.stdout, r.stdout);
}

#[test]
fn a_valid_policy_renders_the_same_in_both_modes() {
    let ok = policy("ok", "  connectTimeout: 3s\n  perConnectionBufferLimitBytes: 1024\n");
    let standard = render(std::slice::from_ref(&ok), &[]);
    let strict = render(&[ok], &["--validation-mode", "STRICT"]);
    assert_ok(&standard);
    assert_ok(&strict);
    assert_eq!(standard.stdout, strict.stdout);
    let bad = render(&[policy("x", "  connectTimeout: 3s\n")], &["--validation-mode", "LAX"]);
    assert_failed(&bad, 1);
}
