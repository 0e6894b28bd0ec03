//! YAML 1.1 safety through the whole render: arbitrary strings as label and annotation keys
//! and values of a Service come back as the same strings, and every label and annotation the
//! tool emits is a string.

use crate::util::NASTY;
use std::collections::BTreeMap;

use bcp_render::yaml::{DocFormat, ParseLimits, parse_stream};
use bcp_render::{Input, Options, Purpose, options};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::util::*;

fn opts() -> Options {
    options::resolve(&BTreeMap::new(), &BTreeMap::<String, String>::new()).unwrap()
}

fn service(labels: &Map<String, Value>, annotations: &Map<String, Value>) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "ns", "labels": labels, "annotations": annotations},
        "spec": {"ports": [{"name": "http", "port": 80}]},
    })
}

/// Render `input` (written as JSON, which cannot be misread) through the library and read
/// the YAML output back. `None` when the render refuses the input.
fn render_and_read(input: &Value) -> Option<Vec<Value>> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("svc.json");
    std::fs::write(&file, serde_json::to_string(input).unwrap()).unwrap();
    let opts = opts();
    let text = bcp_render::render(&[Input::Path(file)], &opts, Purpose::Keep, DocFormat::Yaml).ok()?;
    let limits = ParseLimits { max_documents: 1000, max_depth: 64 };
    Some(parse_stream(&text, &limits).expect("our output parses").into_iter().map(|d| d.value).collect())
}

fn string_map() -> impl Strategy<Value = Map<String, Value>> {
    let s = prop_oneof![
        "\\PC*",
        ".*",
        proptest::sample::select(NASTY).prop_map(str::to_string),
        (proptest::sample::select(NASTY), "\\PC{0,3}").prop_map(|(a, b)| format!("{a}{b}")),
    ];
    proptest::collection::btree_map(s.clone(), s, 0..4)
        .prop_map(|m| m.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn labels_and_annotations_stay_equal_strings(labels in string_map(), annotations in string_map()) {
        let input = service(&labels, &annotations);
        // Annotations under our own prefix are ours to set.
        prop_assume!(!annotations.keys().any(|k| k.starts_with("bcp-render.dev/")));
        let Some(docs) = render_and_read(&input) else {
            // The input may be refused (an invalid label key); refusing is safe.
            return Ok(());
        };
        let svc = docs.iter().find(|d| d["kind"] == "Service").expect("the Service is in the output");
        let meta = &svc["metadata"];
        if labels.is_empty() {
            prop_assert!(meta.get("labels").is_none_or(|l| l.as_object().is_some_and(Map::is_empty)));
        } else {
            prop_assert_eq!(meta["labels"].as_object().unwrap(), &labels);
        }
        let got = meta["annotations"].as_object().unwrap();
        for (k, v) in &annotations {
            prop_assert_eq!(got.get(k), Some(v), "annotation {:?}", k);
        }
        for v in got.values() {
            prop_assert!(v.is_string());
        }
    }
}

#[test]
fn nasty_strings_as_labels_and_annotations_render() {
    // The same property, deterministic, on every nasty string as key and as value.
    // (Strings Argo CD cannot carry through a plugin are refused on reading: left out.)
    let map: Map<String, Value> = NASTY
        .iter()
        .filter(|s| !s.is_empty() && crate::util::carriable(s))
        .map(|s| (format!("k{s}"), Value::String(s.to_string())))
        .collect();
    let input = service(&map, &map);
    let docs = render_and_read(&input).expect("renders");
    let svc = docs.iter().find(|d| d["kind"] == "Service").unwrap();
    assert_eq!(svc["metadata"]["labels"].as_object().unwrap(), &map);
    for (k, v) in &map {
        assert_eq!(svc["metadata"]["annotations"].get(k), Some(v), "{k:?}");
    }
}

/// Every label and annotation value in a stream is a string.
fn assert_all_strings(stdout: &str) {
    let docs = parse_stream(stdout, &ParseLimits { max_documents: 10_000, max_depth: 64 }).unwrap();
    assert!(!docs.is_empty());
    for d in docs {
        for field in ["labels", "annotations"] {
            if let Some(m) = d.value["metadata"].get(field) {
                for (k, v) in m.as_object().expect("a map") {
                    assert!(v.is_string(), "{field} {k} = {v} in {}", d.value["metadata"]["name"]);
                }
            }
        }
    }
}

#[test]
fn every_emitted_label_and_annotation_is_a_string() {
    assert_all_strings(&{
        let r = bcp(&["render", "--global-policy-namespace", "kgateway-system", "fixtures/seed"]);
        assert_ok(&r);
        r.stdout
    });
    let r = bcp(&["render", "fixtures/fields/tls"]);
    assert_ok(&r);
    assert_all_strings(&r.stdout);
}
