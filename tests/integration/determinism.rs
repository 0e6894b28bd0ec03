//! Determinism: the same objects give byte-identical output whatever the file names, the file
//! order and the document order.

use std::collections::BTreeMap;
use std::path::Path;

use bcp_render::yaml::DocFormat;
use bcp_render::{Input, Options, Purpose, options};
use proptest::prelude::*;

use crate::util::*;

/// Every document of the plain fixture directories, as text.
fn documents() -> Vec<String> {
    let mut docs = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(fixture("fields")).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.push(fixture("explain"));
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for doc in bcp_render::yaml::parse_stream(&text, &Default::default()).unwrap() {
                docs.push(bcp_render::yaml::emit_yaml(&doc.value));
            }
        }
    }
    docs
}

fn opts(output: &str) -> Options {
    let flags: BTreeMap<&'static str, String> = [
        ("global-policy-namespace", "kgateway-system".to_string()),
        ("kgateway-version", "main".to_string()),
        ("output", output.to_string()),
    ]
    .into_iter()
    .collect();
    options::resolve(&flags, &BTreeMap::<String, String>::new()).unwrap()
}

fn render(dir: &Path, output: &str) -> String {
    let o = opts(output);
    // As the `render` command does: pass-through objects and clusters printed as they come.
    bcp_render::render(&[Input::Path(dir.to_path_buf())], &o, Purpose::Print(DocFormat::Yaml), DocFormat::Yaml)
        .unwrap_or_else(|d| panic!("{:?}", d.sorted()))
}

/// Write `docs` in the given order into `files` files with the given names.
fn write_repo(docs: &[&String], names: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut contents: Vec<String> = vec![String::new(); names.len()];
    for (i, d) in docs.iter().enumerate() {
        let f = &mut contents[i % names.len()];
        f.push_str("---\n");
        f.push_str(d);
    }
    for (name, content) in names.iter().zip(contents) {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    dir
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn output_does_not_depend_on_file_names_or_order(
        seed in any::<u64>(),
        files in 1usize..6,
        names in proptest::collection::vec("[a-z][a-z0-9_-]{0,8}", 6),
    ) {
        let docs = documents();
        // A seeded shuffle of the documents.
        let mut order: Vec<usize> = (0..docs.len()).collect();
        let mut x = seed | 1;
        for i in (1..order.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            order.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let shuffled: Vec<&String> = order.iter().map(|&i| &docs[i]).collect();
        let mut unique: Vec<String> = names.iter().enumerate().map(|(i, n)| format!("{n}-{i}.yaml")).collect();
        unique.truncate(files);
        let base = write_repo(&docs.iter().collect::<Vec<_>>(), &["all.yaml".to_string()]);
        let repo = write_repo(&shuffled, &unique);
        for output in ["all", "clusters"] {
            prop_assert_eq!(render(base.path(), output), render(repo.path(), output));
        }
    }
}

#[test]
fn output_does_not_depend_on_the_environment_or_time() {
    let run = |envs: &[(&str, &str)]| {
        let mut c = command(&project_dir());
        c.args(["render", "fixtures/seed"]).args(["--global-policy-namespace", "kgateway-system"]);
        for (k, v) in envs {
            c.env(k, v);
        }
        run_with(c, None)
    };
    let a = run(&[]);
    let b = run(&[
        ("TZ", "Asia/Kolkata"),
        ("LANG", "tr_TR.UTF-8"),
        ("ARGOCD_APP_REVISION", "0123456"),
        ("HOME", "/nonexistent"),
    ]);
    assert_ok(&a);
    assert_eq!(a.stdout, b.stdout);
}

/// Objects the pipeline never reads besides the fixtures' own: a Deployment, a route, a
/// cluster-scoped kind and a List, which `render` prints as soon as they are loaded.
const PASS_THROUGH: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: app\n  \
    labels: {app: web}\nspec:\n  template:\n    metadata:\n      labels: {app: web, 'on': 'yes'}\n---\n\
    apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: route\nspec: {}\n---\n\
    apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.example.com\n---\n\
    apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: StatefulSet\n  metadata: {name: db}\n";

fn render_with(inputs: &[Input], o: &Options, purpose: Purpose, format: DocFormat) -> String {
    bcp_render::render(inputs, o, purpose, format).unwrap_or_else(|d| panic!("{:?}", d.sorted()))
}

#[test]
fn printing_objects_as_they_are_loaded_changes_nothing() {
    let docs = documents();
    let plain = write_repo(&docs.iter().collect::<Vec<_>>(), &["all.yaml".to_string()]);
    std::fs::write(plain.path().join("other.yaml"), PASS_THROUGH).unwrap();
    // A kustomization transforms pass-through objects before they are printed.
    let kust = tempfile::tempdir().unwrap();
    std::fs::write(kust.path().join("other.yaml"), PASS_THROUGH).unwrap();
    std::fs::write(
        kust.path().join("kustomization.yaml"),
        "resources: [other.yaml]\nnamespace: moved\ncommonLabels: {team: t}\nnamePrefix: p-\n",
    )
    .unwrap();
    for dir in [plain.path(), kust.path()] {
        let inputs = [Input::Path(dir.to_path_buf())];
        for output in ["all", "clusters"] {
            for format in [DocFormat::Yaml, DocFormat::Json] {
                let o = opts(output);
                let kept = render_with(&inputs, &o, Purpose::Keep, format);
                let printed = render_with(&inputs, &o, Purpose::Print(format), format);
                assert_eq!(kept, printed, "{} --output {output} {format:?}", dir.display());
                if output == "clusters" {
                    // Clusters printed as YAML can still be asked for as JSON.
                    let as_yaml = render_with(&inputs, &o, Purpose::Print(DocFormat::Yaml), format);
                    assert_eq!(kept, as_yaml, "{} --output clusters {format:?}", dir.display());
                }
                assert_eq!(printed.contains("StatefulSet"), output == "all", "{printed}");
            }
        }
    }
}
