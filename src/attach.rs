//! Which policies attach to which backend, as kgateway resolves it (`krtcollections/policy.go`).
//!
//! Policies are indexed once: by `(group, kind, namespace, name)` for targetRefs and by
//! `(group, kind, namespace)` then one of their labels for targetSelectors. Each backend then asks its own namespace
//! (and the global policy namespace, for selectors only), so the cost is linear in backends
//! plus policies, never backends × policies.

use std::collections::HashMap;

use serde_json::Value;

use crate::backends::{Backend, BackendKind};
use crate::model::{ISTIO_GROUP, KGATEWAY_GROUP, Labels, Object, ObjectId};

/// Why a policy attached to a backend.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// `spec.targetRefs[i]` names the backend.
    TargetRef { index: usize },
    /// `spec.targetRefs[i]` names one of the ServiceEntry's hosts.
    HostnameRef { index: usize, host: String },
    /// `spec.targetSelectors[i]` matched the backend's labels in its own namespace.
    Selector { index: usize, labels: Labels },
    /// The same, from the global policy namespace.
    GlobalSelector { index: usize, labels: Labels },
}

impl Reason {
    pub fn describe(&self) -> String {
        let labels = |l: &[(String, String)]| l.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
        match self {
            Reason::TargetRef { index } => format!("targetRefs[{index}]"),
            Reason::HostnameRef { index, host } => format!("targetRefs[{index}] (Hostname {host})"),
            Reason::Selector { index, labels: l } => format!("targetSelectors[{index}] ({})", labels(l)),
            Reason::GlobalSelector { index, labels: l } => {
                format!("targetSelectors[{index}] ({}) from the global policy namespace", labels(l))
            }
        }
    }
}

/// A policy as attachment sees it.
#[derive(Debug, Clone)]
pub struct PolicyRef {
    /// Index into the objects.
    pub object: usize,
    pub id: ObjectId,
    /// Creation time in seconds since the epoch, when the object carries one.
    pub created: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Attachment {
    /// Index into [`Attached::policies`].
    pub policy: usize,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Default)]
pub struct Attached {
    pub policies: Vec<PolicyRef>,
    /// Per backend (same order as the backends), attachments in merge order.
    pub by_backend: Vec<Vec<Attachment>>,
    /// Number of (policy reference, backend) pairs examined: a measure that attachment is
    /// indexed, not a scan (tested on the generator's repository).
    pub candidates_examined: usize,
}

/// The targetRefs keys (group, kind, namespace, name) a backend is known by, with the
/// Hostname alias each comes from, and the (group, kind) its targetSelectors lookups use.
type BackendKeys<'b> = (Vec<([&'b str; 4], Option<&'b str>)>, (&'static str, &'static str));
/// (policy index, selector index, matchLabels) per selector key.
type SelectorEntry = (usize, usize, Labels);
/// Selectors by (group, kind, namespace) index key, then by their first label.
type SelectorIndex = HashMap<Vec<u8>, HashMap<(String, String), Vec<SelectorEntry>>>;

/// Parse an RFC 3339 timestamp into seconds since the epoch (UTC offsets honoured).
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b't') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let oh = rest.get(1..3)?.parse::<i64>().ok()?;
            let om = rest.get(4..6)?.parse::<i64>().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    // Days from civil date (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(days * 86400 + h * 3600 + mi * 60 + sec - offset)
}

/// kgateway's merge order: oldest first, then namespace, then name. Objects without a
/// timestamp (normal in Git) will be created at sync time, so they sort after dated ones and
/// tie among themselves.
pub fn merge_order(a: &PolicyRef, b: &PolicyRef) -> std::cmp::Ordering {
    let key = |p: &PolicyRef| (p.created.is_none(), p.created.unwrap_or(0));
    key(a).cmp(&key(b)).then_with(|| a.id.namespace.cmp(&b.id.namespace)).then_with(|| a.id.name.cmp(&b.id.name))
}

/// True when the live order of two policies is decided by creation times Git does not hold.
pub fn order_is_unknown(a: &PolicyRef, b: &PolicyRef) -> bool {
    a.created == b.created
}

fn field_str<'a>(v: &'a Value, key: &str) -> &'a str {
    crate::model::get(v, key).and_then(Value::as_str).unwrap_or("")
}

/// The keys a backend is known by, for targetRefs and for targetSelectors.
fn backend_keys(b: &Backend) -> BackendKeys<'_> {
    let ns = b.namespace.as_str();
    match b.kind {
        BackendKind::Service => (vec![(["", "Service", ns, &b.target.name], None)], ("", "Service")),
        BackendKind::KgwBackend => {
            (vec![([KGATEWAY_GROUP, "Backend", ns, &b.target.name], None)], (KGATEWAY_GROUP, "Backend"))
        }
        BackendKind::ServiceEntry | BackendKind::GlobalService => (
            b.hostnames.iter().map(|h| ([ISTIO_GROUP, "Hostname", ns, h.as_str()], Some(h.as_str()))).collect(),
            (ISTIO_GROUP, "Hostname"),
        ),
    }
}

/// An index key made of `parts`, each length-prefixed so that no two part lists share a
/// key. Written into `buf`, reused across lookups, instead of allocating a tuple of Strings.
fn index_key<'k>(buf: &'k mut Vec<u8>, parts: &[&str]) -> &'k [u8] {
    buf.clear();
    for p in parts {
        buf.extend_from_slice(&(p.len() as u64).to_le_bytes());
        buf.extend_from_slice(p.as_bytes());
    }
    buf
}

/// Resolve every attachment of every policy (objects of `policy_kind` in `policy_group`).
pub fn attach(objects: &[Object], backends: &[Backend], global_ns: Option<&str>) -> Attached {
    let mut policies: Vec<PolicyRef> = objects
        .iter()
        .enumerate()
        .filter(|(_, o)| o.id.group == KGATEWAY_GROUP && o.id.kind == "BackendConfigPolicy")
        .map(|(i, o)| PolicyRef {
            object: i,
            id: o.id.clone(),
            created: o.creation_timestamp().and_then(parse_timestamp),
        })
        .collect();
    policies.sort_by(merge_order);

    // Only looked up, never iterated: their order cannot reach the output.
    let mut by_ref: HashMap<Vec<u8>, Vec<(usize, usize)>> = HashMap::new();
    // Selectors are indexed by one of their labels (the first): a backend only examines the
    // selectors indexed under one of its own labels, never every selector of a namespace.
    let mut by_selector: SelectorIndex = HashMap::new();
    let mut buf = Vec::new();
    for (pi, p) in policies.iter().enumerate() {
        let spec = objects[p.object].spec().unwrap_or(&Value::Null);
        let ns = p.id.namespace.as_str();
        for (ri, r) in spec.get("targetRefs").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let key = index_key(&mut buf, &[field_str(r, "group"), field_str(r, "kind"), ns, field_str(r, "name")]);
            by_ref.entry(key.to_vec()).or_default().push((pi, ri));
        }
        for (si, s) in spec.get("targetSelectors").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let labels = crate::model::string_map(s.get("matchLabels"));
            // Istio's labels.Instance.Match: an empty selector never matches.
            let Some(first) = labels.first().cloned() else { continue };
            let key = index_key(&mut buf, &[field_str(s, "group"), field_str(s, "kind"), ns]);
            by_selector.entry(key.to_vec()).or_default().entry(first).or_default().push((pi, si, labels.into()));
        }
    }

    let mut out = Attached { by_backend: Vec::with_capacity(backends.len()), ..Attached::default() };
    for b in backends {
        let mut found: Vec<(usize, Reason)> = Vec::new();
        let (ref_keys, (group, kind)) = backend_keys(b);
        for (parts, host) in &ref_keys {
            for &(pi, ri) in by_ref.get(index_key(&mut buf, parts)).into_iter().flatten() {
                out.candidates_examined += 1;
                let reason = match host {
                    Some(h) => Reason::HostnameRef { index: ri, host: h.to_string() },
                    None => Reason::TargetRef { index: ri },
                };
                found.push((pi, reason));
            }
        }
        // kgateway looks selectors up only for targets that have labels.
        if !b.labels.is_empty() {
            let mut namespaces = vec![(b.namespace.as_str(), false)];
            if let Some(g) = global_ns.filter(|g| *g != b.namespace) {
                namespaces.push((g, true));
            }
            for (ns, global) in namespaces {
                let Some(by_label) = by_selector.get(index_key(&mut buf, &[group, kind, ns])) else { continue };
                let candidates = b.labels.iter().filter_map(|l| by_label.get(l)).flatten();
                for (pi, si, labels) in candidates {
                    out.candidates_examined += 1;
                    if labels.iter().all(|l| b.labels.binary_search(l).is_ok()) {
                        let reason = if global {
                            Reason::GlobalSelector { index: *si, labels: labels.clone() }
                        } else {
                            Reason::Selector { index: *si, labels: labels.clone() }
                        };
                        found.push((*pi, reason));
                    }
                }
            }
        }
        found.sort();
        let mut atts: Vec<Attachment> = Vec::new();
        for (pi, reason) in found {
            match atts.last_mut() {
                Some(a) if a.policy == pi => a.reasons.push(reason),
                _ => atts.push(Attachment { policy: pi, reasons: vec![reason] }),
            }
        }
        out.by_backend.push(atts);
    }
    out.policies = policies;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::{BackendOptions, collect};
    use crate::model::{Origin, group_of};
    use serde_json::json;

    fn obj(v: Value) -> Object {
        let id = ObjectId {
            group: group_of(v["apiVersion"].as_str().unwrap()).into(),
            kind: v["kind"].as_str().unwrap().into(),
            namespace: v["metadata"]["namespace"].as_str().unwrap_or("default").into(),
            name: v["metadata"]["name"].as_str().unwrap().into(),
        };
        Object::new(v, Origin::default(), id)
    }

    fn svc(ns: &str, name: &str, labels: Value) -> Object {
        obj(
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"ports": [{"port": 80}]}}),
        )
    }

    fn bcp(ns: &str, name: &str, spec: Value) -> Object {
        obj(json!({"apiVersion": "gateway.kgateway.dev/v1alpha1", "kind": "BackendConfigPolicy",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}))
    }

    fn run(objects: &[Object], global: Option<&str>) -> Vec<(String, Vec<String>)> {
        let (backends, _) = collect(objects, &BackendOptions { global_service_domain: "mesh.internal" });
        let a = attach(objects, &backends, global);
        backends
            .iter()
            .zip(&a.by_backend)
            .map(|(b, atts)| {
                (b.cluster_name.clone(), atts.iter().map(|x| a.policies[x.policy].id.name.clone()).collect())
            })
            .collect()
    }

    #[test]
    fn target_refs_are_namespace_local() {
        let objs = [
            svc("a", "web", json!({})),
            bcp("a", "here", json!({"targetRefs": [{"group": "", "kind": "Service", "name": "web"}]})),
            bcp("b", "elsewhere", json!({"targetRefs": [{"group": "", "kind": "Service", "name": "web"}]})),
        ];
        assert_eq!(run(&objs, Some("b")), vec![("kube_a_web_80".into(), vec!["here".into()])]);
    }

    #[test]
    fn selectors_match_subsets_and_empty_match_labels_match_nothing() {
        let objs = [
            svc("a", "web", json!({"app": "web", "tier": "front"})),
            bcp(
                "a",
                "subset",
                json!({"targetSelectors": [{"group": "", "kind": "Service", "matchLabels": {"app": "web"}}]}),
            ),
            bcp("a", "empty", json!({"targetSelectors": [{"group": "", "kind": "Service", "matchLabels": {}}]})),
            bcp(
                "a",
                "other",
                json!({"targetSelectors": [{"group": "", "kind": "Service", "matchLabels": {"app": "x"}}]}),
            ),
        ];
        assert_eq!(run(&objs, None), vec![("kube_a_web_80".into(), vec!["subset".into()])]);
    }

    #[test]
    fn global_namespace_reaches_across_namespaces_with_selectors_only() {
        let objs = [
            svc("a", "web", json!({"app": "web"})),
            bcp(
                "global",
                "sel",
                json!({"targetSelectors": [{"group": "", "kind": "Service", "matchLabels": {"app": "web"}}]}),
            ),
            bcp("global", "ref", json!({"targetRefs": [{"group": "", "kind": "Service", "name": "web"}]})),
        ];
        assert_eq!(run(&objs, Some("global")), vec![("kube_a_web_80".into(), vec!["sel".into()])]);
        assert_eq!(run(&objs, None), vec![("kube_a_web_80".into(), vec![])]);
    }

    #[test]
    fn hostname_refs_attach_to_every_host_of_the_service_entry() {
        let objs = [
            obj(
                json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry", "metadata": {"name": "se", "namespace": "a"},
                "spec": {"hosts": ["x.example", "y.example"], "ports": [{"number": 80, "name": "http"}], "resolution": "DNS"}}),
            ),
            bcp(
                "a",
                "p",
                json!({"targetRefs": [{"group": "networking.istio.io", "kind": "Hostname", "name": "x.example"}]}),
            ),
        ];
        assert_eq!(
            run(&objs, None),
            vec![
                ("istio-se_a_se_x.example_80".into(), vec!["p".into()]),
                ("istio-se_a_se_y.example_80".into(), vec!["p".into()])
            ]
        );
    }

    #[test]
    fn merge_order_is_oldest_first_then_namespace_then_name() {
        let mut b = bcp("a", "b-old", json!({"targetRefs": [{"group": "", "kind": "Service", "name": "web"}]}));
        b.value_mut()["metadata"]["creationTimestamp"] = json!("2020-01-01T00:00:00Z");
        let objs = [
            svc("a", "web", json!({})),
            bcp("a", "z-undated", json!({"targetRefs": [{"group": "", "kind": "Service", "name": "web"}]})),
            bcp("a", "a-undated", json!({"targetRefs": [{"group": "", "kind": "Service", "name": "web"}]})),
            b,
        ];
        assert_eq!(
            run(&objs, None),
            vec![("kube_a_web_80".into(), vec!["b-old".into(), "a-undated".into(), "z-undated".into()])]
        );
    }

    #[test]
    fn timestamps_parse_with_offsets() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("2000-01-01T00:00:01Z"), Some(946684801));
        assert_eq!(parse_timestamp("2000-01-01T01:00:01+01:00"), Some(946684801));
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
