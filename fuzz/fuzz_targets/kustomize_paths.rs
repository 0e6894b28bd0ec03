//! Kustomize path handling: each input line becomes a `resources` (or `components`, or patch
//! `path`) entry of a kustomization in a fixed tree next to a directory outside the root.
//! Loading never panics and never reads the outside file.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use bcp_render::source::{Input, LoadOptions, load};
use bcp_render::yaml::ParseLimits;
use libfuzzer_sys::fuzz_target;

const MARKER: &str = "outside-marker-fuzz";

struct Tree {
    base: PathBuf,
}

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn tree() -> &'static Tree {
    static TREE: OnceLock<Tree> = OnceLock::new();
    TREE.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("bcp-render-fuzz-kustomize-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let obj = |name: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n");
        write(&base.join("repo/.git/HEAD"), "ref: refs/heads/main\n");
        write(&base.join("repo/app/a.yaml"), &obj("a"));
        write(&base.join("repo/app/sub/s.yaml"), &obj("s"));
        write(&base.join("repo/base/kustomization.yaml"), "resources: [b.yaml]\n");
        write(&base.join("repo/base/b.yaml"), &obj("b"));
        write(&base.join("repo/comp/kustomization.yaml"), "kind: Component\napiVersion: kustomize.config.k8s.io/v1alpha1\n");
        write(&base.join("outside/leak.yaml"), &obj(MARKER));
        write(&base.join("outside/kustomization.yaml"), "resources: [leak.yaml]\n");
        std::os::unix::fs::symlink("../../outside", base.join("repo/app/up")).unwrap();
        std::os::unix::fs::symlink("../../outside/leak.yaml", base.join("repo/app/leak.yaml")).unwrap();
        std::os::unix::fs::symlink(base.join("repo/base"), base.join("repo/app/abs")).unwrap();
        Tree { base: std::fs::canonicalize(&base).unwrap() }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let t = tree();
    let mut resources = Vec::new();
    let mut components = Vec::new();
    let mut patches = Vec::new();
    for line in text.lines().take(8) {
        match line.split_once(' ') {
            Some(("c", rest)) => components.push(rest.to_string()),
            Some(("p", rest)) => patches.push(serde_json::json!({"path": rest, "target": {"kind": "ConfigMap"}})),
            _ => resources.push(line.to_string()),
        }
    }
    let k = serde_json::json!({"resources": resources, "components": components, "patches": patches});
    let app = t.base.join("repo/app");
    write(&app.join("kustomization.yaml"), &serde_json::to_string(&k).unwrap());
    let opts = LoadOptions {
        root: Some(t.base.join("repo")),
        default_namespace: "default".into(),
        parse: ParseLimits { max_documents: 64, max_depth: 16 },
        max_total_bytes: 1 << 20,
        max_file_bytes: 1 << 16,
    };
    match load(&[Input::Path(app)], &opts) {
        Ok(l) => {
            for o in &l.objects {
                assert!(!o.value.to_string().contains(MARKER), "read outside the root via {k}");
            }
        }
        Err(d) => {
            for e in d.sorted() {
                assert!(!e.to_string().contains(MARKER), "{e}");
            }
        }
    }
});
