//! The Argo CD plugin contract.

use crate::util::*;

#[test]
fn plugin_yaml_matches_the_options_table() {
    let want = bcp_render::yaml::emit_yaml(&bcp_render::options::plugin_manifest());
    let path = project_dir().join("plugin.yaml");
    if std::env::var_os("BCP_RENDER_UPDATE").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap();
    assert_eq!(have, want, "plugin.yaml is stale: run BCP_RENDER_UPDATE=1 cargo test plugin_yaml");
}

#[test]
fn readme_option_list_matches_the_options_table() {
    let readme = std::fs::read_to_string(project_dir().join("README.md")).unwrap();
    let table = bcp_render::options::markdown_table();
    let start =
        readme.find("<!-- options -->\n").expect("README has <!-- options --> marker") + "<!-- options -->\n".len();
    let end = readme.find("<!-- /options -->").expect("README has <!-- /options --> marker");
    if std::env::var_os("BCP_RENDER_UPDATE").is_some() && readme[start..end] != table {
        let updated = format!("{}{}{}", &readme[..start], table, &readme[end..]);
        std::fs::write(project_dir().join("README.md"), updated).unwrap();
        return;
    }
    assert_eq!(&readme[start..end], table, "README option list is stale: run BCP_RENDER_UPDATE=1 cargo test readme");
}

#[test]
fn sidecar_run_from_the_app_directory_equals_render_dot() {
    let app = fixture("seed");
    let mut c = command(&app);
    c.args(["render", "."])
        .env("ARGOCD_APP_PARAMETERS", r#"[{"name":"global-policy-namespace","string":"kgateway-system"}]"#)
        .env("ARGOCD_APP_NAME", "team_shop")
        .env("ARGOCD_APP_NAMESPACE", "default")
        .env("ARGOCD_APP_SOURCE_PATH", "fixtures/seed")
        .env("ARGOCD_APP_REVISION", "streamed")
        .env("KUBE_VERSION", "");
    let sidecar = run_with(c, None);
    assert_ok(&sidecar);
    let local = bcp(&["render", "--global-policy-namespace", "kgateway-system", "fixtures/seed"]);
    assert_eq!(sidecar.stdout, local.stdout);
}

#[test]
fn parameters_then_argocd_env_then_plain_env() {
    let args = ["render", "--output", "clusters", "fixtures/seed"];
    let mut c = command(&project_dir());
    c.args(args).env("ARGOCD_ENV_BCP_RENDER_GLOBAL_POLICY_NAMESPACE", "kgateway-system");
    let via_env = run_with(c, None);
    let via_flag = bcp(&[&args[..], &["--global-policy-namespace", "kgateway-system"]].concat());
    assert_ok(&via_env);
    assert_eq!(via_env.stdout, via_flag.stdout);

    let mut c = command(&project_dir());
    c.args(args).env("ARGOCD_APP_PARAMETERS", r#"[{"name":"kgateway-version","string":"7"}]"#);
    let bad = run_with(c, None);
    assert_failed(&bad, 1);
    assert!(bad.stderr.contains("Argo CD parameter \"kgateway-version\""), "{}", bad.stderr);
}

#[test]
fn as_a_plugin_the_repository_root_comes_from_the_source_path() {
    // No .git in the sidecar's copy: the root is the working directory minus
    // ARGOCD_APP_SOURCE_PATH, so an overlay may use a base elsewhere in the repository.
    let dir = repo(&[
        ("base/kustomization.yaml", "resources:\n- svc.yaml\n"),
        ("base/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n"),
        ("apps/shop/kustomization.yaml", "namespace: shop\nresources:\n- ../../base\n"),
    ]);
    let app = dir.path().join("apps/shop");
    let mut c = command(&app);
    c.args(["render", "--output", "clusters", "."]).env("ARGOCD_APP_SOURCE_PATH", "apps/shop");
    let r = run_with(c, None);
    assert_ok(&r);
    assert!(r.stdout.contains("name: kube_shop_web_80"), "{}", r.stdout);

    // Outside Argo CD, without .git or --root, the root is the path itself.
    let mut c = command(&app);
    c.args(["render", "."]);
    let r = run_with(c, None);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("outside the repository root"), "{}", r.stderr);
}
