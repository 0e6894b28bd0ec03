use super::emit::{emit_json_stream, yaml11_resolves_to_non_string, yaml12_resolves_to_non_string};
use super::*;
use proptest::prelude::*;
use serde_json::{Value, json};

fn parse(text: &str) -> Result<Vec<YamlDoc>, YamlError> {
    parse_stream(text, &ParseLimits::default())
}

fn values(text: &str) -> Vec<Value> {
    parse(text).unwrap().into_iter().map(|d| d.value).collect()
}

pub(crate) const NASTY: &[&str] = &[
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "~",
    "null",
    "0755",
    "0x1F",
    "1_000",
    "1e3",
    ".5",
    "+1",
    "-1",
    "2024-01-01",
    "1:20",
    "=",
    "<<",
    "- a",
    "a: b",
    "a #b",
    " lead",
    "trail ",
    "''",
    "\"",
    "#",
    "@x",
    "`x",
    "\t",
    "line\nline",
    "a\n",
    "\n\n",
    "é",
    "\u{2028}",
    "\u{85}",
];

#[test]
fn yaml_multi_doc_stream_lines() {
    let text = "# leading comment\n---\n# only a comment\n---\na: 1\n---\n\n---\n\n  # c\nb:\n  c: 2\n...\n---\n- x\n";
    let docs = parse(text).unwrap();
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[0].value, json!({"a": 1}));
    assert_eq!(docs[0].line, 5);
    assert_eq!(docs[1].value, json!({"b": {"c": 2}}));
    assert_eq!(docs[1].line, 11);
    assert_eq!(docs[2].value, json!(["x"]));
    assert_eq!(docs[2].line, 15);
    assert_eq!(&text[docs[0].span.0..docs[0].span.1], "---\na: 1\n");
}

#[test]
fn yaml_implicit_first_doc_and_directive() {
    let text = "a: 1\n---\nb: 2\n...\n---\nc: 3\n";
    let docs = parse(text).unwrap();
    assert_eq!(docs.iter().map(|d| d.line).collect::<Vec<_>>(), vec![1, 3, 6]);
    assert_eq!(docs[2].value, json!({"c": 3}));
    // kubectl splits a directive from its document: Kubernetes cannot read directives.
    let err = parse("a: 1\n---\nb: 2\n...\n%YAML 1.1\n---\nc: 3\n").unwrap_err();
    assert!(err.message.contains("directives"), "{err:?}");
    // Content after `...` in the same chunk go-yaml drops silently: refused.
    assert!(parse("a: 1\n...\nb: 2\n").is_err());
}

#[test]
fn yaml_splits_where_kubectl_splits() {
    assert_eq!(values("--- # first\na: 1\n---\t\nb: 2\n--- #c\nc: 3\n").len(), 3);
    // kubectl splits on `---#c` too, but a YAML parser reads it as text: refused, not guessed.
    assert!(parse("a: 1\n---#c\nb: 2\n").is_err());
    for bad in ["--- a: 1\n", "a: 1\n--- |\n  x\n", "a: 1\n---x\nb: 2\n", "a: 1\n----\nb: 2\n"] {
        let err = parse(bad).unwrap_err();
        assert!(err.message.contains("invalid document separator"), "{bad:?}: {err:?}");
        assert!(!err.message.contains('a') || !err.message.contains("a: 1"), "the line is not echoed");
    }
}

#[test]
fn yaml_byte_order_mark_only_at_the_start() {
    assert_eq!(values("\u{feff}a: 1\n"), vec![json!({"a": 1})]);
    assert_eq!(values("\u{feff}{\"a\": 1}"), vec![json!({"a": 1})]);
    let err = parse("a: 1\n---\n\u{feff}b: 2\n").unwrap_err();
    assert!(err.message.contains("byte order mark") && err.line == 3, "{err:?}");
}

#[test]
fn yaml_where_libyaml_and_go_yaml_scan_differently_is_refused() {
    for bad in ["a: \"x\\/y\"\n", "a: [x?y]\n", "a: {b:}\n", "a: [b:, c]\n", "a: [:b]\n"] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        values("a: \"x\\\\/y\"\nb: [x:y, 'a?']\nc: x?y\n"),
        vec![json!({"a": "x\\/y", "b": ["x:y", "a?"], "c": "x?y"})]
    );
}

#[test]
fn yaml_merging_an_alias_of_a_sequence_is_go_yamls_error() {
    let err = parse("l: &l [{a: 1}]\nm:\n  <<: *l\n").unwrap_err();
    assert!(err.message.contains("map merge requires"), "{err:?}");
    assert_eq!(values("x: &x {a: 1}\ny: &y {a: 2, b: 2}\nm:\n  <<: [*x, *y]\n")[0]["m"], json!({"a": 1, "b": 2}));
}

#[test]
fn yaml_duplicate_key_error_has_line() {
    let err = parse("---\na: 1\nb:\n  c: 1\n  c: 2\n").unwrap_err();
    assert!(err.message.starts_with("duplicate key"), "{err:?}");
    assert!(err.message.contains('c'), "{err:?}");
    assert_eq!(err.line, 5, "{err:?}");
    // Keys that only collide after conversion to strings.
    let err = parse("x: 0\n1: a\n'1': b\n").unwrap_err();
    assert!(err.message.starts_with("duplicate key"), "{err:?}");
}

#[test]
fn yaml_syntax_error_line_is_absolute() {
    let err = parse("a: 1\n---\nb: 2\nc: [1, 2\n").unwrap_err();
    assert!(err.line >= 4, "{err:?}");
    assert!(!err.message.contains(" at line "), "{err:?}");
}

#[test]
fn yaml_json_stream() {
    let text = "  {\"a\": 1}\n{\"b\": [1, 2.5, \"x\"]}{\"c\": null}\n\n{\n \"d\": true}\n";
    let docs = parse(text).unwrap();
    assert_eq!(docs.len(), 4);
    assert_eq!(docs[0].line, 1);
    assert_eq!(docs[1].line, 2);
    assert_eq!(docs[3].line, 4);
    assert_eq!(&text[docs[0].span.0..docs[0].span.1], "{\"a\": 1}");
    assert_eq!(docs[1].value, json!({"b": [1, 2.5, "x"]}));
    let err = parse("{\"a\": 1}\n{\"a\": 1,\n \"a\": 2}").unwrap_err();
    assert!(err.message.starts_with("duplicate key"), "{err:?}");
    assert_eq!(err.line, 3);
    let err = parse("{\"a\": 1}\n\n  {\"b\": }").unwrap_err();
    assert_eq!((err.line, err.col), (3, 9), "{err:?}");
    let doc = &docs[3];
    assert_eq!(locate(text, doc, "/d"), Some((5, 2)));
}

#[test]
fn yaml_tags_are_rejected() {
    let err = parse("a: 1\nb:\n  c: !Foo x\n").unwrap_err();
    assert_eq!(err.message, "YAML tags are not supported");
    assert_eq!(err.line, 3);
    // Core tags are fine.
    assert_eq!(values("a: !!str 123\n"), vec![json!({"a": "123"})]);
}

#[test]
fn yaml_non_finite_and_keys() {
    let err = parse("a: .nan\n").unwrap_err();
    assert!(err.message.contains("NaN"), "{err:?}");
    assert_eq!(values("1: a\ntrue: b\n0x10: c\n"), vec![json!({"1": "a", "true": "b", "16": "c"})]);
    for bad in ["~: c\n", ": c\n", "1.5: c\n", "1e6: c\n", "9223372036854775808: c\n", "a: &k x\n*k : y\n"] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
    let err = parse("a: 1\n? [x]\n: y\n").unwrap_err();
    assert!(err.message.contains("keys"), "{err:?}");
}

#[test]
fn yaml11_keys_and_values_read_as_kubernetes_reads_them() {
    let text = "y: 1\nno: 2\n'on': 'yes'\nenabled: on\noctal: 017\nunderscored: 1_000\nfloat: 2.0\n";
    assert_eq!(
        values(text),
        vec![
            json!({"true": 1, "false": 2, "on": "yes", "enabled": true, "octal": 15, "underscored": 1000, "float": 2})
        ]
    );
    // `y` and `on` are one key to Kubernetes.
    assert_eq!(parse("y: 1\non: 2\n").unwrap_err().message, "duplicate key \"true\"");
}

#[test]
fn yaml_merge_keys() {
    let text = "base: &b\n  x: 1\n  w: 2\nderived:\n  <<: *b\n  w: 3\n";
    assert_eq!(values(text), vec![json!({"base": {"x": 1, "w": 2}, "derived": {"w": 3, "x": 1}})]);
}

#[test]
fn yaml_document_limit() {
    let limits = ParseLimits { max_documents: 2, max_depth: 64 };
    let err = parse_stream("a: 1\n---\nb: 1\n---\n---\nc: 1\n", &limits).unwrap_err();
    assert_eq!(err.message, "more than 2 documents (limit --max-documents)");
    assert_eq!(err.line, 6);
    assert!(parse_stream("a: 1\n---\n---\nb: 1\n", &limits).is_ok());
    let err = parse_stream("{}{}{}", &limits).unwrap_err();
    assert!(err.message.contains("--max-documents"));
}

#[test]
fn yaml_depth_limit() {
    let limits = ParseLimits { max_documents: 10, max_depth: 3 };
    assert!(parse_stream("a:\n  b:\n    c: 1\n", &limits).is_ok());
    let err = parse_stream("a:\n  b:\n    c:\n      d: 1\n", &limits).unwrap_err();
    assert_eq!(err.message, "nesting deeper than 3 levels (limit --max-depth)");
    assert_eq!(err.line, 3);
    let err = parse_stream("{\"a\": {\"b\": {\"c\": []}}}", &limits).unwrap_err();
    assert!(err.message.contains("--max-depth"));
}

#[test]
fn yaml_deep_nesting_fails_fast() {
    let n = 100_000;
    let text = format!("a: {}{}\n", "[".repeat(n), "]".repeat(n));
    // Refused at the first level too deep (work bounded: reading stops there).
    let err = parse(&text).unwrap_err();
    assert!(err.message.contains("nesting deeper"), "{err:?}");
    assert!(err.line == 1 && err.col < 100, "{err:?}");
    let json_text = format!("{{\"a\": {}{}}}", "[".repeat(n), "]".repeat(n));
    let err = parse(&json_text).unwrap_err();
    assert!(err.message.contains("nesting deeper"), "{err:?}");
    assert!(err.col < 200, "{err:?}");
}

#[test]
fn yaml_alias_bomb_fails_fast() {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        let items = [prev.as_str(); 9].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{items}]\n"));
    }
    // Refused at the alias that passes the expansion budget (a bound on the work), before
    // the last levels.
    let err = parse(&text).unwrap_err();
    assert!(err.message.contains("repetition limit") || err.message.contains("nesting"), "{err:?}");
    assert!(err.line < 9, "{err:?}");
}

const MANIFEST: &str = r#"apiVersion: v1
kind: List
---
# The policy
apiVersion: gateway.kgateway.dev/v1alpha1
kind: BackendConfigPolicy
metadata:
  name: "my-policy"   # trailing comment
  annotations:
    "example.com/note": |
      spec:
        targetRefs:
        - group: fake
    'it''s': x
spec:
  targetRefs:
  - group: ""
    kind: Service
    name: svc-a
  -   kind: Service
      name: svc-b
      group: core
  tls:
    caCert: |-
      -----BEGIN CERTIFICATE-----
      group: no
      -----END CERTIFICATE-----
    sni: example.com
  list:
  - - a
    - b
  flow: {a: 1, b: [1, 2]}
"#;

#[test]
fn yaml_locate_in_manifest() {
    let docs = parse(MANIFEST).unwrap();
    assert_eq!(docs.len(), 2);
    let doc = &docs[1];
    assert_eq!(doc.line, 5);
    let at = |p: &str| locate(MANIFEST, doc, p);
    assert_eq!(at(""), Some((5, 1)));
    assert_eq!(at("/metadata/name"), Some((8, 3)));
    assert_eq!(at("/metadata/annotations/example.com~1note"), Some((10, 5)));
    assert_eq!(at("/metadata/annotations/it's"), Some((14, 5)));
    assert_eq!(at("/spec"), Some((15, 1)));
    assert_eq!(at("/spec/targetRefs"), Some((16, 3)));
    assert_eq!(at("/spec/targetRefs/0"), Some((17, 3)));
    assert_eq!(at("/spec/targetRefs/0/group"), Some((17, 5)));
    assert_eq!(at("/spec/targetRefs/0/name"), Some((19, 5)));
    assert_eq!(at("/spec/targetRefs/1/group"), Some((22, 7)));
    assert_eq!(at("/spec/tls/sni"), Some((28, 5)));
    assert_eq!(at("/spec/list/0/1"), Some((31, 5)));
    // Fallbacks: missing key, flow style, past the end of a sequence.
    assert_eq!(at("/spec/tls/missing"), Some((23, 3)));
    assert_eq!(at("/spec/flow/b/1"), Some((32, 3)));
    assert_eq!(at("/spec/targetRefs/7/kind"), Some((16, 3)));
    assert_eq!(at("/nope"), Some((5, 1)));
    // The first document is located in its own span.
    assert_eq!(locate(MANIFEST, &docs[0], "/kind"), Some((2, 1)));
}

#[test]
fn yaml_locate_never_panics_on_odd_input() {
    let texts = ["", "\u{e9}: [", "- - -\n  - :\n", "a: '\n", "\"a\\", "a: |\n  x\n b: 2\n"];
    for text in texts {
        for span in [(0, text.len()), (0, 1000), (3, 1)] {
            let doc = YamlDoc { value: Value::Null, line: 1, span, span_line: 1, retypable: false };
            for p in ["", "/a", "/0/0", "/a/b/c", "/~", "//"] {
                let _ = locate(text, &doc, p);
            }
        }
    }
}

#[test]
fn yaml_emit_golden_k8s_object() {
    let v = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "labels": {"app": "web", "enabled": "true"}, "annotations": {}},
        "spec": {
            "ports": [{"name": "http", "port": 80, "weight": 50.0}, {"name": "https", "port": 443}],
            "selector": null,
            "matrix": [["a", "b"], []],
            "cert": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "on": false,
            "ratio": 1e300
        }
    });
    let expected = "\
apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
    enabled: 'true'
  annotations: {}
spec:
  ports:
  - name: http
    port: 80
    weight: 50.0
  - name: https
    port: 443
  selector: null
  matrix:
  - - a
    - b
  - []
  cert: |
    -----BEGIN CERTIFICATE-----
    MIIB
    -----END CERTIFICATE-----
  'on': false
  ratio: 1.0e+300
";
    assert_eq!(emit_yaml(&v), expected);
    // Read back as Kubernetes reads it, `50.0` is the integer 50.
    let mut read = v.clone();
    read["spec"]["ports"][0]["weight"] = json!(50);
    assert_eq!(values(expected), vec![read]);
    assert_eq!(emit_yaml_stream([&v, &json!([])]), format!("{expected}---\n[]\n"));
    assert_eq!(emit_yaml_stream(std::iter::empty::<&serde_json::Value>()), "");
    assert_eq!(emit_json_stream([&json!({"a": 1}), &json!({})]), "{\n  \"a\": 1\n}\n{}\n");
}

#[test]
fn yaml_emit_literal_blocks() {
    let cases = [
        ("a\nb", "x: |-\n  a\n  b\n"),
        ("a\n", "x: |\n  a\n"),
        ("a\n\n", "x: |+\n  a\n\n"),
        ("  indented\nb\n", "x: |2\n    indented\n  b\n"),
        ("\n\nx", "x: |-\n\n\n  x\n"),
        ("tab\there\n", "x: \"tab\\there\\n\"\n"),
        ("trail \nx", "x: \"trail \\nx\"\n"),
        ("\n\n", "x: \"\\n\\n\"\n"),
    ];
    for (s, expected) in cases {
        let v = json!({ "x": s });
        assert_eq!(emit_yaml(&v), expected, "{s:?}");
        assert_eq!(values(expected), vec![v], "{s:?}");
    }
    // A document that is just a block scalar.
    assert_eq!(emit_yaml(&json!("a\nb")), "|-\n  a\n  b\n");
    assert_eq!(values("|-\n  a\n  b\n"), vec![json!("a\nb")]);
    let docs = [json!("---\n x\n"), json!("...\n")];
    let text = emit_yaml_stream(&docs);
    assert_eq!(text, "|\n  ---\n   x\n---\n|\n  ...\n");
    assert_eq!(values(&text), docs.to_vec());
    let v = json!(["a\nb", {"k": ["x\n"]}]);
    assert_eq!(emit_yaml(&v), "- |-\n  a\n  b\n- k:\n  - |\n    x\n");
    assert_eq!(values(&emit_yaml(&v)), vec![v]);
}

#[test]
fn yaml_quoting_table() {
    // (input, expected scalar)
    let table: &[(&str, &str)] = &[
        ("web", "web"),
        ("gateway.kgateway.dev/v1alpha1", "gateway.kgateway.dev/v1alpha1"),
        ("/healthz", "/healthz"),
        ("http://x:80/a", "http://x:80/a"),
        ("é", "é"),
        ("hello world", "hello world"),
        ("", "''"),
        ("yes", "'yes'"),
        ("No", "'No'"),
        ("on", "'on'"),
        ("OFF", "'OFF'"),
        ("y", "'y'"),
        ("N", "'N'"),
        ("~", "'~'"),
        ("null", "'null'"),
        ("Null", "'Null'"),
        ("True", "'True'"),
        ("0755", "'0755'"),
        ("0x1F", "'0x1F'"),
        ("5s", "5s"),
        ("1h30m", "1h30m"),
        ("64Ki", "64Ki"),
        ("0X1F", "'0X1F'"),
        ("1E3", "'1E3'"),
        ("12", "'12'"),
        ("0o17", "'0o17'"),
        ("0b101", "'0b101'"),
        ("1_000", "'1_000'"),
        ("1_000.5", "'1_000.5'"),
        ("1e3", "'1e3'"),
        (".5", "'.5'"),
        ("1.", "'1.'"),
        (".inf", "'.inf'"),
        ("-.Inf", "'-.Inf'"),
        (".nan", "'.nan'"),
        ("+1", "'+1'"),
        ("+12", "'+12'"),
        ("-1", "'-1'"),
        ("2024-01-01", "'2024-01-01'"),
        ("2001-12-14t21:59:43.10-05:00", "'2001-12-14t21:59:43.10-05:00'"),
        ("1:20", "'1:20'"),
        ("190:20:30.15", "'190:20:30.15'"),
        ("=", "'='"),
        ("<<", "'<<'"),
        ("- a", "'- a'"),
        ("a: b", "'a: b'"),
        ("a:", "'a:'"),
        ("a #b", "'a #b'"),
        (" lead", "' lead'"),
        ("trail ", "'trail '"),
        ("''", "''''''"),
        ("\"", "'\"'"),
        ("#", "'#'"),
        ("@x", "'@x'"),
        ("`x", "'`x'"),
        ("!x", "'!x'"),
        ("%x", "'%x'"),
        ("a,b", "'a,b'"),
        ("{a}", "'{a}'"),
        ("\t", "\"\\t\""),
        ("line\nline", "\"line\\nline\""),
        ("\u{2028}", "\"\\L\""),
        ("\u{2029}", "\"\\P\""),
        ("\u{85}", "\"\\N\""),
        ("\u{a0}", "\"\\_\""),
        ("\u{feff}", "\"\\uFEFF\""),
        ("\u{1}x\u{7f}", "\"\\x01x\\x7F\""),
        ("back\\slash \"q\"", "'back\\slash \"q\"'"),
        ("tab\t\"q\"\\", "\"tab\\t\\\"q\\\"\\\\\""),
        ("inf", "'inf'"),
        ("<<x", "'<<x'"),
    ];
    for (input, expected) in table {
        assert_eq!(emit::quote_string(input), *expected, "{input:?}");
        let doc = format!("k: {expected}\n");
        if super::scalar::check_text(input).is_ok() {
            assert_eq!(values(&doc), vec![json!({"k": input})], "{input:?}");
        } else {
            // Written faithfully, but not read: Argo CD cannot carry it.
            assert!(parse(&doc).is_err(), "{input:?}");
        }
    }
}

#[test]
fn yaml_plain_scalars_survive_yaml11_resolution() {
    let mut all: Vec<String> = NASTY.iter().map(|s| s.to_string()).collect();
    for w in ["yes", "y", "on", "null", "true", "x", "abc", "a1", "/", "e3", "E", "é"] {
        all.push(w.to_string());
        all.push(w.to_uppercase());
    }
    for s in &all {
        let text = emit::quote_string(s);
        let first = text.chars().next();
        if first != Some('\'') && first != Some('"') {
            assert!(!yaml11_resolves_to_non_string(&text), "{s:?} written plain");
            assert!(!yaml12_resolves_to_non_string(&text), "{s:?} written plain");
        }
    }
    // The resolver itself.
    for s in [
        "y",
        "NO",
        "~",
        "",
        "0755",
        "0b1_0",
        "0x_1F",
        "-12",
        "1_000",
        "1:20",
        "1.5",
        ".5",
        "1.",
        "1.0e+3",
        "190:20:30.15",
        "-.inf",
        ".NaN",
        "2024-01-01",
        "2001-12-14 21:59:43.10 -5",
        "=",
        "<<",
    ] {
        assert!(yaml11_resolves_to_non_string(s), "{s:?}");
    }
    for s in ["yess", "abc", "e3", "/", "a:b", "0xZ", "1e", "x1"] {
        assert!(!yaml11_resolves_to_non_string(s), "{s:?}");
    }
}

#[test]
fn yaml_float_format() {
    for (f, s) in
        [(50.0, "50.0"), (1.5, "1.5"), (1e300, "1.0e+300"), (-2.5e-7, "-2.5e-7"), (0.0, "0.0"), (5e-324, "5.0e-324")]
    {
        assert_eq!(emit::format_float(f), s);
        assert!(yaml11_resolves_to_non_string(s), "{s}");
        assert_eq!(s.parse::<f64>().unwrap(), f);
    }
}

#[test]
fn yaml_long_keys_use_explicit_form() {
    let key = "k".repeat(2000);
    let v = json!({ key.clone(): {"a": [1]}, "b": 2, "c": {key.clone(): "x"} });
    let out = emit_yaml(&v);
    assert!(out.starts_with("? "));
    assert_eq!(values(&out), vec![v]);
}

/// Strings Kubernetes can carry (see `scalar::check_text`).
fn nasty_string() -> impl Strategy<Value = String> {
    prop_oneof![prop::sample::select(NASTY).prop_map(str::to_string), "\\PC*", ".*", "[a-z]{1,6}",]
        .prop_filter("a character Argo CD cannot carry", |s| super::scalar::check_text(s).is_ok())
}

/// Numbers as Kubernetes holds them: an integral float is an integer.
fn float() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
        (-1000i32..1000).prop_map(f64::from),
    ]
    .prop_map(super::scalar::float)
}

pub(crate) fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        float(),
        nasty_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((nasty_string(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn yaml_emit_parse_round_trip(v in arb_value(), k in nasty_string()) {
        let doc = json!({ k: v });
        let text = emit_yaml(&doc);
        let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;
        prop_assert_eq!(back.len(), 1, "{}", text);
        prop_assert_eq!(&back[0].value, &doc, "{}", text);
        prop_assert_eq!(emit_yaml(&back[0].value), text);
    }

    #[test]
    fn yaml_stream_round_trip(docs in prop::collection::vec(arb_value(), 0..4)) {
        let docs: Vec<Value> = docs.into_iter().map(|v| json!({"v": v})).collect();
        let text = emit_yaml_stream(&docs);
        let back: Vec<Value> = parse(&text)
            .map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?
            .into_iter().map(|d| d.value).collect();
        prop_assert_eq!(back, docs);
    }
}

#[test]
fn yaml_only_plain_merge_keys_merge() {
    let merged = values("base: &b {a: 1}\nx:\n  <<: *b\n  c: 2\nw: [{<<: *b}]\nz:\n- <<: *b\n");
    assert_eq!(merged[0]["x"], json!({"a": 1, "c": 2}));
    assert_eq!(merged[0]["w"], json!([{"a": 1}]));
    assert_eq!(merged[0]["z"], json!([{"a": 1}]));
    // Strings that merely contain << are not merge keys.
    assert_eq!(values("'¡<<': null\nx: <<\n'<<': 1\n"), vec![json!({"¡<<": null, "x": "<<", "<<": 1})]);
}

/// A JSON document after `---` in a YAML stream (what `kubectl get -o json | ...` pipelines and
/// the conformance tool feed on stdin) is located by key, not at the document's first column.
#[test]
fn yaml_locate_json_documents_after_a_marker() {
    let text = "{\"kind\": \"A\"}\n---\n# c\n{\"kind\": \"B\", \"spec\": {\"x\": 1}}\n---\n  {\"kind\": \"C\", \"spec\": {\"y\": 2}}\n";
    let docs = parse(text).unwrap();
    assert_eq!(docs.len(), 3);
    assert_eq!(locate(text, &docs[1], "/spec/x"), Some((4, 24)));
    assert_eq!(locate(text, &docs[2], "/spec/y"), Some((6, 26)));
}

/// The literal-block check, written plainly: the emitter's is one vectorizable pass.
fn literal_block_ok_reference(s: &str) -> bool {
    let body = s.trim_end_matches('\n');
    s.contains('\n')
        && !body.is_empty()
        && s.chars().all(|c| c == '\n' || emit::single_quote_ok(c))
        && !body.contains(" \n")
        && !body.ends_with(' ')
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn literal_block_check_matches_its_plain_definition(
        parts in proptest::collection::vec(proptest::sample::select(
            vec!["a", " ", "\n", "\t", "\u{7f}", "\r", "é", "xyz", "  \n", "\u{85}", "-"]), 0..120),
    ) {
        let s: String = parts.concat();
        prop_assert_eq!(emit::literal_block_ok(&s), literal_block_ok_reference(&s), "{:?}", s);
    }
}

#[test]
fn literal_block_check_at_every_chunk_boundary() {
    for p in 0..200 {
        let pad = "a".repeat(p);
        for (bad, what) in [(" \n", "trailing space"), ("\t", "tab"), ("\u{7f}", "DEL"), ("\r", "CR")] {
            let s = format!("{pad}{bad}b\nc\n");
            assert!(!emit::literal_block_ok(&s), "{what} at {p}");
        }
        assert!(emit::literal_block_ok(&format!("{pad} x\nb\n")), "at {p}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// What the emitter writes reads back the same under a YAML 1.2 reader too.
    #[test]
    fn yaml12_reader_reads_the_emitted_values_back(v in arb_value(), k in nasty_string()) {
        let doc = json!({ k: v });
        let text = emit_yaml(&doc);
        let back: Value = yaml_serde::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &doc, "{}", text);
    }
}

fn kustomize(text: &str) -> Result<Vec<Value>, YamlError> {
    parse_stream_as(text, &ParseLimits::default(), Schema::Kustomize).map(|d| d.into_iter().map(|d| d.value).collect())
}

#[test]
fn kustomize_reads_resources_with_goyaml_v3_booleans() {
    let text =
        "kind: X\nspec:\n  a: yes\n  b: on\n  c: y\n  d: true\n  e: False\n  f: 017\n  g: 1_000\n  h: 1.0\n  i: ~\n";
    assert_eq!(
        kustomize(text).unwrap(),
        vec![
            json!({"kind": "X", "spec": {"a": "yes", "b": "on", "c": "y", "d": true, "e": false, "f": 15, "g": 1000, "h": 1, "i": null}})
        ]
    );
    // What kustomize rewrites and the built-in engine does not is unsupported, not an error.
    for unsupported in ["a: 2001-12-14\n", "a: {x: 1, <<: {x: 2}}\n"] {
        let e = kustomize(unsupported).unwrap_err();
        assert!(e.unsupported, "{unsupported:?}: {e:?}");
    }
    // Keys kustomize cannot write at all.
    for bad in ["1: a\n", "true: a\n", "~: a\n", "1.5: a\n", "2001-12-14: a\n"] {
        assert!(!kustomize(bad).unwrap_err().unsupported, "{bad:?}");
    }
    assert_eq!(kustomize("yes: a\non: b\n").unwrap(), vec![json!({"yes": "a", "on": "b"})]);
}

#[test]
fn kustomize_keeps_annotation_values_as_written() {
    let text = "kind: X\nmetadata:\n  annotations:\n    port: 8080\n    flag: yes\n    t: true\n    n: null\n    s: 'x'\n  labels:\n    port: 8080\nspec:\n  template:\n    metadata:\n      annotations:\n        port: 8080\n";
    assert_eq!(
        kustomize(text).unwrap()[0],
        json!({"kind": "X", "metadata": {"annotations": {"port": "8080", "flag": "yes", "t": "true", "n": "null", "s": "x"}, "labels": {"port": 8080}}, "spec": {"template": {"metadata": {"annotations": {"port": 8080}}}}})
    );
    let list = "kind: List\nitems:\n- kind: X\n  metadata:\n    annotations:\n      a: 1\n";
    assert_eq!(kustomize(list).unwrap()[0]["items"][0]["metadata"]["annotations"]["a"], json!("1"));
    // Forms a JSON patch would re-type are kept as written, and the document says so.
    for (form, retypable) in [
        ("0x1F", true),
        ("017", true),
        ("1.5", true),
        ("~", true),
        ("True", true),
        ("2001-12-14", true),
        ("8080", false),
        ("''", false),
    ] {
        let text = format!("kind: X\nmetadata:\n  annotations:\n    a: {form}\n");
        let docs = parse_stream_as(&text, &ParseLimits::default(), Schema::Kustomize).unwrap();
        let want = if form == "''" { "" } else { form };
        assert_eq!(docs[0].value["metadata"]["annotations"]["a"], json!(want), "{form}");
        assert_eq!(docs[0].retypable, retypable, "{form}");
    }
    // Values kustomize empties are unsupported.
    for form in ["{a: 1}", "[1]", "*x"] {
        let text = format!("kind: X\nx: &x 1\nmetadata:\n  annotations:\n    a: {form}\n");
        assert!(kustomize(&text).unwrap_err().unsupported, "{form}");
    }
}
