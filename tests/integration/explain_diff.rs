//! `explain` and `diff`, with whole-output snapshots.

use std::path::Path;

use crate::util::*;

const GLOBAL: [&str; 2] = ["--global-policy-namespace", "kgateway-system"];

#[test]
fn explain_shows_merge_provenance_missing_targets_global_policies_and_tls_overrides() {
    let r = bcp(&[&["explain", "fixtures/explain"][..], &GLOBAL].concat());
    assert_ok(&r);
    // The merge case: two policies set connectTimeout and tie on (absent) creation time.
    assert!(r.stdout.contains("also set by shop/orders-timeouts, which lost: tie on creation time"), "{}", r.stdout);
    // The missing target: wrong namespace.
    assert!(r.stdout.contains("wrong namespace: targetRefs are namespace-local"), "{}", r.stdout);
    // The global namespace policy.
    assert!(r.stdout.contains("from the global policy namespace"), "{}", r.stdout);
    // The BackendTLSPolicy override.
    assert!(r.stdout.contains("overridden by BackendTLSPolicy shop/billing-ca"), "{}", r.stdout);
    insta::assert_snapshot!("explain_text", r.stdout);
}

#[test]
fn explain_json_carries_the_same_explanation_as_data() {
    let r = bcp(&[&["explain", "--format", "json", "fixtures/explain"][..], &GLOBAL].concat());
    assert_ok(&r);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["clusters"].as_array().unwrap().len(), 2);
    assert_eq!(v["unattached_policies"][0]["policy"], "payments/misplaced");
    insta::assert_snapshot!("explain_json", r.stdout);
}

#[test]
fn explain_one_cluster_or_one_policy() {
    let r = bcp(&[&["explain", "--cluster", "kube_shop_billing_443", "fixtures/explain"][..], &GLOBAL].concat());
    assert_ok(&r);
    assert!(r.stdout.starts_with("cluster kube_shop_billing_443\n"), "{}", r.stdout);
    assert!(!r.stdout.contains("kube_shop_orders_8080"));

    let r = bcp(&["explain", "--policy", "kgateway-system/platform-defaults", "fixtures/explain"]);
    assert_ok(&r);
    assert!(
        r.stdout.contains("would match in other namespaces if kgateway-system were the global policy namespace"),
        "{}",
        r.stdout
    );

    let r = bcp(&["explain", "--cluster", "kube_nope_80", "fixtures/explain"]);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("no cluster kube_nope_80 in the input"), "{}", r.stderr);
}

/// BASE = fixtures/explain, HEAD = a copy changed by `edit`.
fn diff_after(edit: impl FnOnce(&Path), extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let (base, head) = (dir.path().join("base"), dir.path().join("head"));
    copy_tree(&fixture("explain"), &base);
    copy_tree(&fixture("explain"), &head);
    edit(&head);
    let mut c = command(dir.path());
    c.args(["diff", "base", "head"]).args(GLOBAL).args(extra);
    run_with(c, None)
}

fn replace(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn diff_of_a_timeout_change_names_the_field_and_the_policy() {
    let r = diff_after(|h| replace(&h.join("policies.yaml"), "connectTimeout: 10s", "connectTimeout: 15s"), &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "~ cluster kube_shop_orders_8080\n    connect_timeout: \"10s\" -> \"15s\"  (BackendConfigPolicy shop/backend-tier (policies.yaml:14))\n"
    );
}

#[test]
fn diff_of_an_added_policy() {
    let added = "---\napiVersion: gateway.kgateway.dev/v1alpha1\nkind: BackendConfigPolicy\nmetadata:\n  name: billing-breakers\n  namespace: shop\nspec:\n  targetRefs:\n    - {group: \"\", kind: Service, name: billing}\n  circuitBreakers:\n    maxConnections: 100\n";
    let r = diff_after(
        |h| {
            let p = h.join("policies.yaml");
            let text = std::fs::read_to_string(&p).unwrap();
            std::fs::write(p, text + added).unwrap();
        },
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!("diff_added_policy", r.stdout);
}

#[test]
fn diff_of_a_removed_service_port_in_markdown() {
    let r = diff_after(
        |h| {
            let p = h.join("services.yaml");
            let text = std::fs::read_to_string(&p).unwrap();
            let text = text.replace("    - name: https\n      port: 443\n", "    - name: http\n      port: 80\n");
            std::fs::write(p, text).unwrap();
        },
        &["--format", "markdown"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("| `kube_shop_billing_443` | removed |"), "{}", r.stdout);
    assert!(r.stdout.contains("| `kube_shop_billing_80` | added |"), "{}", r.stdout);
    insta::assert_snapshot!("diff_removed_port_markdown", r.stdout);
}

#[test]
fn diff_without_changes_prints_nothing_and_exits_zero() {
    let r = diff_after(|_| {}, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn diff_errors_exit_two() {
    let r = diff_after(|h| replace(&h.join("policies.yaml"), "connectTimeout: 10s", "connectTimeout: 1.5s"), &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("HEAD does not render"), "{}", r.stderr);
}

fn git(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn diff_against_a_git_revision() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("apps/shop");
    copy_tree(&fixture("explain"), &app);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    replace(&app.join("policies.yaml"), "connectTimeout: 2s", "connectTimeout: 3s");
    replace(&app.join("policies.yaml"), "connectTimeout: 10s", "connectTimeout: 20s");

    let mut c = command(dir.path());
    c.args(["diff", "--git", "HEAD", "apps/shop"]).args(GLOBAL);
    let r = run_with(c, None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("connect_timeout: \"10s\" -> \"20s\""), "{}", r.stdout);

    // Committed: no difference against HEAD any more.
    git(dir.path(), &["commit", "-q", "-am", "head"]);
    let mut c = command(dir.path());
    c.args(["diff", "--git", "HEAD", "apps/shop"]).args(GLOBAL);
    let r = run_with(c, None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn explain_never_echoes_private_keys_written_inline_in_a_policy() {
    let key = "-----BEGIN PRIVATE KEY-----\\n  MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n  -----END PRIVATE KEY-----";
    let policy = format!(
        "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: BackendConfigPolicy\nmetadata:\n  name: p\nspec:\n  targetRefs:\n  - {{group: \"\", kind: Service, name: web}}\n  tls:\n    files:\n      rootCA: /etc/ca.pem\n      tlsKey: \"{key}\"\n    simpleTLS: true\n"
    );
    let dir = repo(&[
        ("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n"),
        ("policy.yaml", &policy),
    ]);
    let mut c = command(dir.path());
    c.args(["explain", "."]);
    let r = run_with(c, None);
    assert_ok(&r);
    assert!(r.stdout.contains("tls = "), "{}", r.stdout);
    assert!(
        !r.stdout.contains("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")
            && !r.stderr.contains("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")
    );
}
