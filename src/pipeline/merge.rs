//! Field-by-field merge of the policies attached to one backend.
//!
//! kgateway 2.4+ (`MergePolicies` with AugmentedShallowMerge): walking the policies oldest
//! first, a field is taken from a policy only if no earlier policy set it, so the oldest
//! policy wins each top-level field; `dns` is merged per sub-field (the registry's
//! [`Merge`](crate::pipeline::fields::Merge) says how each field merges). kgateway 2.1–2.3
//! apply the policies one after another instead, so the newest wins each field; the
//! translation replays that, and this module reports the winners the same way for explain
//! and warnings.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::core::release::MergeMode;
use crate::pipeline::fields::{Field, UNITS, Unit, UnitSet};

/// Who set one merge unit. `P` names a policy: its position in the merged list, or its
/// index among all policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldOutcome<P = usize> {
    pub unit: &'static Unit,
    /// The policy whose value is used.
    pub winner: P,
    /// Policies that also set the unit and lost, in merge order.
    pub losers: Vec<P>,
}

impl<P> FieldOutcome<P> {
    /// `connectTimeout`, `dns.jitter`.
    pub fn name(&self) -> &'static str {
        self.unit.name.as_str()
    }
}

/// Who won each merge unit, in registry order. The winning values are not kept: they are
/// the winners' own values (see [`Unit::lookup`]).
#[derive(Debug, Clone)]
pub struct Merged<P = usize> {
    pub outcomes: Vec<FieldOutcome<P>>,
}

impl<P> Default for Merged<P> {
    fn default() -> Self {
        Merged { outcomes: Vec::new() }
    }
}

impl<P: Copy> Merged<P> {
    /// The policy that provides a field of the merged spec (for `dns`, its first unit's).
    pub fn owner(&self, field: &str) -> Option<P> {
        self.outcomes.iter().find(|o| o.unit.field.name == field).map(|o| o.winner)
    }
}

/// One policy to merge, in merge order.
#[derive(Debug, Clone, Copy)]
pub struct MergeInput<'a, P> {
    pub policy: P,
    pub spec: &'a Value,
    /// [`set_units`](crate::pipeline::fields::set_units) of the spec.
    pub units: UnitSet,
}

/// Merge specs given in merge order (oldest first): the merged spec (whole fields; `dns`
/// assembled from its sub-field winners) and who won each unit, by position.
#[cfg(test)]
pub fn merge<'a>(specs: &[&'a Value], mode: MergeMode) -> (MergedSpec<'a>, Merged) {
    use crate::pipeline::fields::set_units;
    let inputs: Vec<MergeInput<usize>> =
        specs.iter().enumerate().map(|(i, s)| MergeInput { policy: i, spec: s, units: set_units(s) }).collect();
    merge_units(&inputs, mode)
}

/// The merged spec: each field's winning value, borrowed from the policy that set it (a
/// backend's clusters are built from it, so nothing is copied per backend), except fields
/// merged per sub-field, which are assembled.
#[derive(Debug, Default)]
pub struct MergedSpec<'a> {
    fields: Vec<(&'static Field, Cow<'a, Value>)>,
}

impl<'a> MergedSpec<'a> {
    pub fn get(&self, field: &Field) -> Option<&Value> {
        self.fields.iter().find_map(|(f, v)| std::ptr::eq(*f, field).then_some(v.as_ref()))
    }

    /// As a spec object.
    #[cfg(test)]
    pub fn to_map(&self) -> Map<String, Value> {
        self.fields.iter().map(|(f, v)| (f.name.to_string(), v.as_ref().clone())).collect()
    }

    fn set(&mut self, unit: &'static Unit, value: &'a Value) {
        let Some(sub) = unit.sub else {
            self.fields.push((unit.field, Cow::Borrowed(value)));
            return;
        };
        let at = match self.fields.iter().position(|(f, _)| std::ptr::eq(*f, unit.field)) {
            Some(at) => at,
            None => {
                self.fields.push((unit.field, Cow::Owned(Value::Object(Map::new()))));
                self.fields.len() - 1
            }
        };
        if let Value::Object(obj) = self.fields[at].1.to_mut() {
            obj.insert(sub.to_string(), value.clone());
        }
    }
}

/// Merge policies given in merge order, their units already computed.
pub fn merge_units<'a, P: Copy>(inputs: &[MergeInput<'a, P>], mode: MergeMode) -> (MergedSpec<'a>, Merged<P>) {
    let mut spec = MergedSpec::default();
    let mut merged = Merged::default();
    let all = inputs.iter().fold(0, |acc, p| acc | p.units);
    for unit in UNITS.iter().filter(|u| all & 1 << u.bit != 0) {
        let mut setters = (0..inputs.len()).filter(|&i| inputs[i].units & 1 << unit.bit != 0);
        let winner = match mode {
            MergeMode::OldestWins => setters.next(),
            MergeMode::ApplyInOrder => setters.next_back(),
        };
        let Some(winner) = winner else { continue };
        let Some(value) = unit.lookup(inputs[winner].spec) else { continue };
        spec.set(unit, value);
        let losers = (0..inputs.len())
            .filter(|&i| i != winner && inputs[i].units & 1 << unit.bit != 0)
            .map(|i| inputs[i].policy)
            .collect();
        merged.outcomes.push(FieldOutcome { unit, winner: inputs[winner].policy, losers });
    }
    (spec, merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn oldest_wins_each_field_and_dns_merges_per_sub_field() {
        let older =
            json!({"connectTimeout": "5s", "upstreamProxyProtocol": {"version": "V2"}, "dns": {"refreshRate": "10s"}});
        let newer = json!({"connectTimeout": "99s", "circuitBreakers": {"maxRequests": 1}, "dns": {"refreshRate": "20s", "jitter": "1s"}});
        let (spec, m) = merge(&[&older, &newer], MergeMode::OldestWins);
        let spec = spec.to_map();
        assert_eq!(spec["connectTimeout"], json!("5s"));
        assert_eq!(spec["circuitBreakers"], json!({"maxRequests": 1}));
        assert_eq!(spec["dns"], json!({"refreshRate": "10s", "jitter": "1s"}));
        let ct = m.outcomes.iter().find(|o| o.name() == "connectTimeout").unwrap();
        assert_eq!((ct.winner, ct.losers.clone()), (0, vec![1]));
        assert_eq!(m.owner("dns"), Some(0));
    }

    #[test]
    fn apply_in_order_lets_the_newest_win() {
        let older = json!({"connectTimeout": "5s"});
        let newer = json!({"connectTimeout": "99s"});
        let (spec, _) = merge(&[&older, &newer], MergeMode::ApplyInOrder);
        let spec = spec.to_map();
        assert_eq!(spec["connectTimeout"], json!("99s"));
    }

    #[test]
    fn whole_sub_objects_are_atomic() {
        let a = json!({"tcpKeepalive": {"keepAliveProbes": 3}});
        let b = json!({"tcpKeepalive": {"keepAliveTime": "30s"}});
        let (spec, _) = merge(&[&a, &b], MergeMode::OldestWins);
        let spec = spec.to_map();
        assert_eq!(spec["tcpKeepalive"], json!({"keepAliveProbes": 3}));
    }
}
