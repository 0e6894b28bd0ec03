use std::collections::BTreeSet;

use super::*;
use crate::pipeline::validate::schema::{SchemaKind, schema};

#[test]
fn rows_have_process_backend_order() {
    let names: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "connectTimeout",
            "perConnectionBufferLimitBytes",
            "tcpKeepalive",
            "commonHttpProtocolOptions",
            "http1ProtocolOptions",
            "http2ProtocolOptions",
            "tls",
            "upstreamProxyProtocol",
            "loadBalancer",
            "healthCheck",
            "outlierDetection",
            "circuitBreakers",
            "dns",
        ]
    );
}

/// Every property below `spec` in a release's CRD schema, as pointers (array items are
/// walked through without an index segment).
fn crd_fields(release: Release) -> BTreeSet<String> {
    fn walk(node: &Value, pointer: &str, out: &mut BTreeSet<String>) {
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            for (name, sub) in props {
                let p = format!("{pointer}/{name}");
                out.insert(p.clone());
                walk(sub, &p, out);
            }
        }
        if let Some(items) = node.get("items") {
            walk(items, pointer, out);
        }
    }
    let spec = &schema(release, SchemaKind::BackendConfigPolicy)["properties"]["spec"];
    let mut out = BTreeSet::new();
    walk(spec, "", &mut out);
    out.retain(|p| !ATTACHMENT_FIELDS.iter().any(|a| p == &format!("/{a}") || p.starts_with(&format!("/{a}/"))));
    out
}

#[test]
fn every_crd_field_of_every_release_has_a_row_and_every_row_a_field() {
    let crds: Vec<(Release, BTreeSet<String>)> = Release::all().map(|r| (r, crd_fields(r))).collect();
    for (r, fields) in &crds {
        let top: BTreeSet<&str> = fields.iter().filter(|p| p.matches('/').count() == 1).map(|p| &p[1..]).collect();
        let rows: BTreeSet<&str> = FIELDS.iter().filter(|f| f.since <= *r).map(|f| f.name).collect();
        assert_eq!(top, rows, "kgateway {r}: the CRD's spec fields and the registry's rows");
        for p in fields {
            // The release the registry gives a CRD field is the first whose CRD has it.
            let first = crds.iter().find(|(_, f)| f.contains(p)).map(|(r, _)| *r);
            assert_eq!(release_of(p), first, "kgateway {r}: spec{p}");
        }
    }
    for f in FIELDS {
        for (p, since) in f.newer {
            let full = format!("/{}{p}", f.name);
            assert!(crds.iter().any(|(r, c)| r == since && c.contains(&full)), "{full} is in the {since} CRD");
            assert!(*since > f.since, "{full} is newer than its field");
        }
    }
}

#[test]
fn units_follow_the_rows() {
    let names: Vec<&str> = UNITS.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names.len(), FIELDS.len() + 2);
    assert!(names.contains(&"dns.jitter") && !names.contains(&"dns"));
    for (i, u) in UNITS.iter().enumerate() {
        assert_eq!(u.bit as usize, i);
    }
    let spec = serde_json::json!({"connectTimeout": "1s", "dns": {"jitter": "1s", "refreshRate": null}, "tls": null});
    let set: Vec<&str> = UNITS.iter().filter(|u| set_units(&spec) & 1 << u.bit != 0).map(|u| u.name.as_str()).collect();
    assert_eq!(set, ["connectTimeout", "dns.jitter"]);
}

#[test]
fn release_of_a_pointer() {
    assert_eq!(release_of("/connectTimeout"), Some(Release::V2_1));
    assert_eq!(release_of("/circuitBreakers/maxRetries"), Some(Release::V2_2));
    assert_eq!(release_of("/circuitBreakers/trackRemaining"), Some(Release::V2_3));
    assert_eq!(release_of("/tls/parameters/signatureAlgorithms"), Some(Release::V2_4));
    assert_eq!(release_of("/tls/parameters/cipherSuites"), Some(Release::V2_1));
    assert_eq!(release_of("/nope"), None);
}
