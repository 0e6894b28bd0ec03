//! Which Gateway API BackendTLSPolicy applies to a backend.
//!
//! kgateway 2.4+ gives it precedence over a BackendConfigPolicy's `tls` (§8.3 of the
//! reference). From 2.3 the oldest policy wins, and a port-specific one (`sectionName`) beats
//! a service-wide one; before, each applies in turn (the newest wins). Its TLS socket is
//! built by translation.

use serde_json::Value;

use super::policy::{PolicyRef, policies_of};
use crate::core::index::{ObjectIdx, Table};
use crate::core::kind::{ISTIO_GROUP, Kind, TargetKind};
use crate::core::object::Object;
use crate::core::release::Profile;
use crate::pipeline::backends::Backend;

/// The BackendTLSPolicy of a backend, and the others that also match it (and lose). Most
/// backends have none: an absent choice costs a pointer's room.
#[derive(Debug, Clone)]
pub struct Choice {
    pub winner: ObjectIdx,
    pub losers: Vec<ObjectIdx>,
    /// Before 2.3 kgateway applies every matching policy in turn (the newest last, so it wins)
    /// and an error in any of them blackholes the cluster.
    pub each_applies: bool,
}

/// The BackendTLSPolicies of the input, in kgateway's winner order (its merge order).
pub fn policies(objects: &Table<ObjectIdx, Object>) -> Vec<PolicyRef> {
    policies_of(objects, Kind::BackendTlsPolicy)
}

/// The BackendTLSPolicy that applies to `b`, if any, with the other matching ones.
///
/// A Service's policies name it (`sectionName`, its port's name, from 2.3: then they beat the
/// service-wide ones); a kgateway Backend's name it; a ServiceEntry's name the ServiceEntry
/// or one of its hosts (`networking.istio.io/Hostname`), after the direct ones.
pub fn select(
    b: &Backend,
    btps: &[PolicyRef],
    objects: &Table<ObjectIdx, Object>,
    profile: &Profile,
) -> Option<Choice> {
    let target = b.kind.target_kind();
    let aliases = target == TargetKind::Hostname;
    let (group, kind) = if aliases { (ISTIO_GROUP, "ServiceEntry") } else { target.group_kind() };
    let port_name = b.port_name.as_deref().filter(|_| profile.backend_tls_merge);
    let mut port_specific = Vec::new();
    let mut service_wide = Vec::new();
    let mut by_alias = Vec::new();
    for p in btps.iter().filter(|p| p.id.namespace == b.namespace) {
        let refs = objects[p.object].spec().and_then(|s| s.get("targetRefs")).and_then(Value::as_array);
        for r in refs.into_iter().flatten() {
            let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("");
            let section = r.get("sectionName").and_then(Value::as_str).filter(|s| !s.is_empty());
            if aliases && s("group") == ISTIO_GROUP && s("kind") == "Hostname" {
                if section.is_none() && b.hostnames.iter().any(|h| h == s("name")) {
                    by_alias.push(p);
                }
                continue;
            }
            if s("group") != group || s("kind") != kind || s("name") != b.target.name {
                continue;
            }
            match section {
                None => service_wide.push(p),
                Some(section) if Some(section) == port_name => port_specific.push(p),
                Some(_) => {}
            }
        }
    }
    let mut all = if port_specific.is_empty() { service_wide } else { port_specific };
    all.extend(by_alias);
    let mut seen = Vec::new();
    all.retain(|p| {
        let new = !seen.contains(&p.object);
        seen.push(p.object);
        new
    });
    if profile.backend_tls_merge {
        // The policies came oldest first; aliases join the merge.
        all.sort_by_key(|p| btps.iter().position(|q| q.object == p.object));
        let (winner, losers) = all.split_first()?;
        return Some(Choice {
            winner: winner.object,
            losers: losers.iter().map(|p| p.object).collect(),
            each_applies: false,
        });
    }
    let (winner, losers) = all.split_last()?;
    Some(Choice { winner: winner.object, losers: losers.iter().map(|p| p.object).collect(), each_applies: true })
}
