//! The whole render on a generated tree: the input is split on `\0` into up to 8 files
//! (`f0.yaml`...), rendered with the default options; never panics, and the output of a
//! successful render parses back.
#![no_main]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use bcp_render::options::{self, Format, Options};
use bcp_render::source::Input;
use bcp_render::yaml::{ParseLimits, parse_stream};
use libfuzzer_sys::fuzz_target;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| std::env::temp_dir().join(format!("bcp-render-fuzz-tree-{}", std::process::id())))
}

fn opts() -> &'static Options {
    static OPTS: OnceLock<Options> = OnceLock::new();
    OPTS.get_or_init(|| {
        let mut env = BTreeMap::<String, String>::new();
        env.insert("BCP_RENDER_GLOBAL_POLICY_NAMESPACE".into(), "kgateway-system".into());
        env.insert("BCP_RENDER_MAX_DOCUMENTS".into(), "256".into());
        let raw = options::resolve(&BTreeMap::new(), &env).unwrap();
        Options::from_raw(&raw).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    for (i, part) in data.split(|b| *b == 0).take(8).enumerate() {
        std::fs::write(dir.join(format!("f{i}.yaml")), part).unwrap();
    }
    let opts = opts();
    if let Ok(r) = bcp_render::render::render(&[Input::Path(dir.clone())], opts) {
        let docs = bcp_render::output::documents(&r, opts);
        let text = bcp_render::output::serialize(&docs, Format::Yaml);
        let back = parse_stream(&text, &ParseLimits { max_documents: 100_000, max_depth: 128 })
            .expect("our output parses");
        assert_eq!(back.len(), docs.len());
    }
});
