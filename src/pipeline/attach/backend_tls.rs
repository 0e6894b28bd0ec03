//! Which Gateway API BackendTLSPolicy applies to a backend.
//!
//! kgateway 2.4+ gives it precedence over a BackendConfigPolicy's `tls` (§8.3 of the
//! reference): the oldest valid policy wins, and a port-specific one (`sectionName`) beats a
//! service-wide one. Its TLS socket is built by translation.

use serde_json::Value;

use super::policy::{PolicyRef, policies_of};
use crate::core::index::{ObjectIdx, Table};
use crate::core::kind::{Kind, TargetKind};
use crate::core::object::Object;
use crate::pipeline::backends::Backend;

/// The BackendTLSPolicy of a backend, and the others that also match it (and lose). Most
/// backends have none: an absent choice costs a pointer's room.
#[derive(Debug, Clone)]
pub struct Choice {
    pub winner: ObjectIdx,
    pub losers: Vec<ObjectIdx>,
}

/// The BackendTLSPolicies of the input, in kgateway's winner order (its merge order).
pub fn policies(objects: &Table<ObjectIdx, Object>) -> Vec<PolicyRef> {
    policies_of(objects, Kind::BackendTlsPolicy)
}

/// The BackendTLSPolicy that applies to `b`, if any, with the other matching ones.
pub fn select(b: &Backend, btps: &[PolicyRef], objects: &Table<ObjectIdx, Object>) -> Option<Choice> {
    let target = b.kind.target_kind();
    if target == TargetKind::Hostname {
        return None;
    }
    let (group, kind) = target.group_kind();
    let port_name = b.port_name.as_deref();
    let mut port_specific = Vec::new();
    let mut service_wide = Vec::new();
    for p in btps.iter().filter(|p| p.id.namespace == b.namespace) {
        let refs = objects[p.object].spec().and_then(|s| s.get("targetRefs")).and_then(Value::as_array);
        for r in refs.into_iter().flatten() {
            let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("");
            if s("group") != group || s("kind") != kind || s("name") != b.target.name {
                continue;
            }
            match r.get("sectionName").and_then(Value::as_str) {
                None | Some("") => service_wide.push(p),
                Some(section) if Some(section) == port_name => port_specific.push(p),
                Some(_) => {}
            }
        }
    }
    let mut all = if port_specific.is_empty() { service_wide } else { port_specific };
    all.dedup_by(|a, b| a.object == b.object);
    let (winner, losers) = all.split_first()?;
    Some(Choice { winner: winner.object, losers: losers.iter().map(|p| p.object).collect() })
}
