//! Key material never reaches the output. The private keys kgateway puts in
//! `tls_certificates` are redacted where they are built; this catches the rest: a key pasted
//! into a certificate chain or a CA bundle (`tls.files.rootCA`, a Secret's `ca.crt`, a
//! BackendTLSPolicy CA ConfigMap...), which kgateway hands on as it is. Every PEM block whose
//! type names a key, in any string of a cluster, is replaced by a redaction marker; the
//! certificates around it stay.

use serde_json::Value;

use crate::pipeline::fields::ctx::Cluster;
use crate::pipeline::fields::redaction;

const MARKER: &str = "<redacted by bcp-render";

/// Redact key blocks in every string of the cluster; the dotted paths of those changed.
pub fn scrub(cluster: &mut Cluster) -> Vec<String> {
    let mut changed = Vec::new();
    let mut at = Vec::new();
    for (k, v) in cluster.iter_mut() {
        at.push(Segment::Key(k.as_str()));
        walk(v, &mut at, &mut changed);
        at.pop();
    }
    changed
}

/// Redact key blocks in every string of a value (a policy field shown by `explain`); whether
/// there was one.
pub fn scrub_value(v: &mut Value) -> bool {
    let mut changed = Vec::new();
    walk(v, &mut Vec::new(), &mut changed);
    !changed.is_empty()
}

/// A step of the path to a value; the path is spelled out only for a string that changes,
/// since every cluster is walked.
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn spell(at: &[Segment]) -> String {
    let mut out = String::new();
    for s in at {
        match s {
            Segment::Key(k) if out.is_empty() => out.push_str(k),
            Segment::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn walk<'a>(v: &'a mut Value, at: &mut Vec<Segment<'a>>, changed: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            if let Some(clean) = redact_key_blocks(s) {
                *s = clean;
                changed.push(spell(at));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                at.push(Segment::Index(i));
                walk(item, at, changed);
                at.pop();
            }
        }
        Value::Object(m) => {
            for (k, item) in m.iter_mut() {
                at.push(Segment::Key(k.as_str()));
                walk(item, at, changed);
                at.pop();
            }
        }
        _ => {}
    }
}

/// The text with each key block (`-----BEGIN …KEY…-----` to its END line, or to the end of
/// the text when it has none) replaced by a marker; `None` when there is none.
fn redact_key_blocks(s: &str) -> Option<String> {
    if s.starts_with(MARKER) || !s.contains("-----BEGIN ") {
        return None;
    }
    let (mut out, mut rest, mut found) = (String::new(), s, false);
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let label = after.find("-----").map(|e| &after[..e]).unwrap_or(after);
        if !label.to_ascii_uppercase().contains("KEY") {
            let skip = start + 11;
            out.push_str(&rest[..skip]);
            rest = &rest[skip..];
            continue;
        }
        found = true;
        out.push_str(&rest[..start]);
        let end_marker = format!("-----END {label}-----");
        let block_end = rest[start..].find(&end_marker).map_or(rest.len(), |e| start + e + end_marker.len());
        let label = if label.len() > 40 || label.contains('\n') { "KEY" } else { label };
        out.push_str(&redaction(&format!("{label} block"), &rest[start..block_end]));
        rest = &rest[block_end..];
    }
    out.push_str(rest);
    found.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n";

    #[test]
    fn key_blocks_go_certificates_stay() {
        for label in
            ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY"]
        {
            let key = format!("-----BEGIN {label}-----\nSECRETSECRETSECRET\n-----END {label}-----\n");
            let out = redact_key_blocks(&format!("{CERT}{key}{CERT}")).unwrap();
            assert!(!out.contains("SECRETSECRET"), "{label}: {out}");
            assert_eq!(out.matches("MIIBcert").count(), 2, "{out}");
            assert!(out.contains(&format!("<redacted by bcp-render: {label} block, sha256 ")), "{out}");
        }
        // An unterminated key block is cut to the end.
        let out = redact_key_blocks(&format!("{CERT}-----BEGIN PRIVATE KEY-----\nSECRETSECRET")).unwrap();
        assert!(!out.contains("SECRETSECRET") && out.contains("MIIBcert"));
        assert_eq!(redact_key_blocks(CERT), None);
        assert_eq!(redact_key_blocks("<redacted by bcp-render: x, sha256 00>"), None);
    }

    #[test]
    fn every_string_of_a_cluster_is_looked_at() {
        let key = "-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n";
        let mut c: Cluster = serde_json::from_value(serde_json::json!({
            "transport_socket": {"typed_config": {"common_tls_context": {"validation_context": {
                "trusted_ca": {"inline_string": format!("{CERT}{key}")}}}}},
            "name": "x"
        }))
        .unwrap();
        let changed = scrub(&mut c);
        assert_eq!(
            changed,
            ["transport_socket.typed_config.common_tls_context.validation_context.trusted_ca.inline_string"]
        );
        assert!(!serde_json::to_string(&c).unwrap().contains("SECRETSECRET"));
    }
}
