use super::testutil::*;
use super::*;
use crate::core::yaml::DocFormat;

#[test]
fn explicit_file_any_extension_and_list_flattening() {
    let repo = TempRepo::new();
    repo.write(
        "a.txt",
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: ns}\n",
    );
    let l = repo.load(&["a.txt"]).unwrap();
    assert_eq!(names(&l), vec!["ConfigMap default/x", "Namespace ns"]);
    assert_eq!(l.objects[0].origin.file, "a.txt");
    assert!(l.texts.contains_key("a.txt"));
    // The default namespace is not written into the value.
    assert!(l.objects[0].value().pointer("/metadata/namespace").is_none());
}

#[test]
fn local_config_dropped_by_kustomize_only_and_invalid_document_reported() {
    let repo = TempRepo::new();
    let local = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: l\n  annotations:\n    config.kubernetes.io/local-config: \"yes\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: k\n  annotations:\n    config.kubernetes.io/local-config: \"false\"\n";
    repo.write("a.yaml", local);
    // Argo CD applies a plain file's local-config objects; kustomize leaves them out.
    let l = repo.load(&["a.yaml"]).unwrap();
    assert_eq!(names(&l), vec!["ConfigMap default/l", "ConfigMap default/k"]);
    repo.write("k/a.yaml", local);
    repo.write("k/kustomization.yaml", "resources: [a.yaml]\n");
    assert_eq!(names(&repo.load(&["k"]).unwrap()), vec!["ConfigMap default/k"]);
    repo.write("b.yaml", "kind: ConfigMap\nmetadata: {name: x}\n");
    repo.write("c.yaml", "- 1\n");
    let e = repo.load(&["b.yaml", "c.yaml"]).unwrap_err();
    let m = messages(&e);
    assert!(m.contains("b.yaml:1:1: error: document 0: missing apiVersion"), "{m}");
    assert!(m.contains("c.yaml:1:1: error: document 0: not a mapping"), "{m}");
}

#[test]
fn duplicates_name_both_origins() {
    let repo = TempRepo::new();
    repo.write("a.yaml", &obj("ConfigMap", "x"));
    repo.write("b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default}\n");
    let e = repo.load(&["a.yaml", "b.yaml"]).unwrap_err();
    let m = messages(&e);
    assert!(m.contains("duplicate object ConfigMap default/x: defined at a.yaml:1 and at b.yaml:1"), "{m}");
}

#[test]
fn limits_and_utf8() {
    let repo = TempRepo::new();
    repo.write("big.yaml", &obj("ConfigMap", "big"));
    let mut o = opts();
    o.max_file_bytes = 10;
    let e = load(&[Input::Path(repo.path("big.yaml"))], &o).unwrap_err();
    let m = messages(&e);
    assert!(
        m.contains("big.yaml: error: file is 53 bytes, over the limit of 10 bytes (option --max-file-bytes raises it)"),
        "{m}"
    );
    let mut o = opts();
    o.max_total_bytes = 50;
    repo.write("b2.yaml", &obj("ConfigMap", "b2"));
    let e = load(&[Input::Path(repo.path("big.yaml")), Input::Path(repo.path("b2.yaml"))], &o).unwrap_err();
    assert!(messages(&e).contains("--max-input-bytes"));
    std::fs::write(repo.path("bad.yaml"), b"a: 1\nb: \xff\n").unwrap();
    let e = repo.load(&["bad.yaml"]).unwrap_err();
    assert!(messages(&e).contains("bad.yaml:2:4: error: invalid UTF-8 at byte 8"), "{}", messages(&e));
}

#[test]
fn errors_from_all_files_are_collected() {
    let repo = TempRepo::new();
    repo.write("a.yaml", "a: [\n");
    repo.write("b.yaml", "kind: X\n");
    let e = repo.load(&["a.yaml", "b.yaml"]).unwrap_err();
    assert_eq!(e.error_count(), 2, "{}", messages(&e));
}

#[test]
fn pass_through_objects_are_sealed_by_mode_and_their_texts_dropped() {
    let repo = TempRepo::new();
    repo.write("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n");
    repo.write("svc.yaml", &format!("{}---\n{}", obj("Service", "s"), obj("Pod", "p")));
    let load_as = |passthrough| {
        let opts = LoadOptions { passthrough, ..opts() };
        load(&[Input::Path(repo.root.clone())], &opts).unwrap()
    };
    let kept = load_as(Passthrough::Keep);
    assert!(kept.objects.iter().all(|o| !o.is_sealed()));
    assert!(kept.texts.contains_key("deploy.yaml"));

    let printed = load_as(Passthrough::Print(DocFormat::Yaml));
    let sealed: Vec<(&str, Option<&str>)> =
        printed.objects.iter().filter_map(|o| o.sealed_text().map(|text| (o.id.name.as_str(), text))).collect();
    assert_eq!(
        sealed,
        vec![
            ("d", Some("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n")),
            ("p", Some("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"))
        ]
    );
    // The Service is read by the pipeline: its file's text stays to locate diagnostics.
    assert_eq!(printed.texts.keys().collect::<Vec<_>>(), vec!["svc.yaml"]);

    let dropped = load_as(Passthrough::Drop);
    let texts: Vec<Option<&str>> = dropped.objects.iter().filter_map(Object::sealed_text).collect();
    assert_eq!(texts, vec![None, None]);
    // Identity and order survive sealing.
    assert_eq!(names(&dropped), names(&kept));
    let keys = |l: &Loaded| l.objects.iter().map(|o| o.order.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&dropped), keys(&kept));
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "is sealed")]
fn reading_a_sealed_object_is_a_bug() {
    let repo = TempRepo::new();
    repo.write("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n");
    let opts = LoadOptions { passthrough: Passthrough::Drop, ..opts() };
    let l = load(&[Input::Path(repo.root.clone())], &opts).unwrap();
    let _ = l.objects[0].labels();
}
