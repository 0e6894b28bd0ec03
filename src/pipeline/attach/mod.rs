//! Which policies attach to which backend, as kgateway resolves it (`krtcollections/policy.go`),
//! and which BackendTLSPolicy applies to each backend ([`backend_tls`]).
//!
//! Policies are indexed once: by `(group, kind, namespace, name)` for targetRefs and by
//! `(group, kind, namespace)` then one of their labels for targetSelectors. Each backend then
//! asks its own namespace (and the global policy namespace, for selectors only), so the cost
//! is linear in backends plus policies, never backends × policies. [`why`] tells why a policy
//! attaches to nothing.

use std::collections::HashMap;

use serde_json::Value;

use crate::core::index::{ClusterIdx, ObjectIdx, PolicyIdx, Table};
use crate::core::kind::{Kind, TargetKind};
use crate::core::object::Object;
use crate::core::release::Profile;
use crate::core::value::{Labels, get, string_map};
use crate::pipeline::backends::Backend;

pub mod backend_tls;
pub mod policy;
pub mod why;

pub use policy::{PolicyRef, order_is_unknown, policies_of};

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

#[derive(Debug, Clone)]
pub struct Attachment {
    pub policy: PolicyIdx,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Default)]
pub struct Attached {
    /// Every BackendConfigPolicy, in merge order.
    pub policies: Table<PolicyIdx, PolicyRef>,
    /// Per backend, attachments in merge order.
    pub by_backend: Table<ClusterIdx, Vec<Attachment>>,
    /// Per backend, the BackendTLSPolicy that applies, if any.
    pub backend_tls: Table<ClusterIdx, Option<backend_tls::Choice>>,
    /// Number of (policy reference, backend) pairs examined: a measure that attachment is
    /// indexed, not a scan (tested on the generator's repository).
    pub candidates_examined: usize,
}

fn field_str<'a>(v: &'a Value, key: &str) -> &'a str {
    get(v, key).and_then(Value::as_str).unwrap_or("")
}

/// The targetRefs keys (group, kind, namespace, name) a backend is known by, with the
/// Hostname alias each comes from.
fn ref_keys(b: &Backend) -> Vec<([&str; 4], Option<&str>)> {
    let ns = b.namespace.as_str();
    let (group, kind) = b.kind.target_kind().group_kind();
    match b.kind.target_kind() {
        TargetKind::Service | TargetKind::Backend => vec![([group, kind, ns, &b.target.name], None)],
        TargetKind::Hostname => b.hostnames.iter().map(|h| ([group, kind, ns, h.as_str()], Some(h.as_str()))).collect(),
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

/// (policy, selector index, matchLabels) per selector key.
type SelectorEntry = (PolicyIdx, usize, Labels);
/// Selectors of one (group, kind, namespace), by their first label.
type ByLabel = HashMap<(String, String), Vec<SelectorEntry>>;

/// Every policy's targetRefs and targetSelectors, indexed. Only looked up, never iterated:
/// its order cannot reach the output.
#[derive(Default)]
struct Index {
    by_ref: HashMap<Vec<u8>, Vec<(PolicyIdx, usize)>>,
    /// Selectors by (group, kind, namespace) key, then by their first label: a backend only
    /// examines the selectors indexed under one of its own labels.
    by_selector: HashMap<Vec<u8>, ByLabel>,
    buf: Vec<u8>,
}

impl Index {
    fn new(objects: &Table<ObjectIdx, Object>, policies: &Table<PolicyIdx, PolicyRef>) -> Index {
        let mut ix = Index::default();
        let mut buf = Vec::new();
        for (pi, p) in policies.enumerate() {
            let spec = objects[p.object].spec().unwrap_or(&Value::Null);
            let ns = p.id.namespace.as_str();
            for (ri, r) in spec.get("targetRefs").and_then(Value::as_array).into_iter().flatten().enumerate() {
                let key = index_key(&mut buf, &[field_str(r, "group"), field_str(r, "kind"), ns, field_str(r, "name")]);
                ix.by_ref.entry(key.to_vec()).or_default().push((pi, ri));
            }
            for (si, s) in spec.get("targetSelectors").and_then(Value::as_array).into_iter().flatten().enumerate() {
                let labels = string_map(s.get("matchLabels"));
                // Istio's labels.Instance.Match: an empty selector never matches.
                let Some(first) = labels.first().cloned() else { continue };
                let key = index_key(&mut buf, &[field_str(s, "group"), field_str(s, "kind"), ns]);
                let by_label = ix.by_selector.entry(key.to_vec()).or_default();
                by_label.entry(first).or_default().push((pi, si, labels.into()));
            }
        }
        ix
    }

    /// The policies attached to `b`, in merge order, with why; counts the candidates examined.
    fn attachments(&mut self, b: &Backend, global_ns: Option<&str>, examined: &mut usize) -> Vec<Attachment> {
        let mut found: Vec<(PolicyIdx, Reason)> = Vec::new();
        for (parts, host) in ref_keys(b) {
            for &(pi, ri) in self.by_ref.get(index_key(&mut self.buf, &parts)).into_iter().flatten() {
                *examined += 1;
                let reason = match host {
                    Some(h) => Reason::HostnameRef { index: ri, host: h.to_string() },
                    None => Reason::TargetRef { index: ri },
                };
                found.push((pi, reason));
            }
        }
        // kgateway looks selectors up only for targets that have labels.
        if !b.labels.is_empty() {
            let (group, kind) = b.kind.target_kind().group_kind();
            let mut namespaces = vec![(b.namespace.as_str(), false)];
            if let Some(g) = global_ns.filter(|g| *g != b.namespace) {
                namespaces.push((g, true));
            }
            for (ns, global) in namespaces {
                let Some(by_label) = self.by_selector.get(index_key(&mut self.buf, &[group, kind, ns])) else {
                    continue;
                };
                for (pi, si, labels) in b.labels.iter().filter_map(|l| by_label.get(l)).flatten() {
                    *examined += 1;
                    if labels.iter().all(|l| b.labels.binary_search(l).is_ok()) {
                        let (index, labels) = (*si, labels.clone());
                        let reason = if global {
                            Reason::GlobalSelector { index, labels }
                        } else {
                            Reason::Selector { index, labels }
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
        atts
    }
}

/// Resolve every attachment of every BackendConfigPolicy, and the BackendTLSPolicy of every
/// backend.
pub fn attach(
    objects: &Table<ObjectIdx, Object>,
    backends: &Table<ClusterIdx, Backend>,
    global_ns: Option<&str>,
    profile: &Profile,
) -> Attached {
    let policies: Table<PolicyIdx, PolicyRef> = policies_of(objects, Kind::BackendConfigPolicy).into();
    let mut index = Index::new(objects, &policies);
    let btps = backend_tls::policies(objects);
    let mut out = Attached { candidates_examined: 0, ..Attached::default() };
    for b in backends {
        out.by_backend.push(index.attachments(b, global_ns, &mut out.candidates_examined));
        out.backend_tls.push(backend_tls::select(b, &btps, objects, profile));
    }
    out.policies = policies;
    out
}

#[cfg(test)]
#[path = "scale_tests.rs"]
mod scale_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::object::testing::object as obj;
    use crate::pipeline::backends::{BackendOptions, collect};
    use serde_json::json;

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
        let objects: Table<ObjectIdx, Object> = objects.to_vec().into();
        let (backends, _) = collect(
            &objects,
            &BackendOptions {
                global_service_domain: "mesh.internal",
                release: crate::core::release::Release::V2_4,
                aws_ec2_discovery: false,
                istio_integration: true,
            },
        );
        let a = attach(&objects, &backends, global, crate::core::release::Release::V2_4.profile());
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
}
