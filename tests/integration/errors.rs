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

fn render_in(dir: &std::path::Path, args: &[&str]) -> Run {
    let mut c = command(dir);
    c.arg("render").args(args);
    run_with(c, None)
}

#[test]
fn unsupported_kustomize_fields_are_refused_by_name() {
    let dir = repo(&[
        ("app/kustomization.yaml", "resources:\n- svc.yaml\nhelmCharts:\n- name: x\n"),
        ("app/svc.yaml", SERVICE),
    ]);
    let r = render_in(dir.path(), &["--kustomize-engine", "builtin", "app"]);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("helmCharts: not supported by the built-in kustomize"), "{}", r.stderr);
    assert!(r.stderr.contains("--kustomize-engine exec app"), "the way out names the engine: {}", r.stderr);
    assert!(r.stderr.contains("kubectl kustomize app | bcp-render render -"), "and the pipe: {}", r.stderr);
}

#[test]
fn auto_without_a_kustomize_refuses_naming_both_ways_out() {
    let dir = repo(&[
        ("app/kustomization.yaml", "resources:\n- svc.yaml\nhelmCharts:\n- name: x\n"),
        ("app/svc.yaml", SERVICE),
        ("bin/.keep", ""),
    ]);
    let mut c = command(dir.path());
    c.env("PATH", dir.path().join("bin")).args(["render", "app"]);
    let r = run_with(c, None);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("--kustomize-engine exec app"), "{}", r.stderr);
    assert!(r.stderr.contains("kubectl kustomize app | bcp-render render -"), "{}", r.stderr);
}

#[test]
fn auto_builds_what_the_builtin_cannot_with_the_real_kustomize() {
    let Some(_) = kustomize_oracle() else { return };
    let dir = repo(&[
        ("app/kustomization.yaml", "resources:\n- svc.yaml\nconfigMapGenerator:\n- name: cfg\n  literals:\n  - a=b\n"),
        ("app/svc.yaml", SERVICE),
    ]);
    let r = render_in(dir.path(), &["app"]);
    assert_ok(&r);
    assert!(r.stdout.contains("name: cfg-"), "the generated ConfigMap, with its hash: {}", r.stdout);
    // helmCharts needs --enable-helm, which bcp-render never passes: kustomize's reason is shown.
    let dir = repo(&[
        ("app/kustomization.yaml", "resources:\n- svc.yaml\nhelmCharts:\n- name: x\n"),
        ("app/svc.yaml", SERVICE),
    ]);
    let r = render_in(dir.path(), &["app"]);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("kustomize build failed: must specify --enable-helm"), "{}", r.stderr);
}

#[test]
fn exec_refuses_symlinks_out_of_the_repository_before_running() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.yaml"), SERVICE).unwrap();
    let dir = repo(&[("app/kustomization.yaml", "resources:\n- link/secret.yaml\n")]);
    std::os::unix::fs::symlink(outside.path(), dir.path().join("app/link")).unwrap();
    // A command that would succeed if it ran: the check must stop it first.
    let r = render_in(dir.path(), &["--kustomize-engine", "exec", "--kustomize-command", "true", "app"]);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("outside"), "{}", r.stderr);
}

#[test]
fn duplicate_keys_are_an_error_with_a_line() {
    let dir = repo(&[("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  name: again\n")]);
    let r = render_in(dir.path(), &["."]);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("svc.yaml:5:") && r.stderr.contains("duplicate"), "{}", r.stderr);
}

#[test]
fn lists_are_flattened_as_argo_cd_flattens_them() {
    // Any object whose items is a list, whatever its kind; local-config objects stay (Argo CD
    // applies them from a plain directory; only kustomize leaves them out).
    let list = "apiVersion: v1\nkind: ServiceBundle\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: a\n  spec:\n    ports:\n    - port: 80\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: local\n    annotations:\n      config.kubernetes.io/local-config: \"true\"\n---\napiVersion: v1\nkind: ConfigMapList\nitems: null\n";
    let dir = repo(&[("list.yaml", list)]);
    let r = render_in(dir.path(), &["--output", "clusters", "."]);
    assert_ok(&r);
    assert!(r.stdout.contains("name: kube_default_a_80"), "{}", r.stdout);
    let r = render_in(dir.path(), &["."]);
    assert_ok(&r);
    assert!(r.stdout.contains("name: local"), "{}", r.stdout);
    assert!(!r.stdout.contains("ServiceBundle") && !r.stdout.contains("ConfigMapList"), "{}", r.stdout);
    let nested = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items: []\n";
    let dir = repo(&[("list.yaml", nested)]);
    let r = render_in(dir.path(), &["."]);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("an item is itself a list"), "{}", r.stderr);
}

#[test]
fn labels_and_annotations_that_yaml_reads_as_other_than_strings_are_refused() {
    for (field, value, what) in
        [("labels", "yes", "a boolean"), ("annotations", "8080", "a number"), ("labels", "~", "null")]
    {
        let svc = format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  {field}:\n    k: {value}\n");
        let dir = repo(&[("svc.yaml", &svc)]);
        let r = render_in(dir.path(), &["."]);
        assert_failed(&r, 1);
        let want = format!("metadata.{field}.k is {what} as Kubernetes reads YAML");
        assert!(r.stderr.contains(&want) && r.stderr.contains("svc.yaml:"), "{}", r.stderr);
    }
}

#[test]
fn name_prefix_leaves_target_refs_dangling_with_a_warning() {
    let policy = "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: BackendConfigPolicy\nmetadata:\n  name: p\nspec:\n  targetRefs:\n  - group: \"\"\n    kind: Service\n    name: web\n  connectTimeout: 2s\n";
    let dir = repo(&[
        ("app/kustomization.yaml", "namePrefix: prod-\nresources:\n- svc.yaml\n- policy.yaml\n"),
        ("app/svc.yaml", SERVICE),
        ("app/policy.yaml", policy),
    ]);
    let r = render_in(dir.path(), &["app"]);
    assert_ok(&r);
    assert!(r.stderr.contains("dangl"), "{}", r.stderr);
    assert!(r.stdout.contains("bcp-render.dev/attached-to: none"), "{}", r.stdout);
    let strict = render_in(dir.path(), &["--strict", "app"]);
    assert_failed(&strict, 1);
}

#[test]
fn overlays_may_use_a_sibling_base_but_not_its_files() {
    let dir = repo(&[
        (".git/HEAD", "ref: refs/heads/main\n"),
        ("base/kustomization.yaml", "resources:\n- svc.yaml\n"),
        ("base/svc.yaml", SERVICE),
        ("overlay/kustomization.yaml", "namespace: prod\nresources:\n- ../base\n"),
        ("escape/kustomization.yaml", "resources:\n- ../base/svc.yaml\n"),
    ]);
    let r = render_in(dir.path(), &["--output", "clusters", "overlay"]);
    assert_ok(&r);
    assert!(r.stdout.contains("name: kube_prod_web_80"), "{}", r.stdout);
    let r = render_in(dir.path(), &["escape"]);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("is not in or below"), "{}", r.stderr);
}

#[test]
fn a_panic_is_an_internal_error_with_nothing_on_stdout_and_no_input_quoted() {
    let mut c = command(&project_dir());
    c.args(["render", "fixtures/seed"]).env("BCP_RENDER_DEBUG_PANIC", "1");
    let r = run_with(c, None);
    assert_failed(&r, 2);
    assert!(r.stderr.contains("bcp-render: internal error at src/main.rs:"), "{}", r.stderr);
    assert!(!r.stderr.contains("secret-value-42"), "the panic message must not be printed: {}", r.stderr);
}

#[test]
fn exec_never_runs_a_program_from_the_repository() {
    use std::os::unix::fs::PermissionsExt;
    let dir = repo(&[("app/kustomization.yaml", "resources:\n- svc.yaml\n"), ("app/svc.yaml", SERVICE)]);
    let tool = dir.path().join("app/kustomize");
    std::fs::write(&tool, "#!/bin/sh\necho pwned\n").unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let tool = tool.display().to_string();
    let r = render_in(dir.path(), &["--kustomize-engine", "exec", "--kustomize-command", &tool, "app"]);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("is inside the repository"), "{}", r.stderr);
    // A relative program would depend on the working directory: refused as a value.
    let r = render_in(dir.path(), &["--kustomize-engine", "exec", "--kustomize-command", "./kustomize", "app"]);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("absolute path"), "{}", r.stderr);
}

#[test]
fn a_value_yaml_reads_as_a_number_says_so_and_how_to_keep_it_a_string() {
    let policy = "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: BackendConfigPolicy\nmetadata:\n  name: p\nspec:\n  targetRefs:\n  - group: \"\"\n    kind: Service\n    name: web\n  connectTimeout: 017\n";
    let dir = repo(&[("svc.yaml", SERVICE), ("policy.yaml", policy)]);
    let r = render_in(dir.path(), &["."]);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("policy.yaml:10:3") && r.stderr.contains("got integer 15"), "{}", r.stderr);
    assert!(
        r.stderr.contains("Kubernetes reads this unquoted value as a number") && r.stderr.contains("quote it"),
        "{}",
        r.stderr
    );
}
