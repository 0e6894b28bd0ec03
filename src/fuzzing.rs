//! The fuzz targets' bodies, compiled by every build (so they never rot) and run on seed
//! inputs by the integration tests; `fuzz/` only wraps each in `fuzz_target!`. Each must
//! never panic except where it asserts, and says whether the input got as far as its
//! assertions (so the tests can tell their seeds do).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::core::options::Options;
use crate::core::yaml::{DocFormat, ParseLimits, emit_yaml_stream, parse_stream};
use crate::pipeline::load::kustomize::json_patch;
use crate::pipeline::load::{Input, KustomizeSettings, LoadOptions, Passthrough, load};
use crate::pipeline::{self, Purpose};
use crate::present::manifests;

/// The YAML/JSON stream parser with small limits: whatever it accepts survives our emitter
/// and a second parse unchanged.
pub fn yaml_stream(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else { return false };
    let limits = ParseLimits { max_documents: 64, max_depth: 16 };
    let Ok(docs) = parse_stream(text, &limits) else { return false };
    let values: Vec<Value> = docs.into_iter().map(|d| d.value).collect();
    let emitted = emit_yaml_stream(&values);
    let again = parse_stream(&emitted, &limits).expect("our own output parses");
    let again: Vec<Value> = again.into_iter().map(|d| d.value).collect();
    assert_eq!(values, again, "round trip through the emitter:\n{emitted}");
    true
}

/// JSON6902 patches: `[document, patch]` as JSON; applying any patch never panics.
pub fn json_patch(data: &[u8]) -> bool {
    let Ok(Value::Array(mut pair)) = serde_json::from_slice::<Value>(data) else { return false };
    if pair.len() != 2 {
        return false;
    }
    let patch = pair.pop().unwrap_or_default();
    let mut doc = pair.pop().unwrap_or_default();
    let _ = json_patch::is_json6902(&patch);
    json_patch::apply(&mut doc, &patch).is_ok()
}

const MARKER: &str = "outside-marker-fuzz";

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().expect("a parent")).expect("create the fuzz tree");
    std::fs::write(p, text).expect("write the fuzz tree");
}

/// A fixed tree next to a directory outside its root, with symlinks that escape it.
fn kustomize_tree() -> &'static PathBuf {
    static TREE: OnceLock<PathBuf> = OnceLock::new();
    TREE.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("bcp-render-fuzz-kustomize-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let obj = |name: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n");
        write(&base.join("repo/.git/HEAD"), "ref: refs/heads/main\n");
        write(&base.join("repo/app/a.yaml"), &obj("a"));
        write(&base.join("repo/app/sub/s.yaml"), &obj("s"));
        write(&base.join("repo/base/kustomization.yaml"), "resources: [b.yaml]\n");
        write(&base.join("repo/base/b.yaml"), &obj("b"));
        write(
            &base.join("repo/comp/kustomization.yaml"),
            "kind: Component\napiVersion: kustomize.config.k8s.io/v1alpha1\n",
        );
        write(&base.join("outside/leak.yaml"), &obj(MARKER));
        write(&base.join("outside/kustomization.yaml"), "resources: [leak.yaml]\n");
        let link = |to: &Path, at: &str| {
            #[cfg(unix)]
            std::os::unix::fs::symlink(to, base.join(at)).expect("symlink in the fuzz tree");
        };
        link(Path::new("../../outside"), "repo/app/up");
        link(Path::new("../../outside/leak.yaml"), "repo/app/leak.yaml");
        link(&base.join("repo/base"), "repo/app/abs");
        std::fs::canonicalize(&base).expect("the fuzz tree")
    })
}

/// Kustomize path handling: each input line becomes a `resources` entry (`c PATH` a
/// component, `p PATH` a patch path) of a kustomization in the fixed tree. Loading never
/// reads the outside file.
pub fn kustomize_paths(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else { return false };
    let base = kustomize_tree();
    let (mut resources, mut components, mut patches) = (Vec::new(), Vec::new(), Vec::new());
    for line in text.lines().take(8) {
        match line.split_once(' ') {
            Some(("c", rest)) => components.push(rest.to_string()),
            Some(("p", rest)) => patches.push(json!({"path": rest, "target": {"kind": "ConfigMap"}})),
            _ => resources.push(line.to_string()),
        }
    }
    let k = json!({"resources": resources, "components": components, "patches": patches});
    let app = base.join("repo/app");
    write(&app.join("kustomization.yaml"), &k.to_string());
    let opts = LoadOptions {
        root: Some(base.join("repo")),
        default_namespace: "default".into(),
        parse: ParseLimits { max_documents: 64, max_depth: 16 },
        max_total_bytes: 1 << 20,
        max_file_bytes: 1 << 16,
        max_dir_depth: 16,
        passthrough: Passthrough::Keep,
        kustomize: KustomizeSettings::builtin(),
    };
    match load(&[Input::Path(app)], &opts) {
        Ok(l) => {
            for o in &l.objects {
                assert!(o.id.name != MARKER, "read outside the root via {k}");
            }
            true
        }
        Err(d) => {
            for e in d.sorted() {
                assert!(!e.to_string().contains(MARKER), "{e}");
            }
            false
        }
    }
}

fn render_options() -> &'static Options {
    static OPTS: OnceLock<Options> = OnceLock::new();
    OPTS.get_or_init(|| {
        let env = BTreeMap::from([
            ("BCP_RENDER_GLOBAL_POLICY_NAMESPACE".to_string(), "kgateway-system".to_string()),
            ("BCP_RENDER_MAX_DOCUMENTS".to_string(), "256".to_string()),
        ]);
        crate::cli::resolve::options(&BTreeMap::new(), &env).expect("the fuzz options resolve")
    })
}

/// The whole render on a generated tree: the input is split on NUL into up to 8 files
/// (`f0.yaml`...), rendered with the default options; the output of a successful render
/// parses back, with one document per one printed.
pub fn render_tree(data: &[u8]) -> bool {
    let dir = std::env::temp_dir().join(format!("bcp-render-fuzz-tree-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".git")).expect("create the fuzz tree");
    for (i, part) in data.split(|b| *b == 0).take(8).enumerate() {
        std::fs::write(dir.join(format!("f{i}.yaml")), part).expect("write the fuzz tree");
    }
    let opts = render_options();
    let rendered = pipeline::run(&[Input::Path(dir.clone())], opts, Purpose::Keep);
    let _ = std::fs::remove_dir_all(&dir);
    let Ok(r) = rendered else { return false };
    let docs = manifests::documents(r, opts, DocFormat::Yaml);
    let count = docs.len();
    let text = manifests::serialize(docs, DocFormat::Yaml);
    let back = parse_stream(&text, &ParseLimits { max_documents: 100_000, max_depth: 128 }).expect("our output parses");
    assert_eq!(back.len(), count);
    true
}
