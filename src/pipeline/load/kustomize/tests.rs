use super::super::testutil::*;

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: old\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec: {containers: []}\n";
const SVC: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n";
const BCP: &str = "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: BackendConfigPolicy\nmetadata:\n  name: p\nspec:\n  targetRefs:\n  - group: \"\"\n    kind: Service\n    name: web\n";

#[test]
fn namespace_overwrites_and_renames_namespace_object() {
    let repo = TempRepo::new();
    repo.write("app/kustomization.yaml", "namespace: prod\nresources:\n- deploy.yaml\n- ns.yaml\n- crd.yaml\n");
    repo.write("app/deploy.yaml", DEPLOY);
    repo.write("app/ns.yaml", &obj("Namespace", "whatever"));
    repo.write(
        "app/crd.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x.y.z}\n",
    );
    let l = repo.load(&["app"]).unwrap();
    assert_eq!(names(&l), vec!["Deployment prod/web", "Namespace prod", "CustomResourceDefinition x.y.z"]);
    assert_eq!(l.objects[0].value()["metadata"]["namespace"], "prod");
    assert!(l.objects[2].value().pointer("/metadata/namespace").is_none());
    assert_eq!(l.objects[0].origin.file, "app/deploy.yaml");
}

#[test]
fn labels_common_labels_and_annotations() {
    let repo = TempRepo::new();
    repo.write(
        "app/kustomization.yaml",
        "resources: [deploy.yaml, svc.yaml]\nlabels:\n- pairs: {team: a}\n- pairs: {tier: t}\n  includeTemplates: true\ncommonLabels: {env: prod}\ncommonAnnotations: {note: hi}\n",
    );
    repo.write("app/deploy.yaml", DEPLOY);
    repo.write("app/svc.yaml", SVC);
    let l = repo.load(&["app"]).unwrap();
    let d = &l.objects[0].value();
    assert_eq!(d["metadata"]["labels"], serde_json::json!({"team": "a", "tier": "t", "env": "prod"}));
    assert_eq!(
        d["spec"]["template"]["metadata"]["labels"],
        serde_json::json!({"app": "web", "tier": "t", "env": "prod"})
    );
    assert_eq!(d["spec"]["selector"]["matchLabels"], serde_json::json!({"app": "web", "env": "prod"}));
    assert_eq!(d["metadata"]["annotations"]["note"], "hi");
    assert_eq!(d["spec"]["template"]["metadata"]["annotations"]["note"], "hi");
    let s = &l.objects[1].value();
    assert_eq!(s["spec"]["selector"], serde_json::json!({"app": "web", "env": "prod"}));
    assert_eq!(s["metadata"]["annotations"]["note"], "hi");
}

#[test]
fn overlay_with_base_dir_patch_and_file_escape() {
    let repo = TempRepo::new();
    repo.write("base/kustomization.yaml", "resources: [svc.yaml]\nnamespace: base\n");
    repo.write("base/svc.yaml", SVC);
    repo.write(
        "overlay/kustomization.yaml",
        "resources: [../base]\nnamespace: prod\npatches:\n- target: {kind: Service, name: web}\n  patch: |\n    - op: add\n      path: /spec/selector/extra\n      value: x\n- path: p.json\n  target: {version: v1, kind: Service}\n",
    );
    repo.write("overlay/p.json", r#"[{"op": "add", "path": "/metadata/labels", "value": {"p": "1"}}]"#);
    let l = repo.load(&["overlay"]).unwrap();
    assert_eq!(names(&l), vec!["Service prod/web"]);
    let v = &l.objects[0].value();
    assert_eq!(v["spec"]["selector"]["extra"], "x");
    assert_eq!(v["metadata"]["labels"]["p"], "1");
    assert_eq!(l.objects[0].origin.file, "base/svc.yaml");

    repo.write("bad/kustomization.yaml", "resources: [../base/svc.yaml]\n");
    let e = repo.load(&["bad"]).unwrap_err();
    let m = messages(&e);
    assert!(m.contains("security; file 'base/svc.yaml' is not in or below 'bad'"), "{m}");

    repo.write("cyc/kustomization.yaml", "resources: [..]\n");
    let m = messages(&repo.load(&["cyc"]).unwrap_err());
    assert!(m.contains("cycle detected"), "{m}");

    repo.write("nokust/x.yaml", &obj("ConfigMap", "x"));
    repo.write("nodir/kustomization.yaml", "resources: [../nokust]\n");
    let m = messages(&repo.load(&["nodir"]).unwrap_err());
    assert!(m.contains("unable to find one of 'kustomization.yaml'"), "{m}");
}

#[test]
fn patch_errors() {
    let repo = TempRepo::new();
    repo.write("a/svc.yaml", SVC);
    repo.write(
        "a/kustomization.yaml",
        "resources: [svc.yaml]\npatches:\n- patch: '[{\"op\": \"remove\", \"path\": \"/x\"}]'\n",
    );
    let m = messages(&repo.load(&["a"]).unwrap_err());
    assert!(m.contains("must specify a target for JSON patch"), "{m}");
    repo.write(
        "a/kustomization.yaml",
        "resources: [svc.yaml]\npatches:\n- patch: '[{\"op\": \"remove\", \"path\": \"/x\"}]'\n  target: {name: '(?i)web'}\n",
    );
    let m = messages(&repo.load(&["a"]).unwrap_err());
    assert!(m.contains("outside the syntax the built-in kustomize matches exactly"), "{m}");
    // The refusal names the way out.
    let dir = repo.path("a").display().to_string();
    assert!(m.contains(&format!("render --kustomize-engine exec {dir} ")), "{m}");
    assert!(m.contains(&format!("kubectl kustomize {dir} | bcp-render render -")), "{m}");
    repo.write(
        "a/kustomization.yaml",
        "resources: [svc.yaml]\npatches:\n- patch: '[{\"op\": \"remove\", \"path\": \"/x\"}]'\n  target: {name: web}\n",
    );
    let m = messages(&repo.load(&["a"]).unwrap_err());
    assert!(m.contains("a/svc.yaml:1:1: error: Service default/web: patches[0] from kustomization a/kustomization.yaml: patch operation 0"), "{m}");
    repo.write(
        "a/kustomization.yaml",
        "resources: [svc.yaml]\npatches:\n- patch: |\n    metadata: {name: web}\n  target: {name: web}\n",
    );
    let m = messages(&repo.load(&["a"]).unwrap_err());
    assert!(m.contains("strategic merge patches are not supported"), "{m}");
}

#[test]
fn components_add_resources_and_transform_everything() {
    let repo = TempRepo::new();
    repo.write("app/kustomization.yaml", "resources: [svc.yaml]\ncomponents: [../comp]\n");
    repo.write("app/svc.yaml", SVC);
    repo.write(
        "comp/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [cm.yaml]\ncommonAnnotations: {from: comp}\n",
    );
    repo.write("comp/cm.yaml", &obj("ConfigMap", "c"));
    let l = repo.load(&["app"]).unwrap();
    assert_eq!(names(&l), vec!["Service default/web", "ConfigMap default/c"]);
    assert!(l.objects.iter().all(|o| o.annotation("from") == Some("comp")));

    repo.write("bad/kustomization.yaml", "resources: [../comp]\n");
    let m = messages(&repo.load(&["bad"]).unwrap_err());
    assert!(m.contains("expected kind 'Kustomization'"), "{m}");
}

#[test]
fn unsupported_unknown_and_remote() {
    let repo = TempRepo::new();
    repo.write("apps/x/kustomization.yaml", "helmCharts: []\nresourcez: []\n");
    let m = messages(&repo.load(&["apps/x"]).unwrap_err());
    assert!(
        m.contains("kustomization apps/x/kustomization.yaml: helmCharts: not supported by the built-in kustomize"),
        "{m}"
    );
    assert!(m.contains("unknown field 'resourcez'"), "{m}");
    for remote in ["https://example.com/x.yaml", "git@github.com:o/r.git", "github.com/org/repo//path", "x?ref=v1"] {
        repo.write("apps/x/kustomization.yaml", &format!("resources: ['{remote}']\n"));
        let m = messages(&repo.load(&["apps/x"]).unwrap_err());
        assert!(
            m.contains("remote resources are not supported (offline); vendor them into the repository"),
            "{remote}: {m}"
        );
    }
    repo.write("apps/x/kustomization.yaml", "resources: [/etc/hostname]\n");
    let m = messages(&repo.load(&["apps/x"]).unwrap_err());
    assert!(m.contains("absolute paths are not allowed"), "{m}");
    repo.write("apps/x/Kustomization", "resources: []\n");
    let m = messages(&repo.load(&["apps/x"]).unwrap_err());
    assert!(m.contains("Found multiple kustomization files under: apps/x"), "{m}");
}

#[test]
fn name_prefix_leaves_target_refs_dangling_with_a_warning() {
    let repo = TempRepo::new();
    repo.write("app/kustomization.yaml", "namePrefix: p-\nresources: [svc.yaml, bcp.yaml, ns.yaml]\n");
    repo.write("app/svc.yaml", SVC);
    repo.write("app/bcp.yaml", BCP);
    repo.write("app/ns.yaml", &obj("Namespace", "ns"));
    let l = repo.load(&["app"]).unwrap();
    assert_eq!(names(&l), vec!["Service default/p-web", "BackendConfigPolicy default/p-p", "Namespace ns"]);
    assert_eq!(l.objects[1].value()["spec"]["targetRefs"][0]["name"], "web");
    assert_eq!(l.warnings.len(), 1);
    let w = l.warnings[0].to_string();
    assert!(w.contains("spec.targetRefs[0].name") && w.contains("now dangles") && w.contains("'p-web'"), "{w}");
}

#[test]
fn symlinked_resource_outside_root_is_refused() {
    let repo = TempRepo::new();
    repo.write("app/kustomization.yaml", "resources: [x.yaml]\n");
    std::os::unix::fs::symlink("/etc/hostname", repo.path("app/x.yaml")).unwrap();
    let m = messages(&repo.load(&["app"]).unwrap_err());
    assert!(
        m.contains("app/kustomization.yaml: resources: 'x.yaml': symlink points outside the repository root"),
        "{m}"
    );
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    if host.trim().len() > 3 {
        assert!(!m.contains(host.trim()), "{m}");
    }
}
