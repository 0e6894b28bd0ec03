//! The fuzz targets' bodies (`bcp_render::fuzzing`, wrapped by `fuzz/`) run on seed inputs,
//! so that a normal test run exercises what the fuzzers run and their own assertions hold.

use bcp_render::fuzzing;

use crate::util::{NASTY, fixture};

/// Every fixture file's text.
fn fixture_texts() -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "yaml" || e == "json") {
                out.push(std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let mut out = Vec::new();
    walk(&fixture(""), &mut out);
    assert!(out.len() > 20, "fixtures found");
    out
}

#[test]
fn yaml_stream_round_trips_the_fixtures_and_nasty_strings() {
    let accepted = fixture_texts().iter().filter(|t| fuzzing::yaml_stream(t.as_bytes())).count();
    assert!(accepted > 20, "{accepted} fixtures round-tripped");
    // Argo CD cannot carry DEL, C1 controls, U+FEFF, U+FFFE or U+FFFF through a plugin's
    // output: the reader refuses them; every other string round-trips.
    for s in NASTY {
        let json = serde_json::json!({"k": s, *s: [s]}).to_string();
        assert_eq!(fuzzing::yaml_stream(json.as_bytes()), crate::util::carriable(s), "{s:?}");
        fuzzing::yaml_stream(s.as_bytes());
    }
}

#[test]
fn json_patch_takes_any_pair() {
    let applied: Vec<bool> = [
        r#"[{"a": [1, 2]}, [{"op": "add", "path": "/a/-", "value": 3}]]"#,
        r#"[{"a": 1}, [{"op": "move", "from": "/a", "path": "/a/b"}]]"#,
        r#"[[1], [{"op": "remove", "path": "/0"}, {"op": "test", "path": "", "value": []}]]"#,
        r#"[{"~": {"/": 1}}, [{"op": "copy", "from": "/~0/~1", "path": "/x"}, {"op": "replace", "path": "/~2"}]]"#,
        "[1, 2]",
        "not json",
    ]
    .iter()
    .map(|pair| fuzzing::json_patch(pair.as_bytes()))
    .collect();
    // Nothing applies to the root, as in kustomize's patch library.
    assert_eq!(applied, [true, false, false, false, false, false]);
}

#[test]
fn kustomize_paths_never_read_outside_the_root() {
    let loaded: Vec<bool> = [
        "a.yaml\nsub/s.yaml\n../base",
        "leak.yaml",
        "up/leak.yaml\nup",
        "abs\nc ../comp",
        "p leak.yaml\np ../outside/leak.yaml\np a.yaml",
        "c up\nhttps://example.com/x\n/etc/passwd\n..\\..",
    ]
    .iter()
    .map(|lines| fuzzing::kustomize_paths(lines.as_bytes()))
    .collect();
    // The first seed is a valid kustomization; each other one tries to leave the root.
    assert_eq!(loaded, [true, false, false, false, false, false]);
}

#[test]
fn render_tree_renders_fixture_trees() {
    let texts = fixture_texts();
    // Each fixture file alone (many are invalid on purpose, or kustomize patches), then the
    // valid ones eight to a tree.
    let alone: Vec<&String> = texts.iter().filter(|t| fuzzing::render_tree(t.as_bytes())).collect();
    assert!(alone.len() > 100, "only {} fixture files rendered alone", alone.len());
    let joined: Vec<String> =
        alone.chunks(8).map(|c| c.iter().map(|t| t.as_str()).collect::<Vec<_>>().join("\0")).collect();
    let rendered = joined.iter().filter(|tree| fuzzing::render_tree(tree.as_bytes())).count();
    assert!(rendered > 0, "no fixture tree rendered");
    assert!(!fuzzing::render_tree(b"\0\0kind: [\0apiVersion: v1"));
}
