//! kgateway's discovery namespace selectors (`KGW_DISCOVERY_NAMESPACE_SELECTORS`): when set,
//! kgateway watches only the namespaces whose Namespace object matches one of them. What is
//! in the others (Services, Backends, ServiceEntries, policies, Secrets, ConfigMaps) it never
//! sees: no cluster, no attachment. Such objects still pass through to the output.
//!
//! A namespace's labels are its Namespace object's, with `kubernetes.io/metadata.name` (the
//! API server sets it). Without the object in the input, only selectors on that label can be
//! decided; others make the render refuse, rather than guess.

use std::collections::{BTreeMap, BTreeSet};

use crate::core::diag::{Diagnostic, Diagnostics};
use crate::core::index::{ObjectIdx, Table};
use crate::core::kind::Kind;
use crate::core::object::Object;
use crate::core::selector::LabelSelector;

const NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Make the objects of unwatched namespaces invisible to the pipeline (they become plain
/// pass-through objects), with a warning per such namespace.
pub fn hide_unwatched(objects: &mut Table<ObjectIdx, Object>, selectors: &[LabelSelector], diags: &mut Diagnostics) {
    if selectors.is_empty() {
        return;
    }
    let namespaces: BTreeMap<String, BTreeMap<String, String>> = objects
        .iter()
        .filter(|o| o.kind == Kind::Namespace)
        .map(|o| {
            let mut labels: BTreeMap<String, String> =
                o.labels().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            labels.insert(NAME_LABEL.into(), o.id.name.clone());
            (o.id.name.clone(), labels)
        })
        .collect();
    let only_name = selectors.iter().all(|s| s.keys().all(|k| k == NAME_LABEL));
    let mut hidden = BTreeSet::new();
    let mut undecided = BTreeSet::new();
    for o in objects.iter_mut() {
        if !o.kind.is_read() || o.kind == Kind::Namespace || o.id.namespace.is_empty() {
            continue;
        }
        let ns = &o.id.namespace;
        let watched = match namespaces.get(ns) {
            Some(labels) => selectors.iter().any(|s| s.matches(labels)),
            None if only_name => {
                selectors.iter().any(|s| s.matches(&BTreeMap::from([(NAME_LABEL.into(), ns.clone())])))
            }
            None => {
                undecided.insert(ns.clone());
                continue;
            }
        };
        if !watched {
            o.kind = Kind::Other;
            hidden.insert(ns.clone());
        }
    }
    for ns in undecided {
        diags.push(
            Diagnostic::error(format!(
                "namespace {ns}: --discovery-namespace-selectors select namespaces by labels other than {NAME_LABEL}, and the input has no Namespace {ns} to read them from"
            ))
            .hint(format!("add the Namespace {ns} object, with its labels, to the input")),
        );
    }
    for ns in hidden {
        diags.push(Diagnostic::warning(format!(
            "namespace {ns} is not watched by kgateway (--discovery-namespace-selectors): its Services, Backends, ServiceEntries and policies make no clusters"
        )));
    }
}
