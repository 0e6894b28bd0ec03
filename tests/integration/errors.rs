//! Every error path: exit 1, nothing on stdout, a message naming file, line, object, field.

use crate::util::*;

const SERVICE: &str =
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - name: http\n    port: 80\n";

#[test]
fn the_docs_selector_with_istio_group_and_service_kind_is_refused() {
    let dir = repo(&[
        ("svc.yaml", SERVICE),
        (
            "policy.yaml",
            "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: BackendConfigPolicy\nmetadata:\n  name: p\nspec:\n  targetSelectors:\n  - group: networking.istio.io\n    kind: Service\n    matchLabels:\n      app: web\n",
        ),
    ]);
    let mut c = command(dir.path());
    c.args(["render", "."]);
    let r = run_with(c, None);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("policy.yaml:7:"), "{}", r.stderr);
    assert!(r.stderr.contains("BackendConfigPolicy default/p"), "{}", r.stderr);
    assert!(r.stderr.contains("spec.targetSelectors[0].group"), "{}", r.stderr);
    assert!(r.stderr.contains("group: \"\""), "{}", r.stderr);
}

#[test]
fn duplicate_objects_are_an_error() {
    let dir = repo(&[("a.yaml", SERVICE), ("b.yaml", SERVICE)]);
    let mut c = command(dir.path());
    c.args(["render", "."]);
    let r = run_with(c, None);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("a.yaml") && r.stderr.contains("b.yaml"), "{}", r.stderr);
}

#[test]
fn a_missing_secret_fails_the_render_and_allow_invalid_renders_the_blackhole() {
    let policy = "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: BackendConfigPolicy\nmetadata:\n  name: tls\nspec:\n  targetRefs:\n  - group: \"\"\n    kind: Service\n    name: web\n  tls:\n    secretRef:\n      name: missing\n";
    let dir = repo(&[("svc.yaml", SERVICE), ("policy.yaml", policy)]);
    let mut c = command(dir.path());
    c.args(["render", "."]);
    let r = run_with(c, None);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("policy.yaml:10:"), "{}", r.stderr);
    assert!(r.stderr.contains("Secret default/missing not found"), "{}", r.stderr);
    assert!(r.stderr.contains("--allow-invalid"), "{}", r.stderr);

    let mut c = command(dir.path());
    c.args(["render", "--allow-invalid", "."]);
    let r = run_with(c, None);
    assert_ok(&r);
    assert!(r.stdout.contains("bcp-render.dev/status: Invalid"), "{}", r.stdout);
    assert!(r.stdout.contains("type: STATIC"), "{}", r.stdout);
}

#[test]
fn yaml_syntax_errors_name_the_file_and_line() {
    let dir = repo(&[("bad.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n")]);
    let mut c = command(dir.path());
    c.args(["render", "."]);
    let r = run_with(c, None);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("bad.yaml:"), "{}", r.stderr);
}

#[test]
fn bad_option_values_name_the_option() {
    let r = bcp(&["render", "--max-depth", "deep", "fixtures/seed"]);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("--max-depth"), "{}", r.stderr);
}
