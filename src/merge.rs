//! Field-by-field merge of the policies attached to one backend.
//!
//! kgateway 2.4+ (`MergePolicies` with AugmentedShallowMerge): walking the policies oldest
//! first, a field is taken from a policy only if no earlier policy set it, so the oldest
//! policy wins each top-level field; `dns` is merged per sub-field. kgateway 2.1–2.3 apply the
//! policies one after another instead, so the newest wins each field; the translation replays
//! that, and this module reports the winners the same way for explain and warnings.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::model::get;
use crate::profile::MergeMode;

/// Merge units in kgateway's merge order. `dns.x` entries are sub-fields of `dns`.
pub const MERGE_FIELDS: &[&str] = &[
    "connectTimeout",
    "perConnectionBufferLimitBytes",
    "tcpKeepalive",
    "commonHttpProtocolOptions",
    "http1ProtocolOptions",
    "http2ProtocolOptions",
    "tls",
    "loadBalancer",
    "healthCheck",
    "outlierDetection",
    "circuitBreakers",
    "dns.refreshRate",
    "dns.jitter",
    "dns.respectTTL",
    "upstreamProxyProtocol",
];

/// The value of a merge unit in one policy's spec, if set (not null).
pub fn lookup<'a>(spec: &'a Value, unit: &str) -> Option<&'a Value> {
    let v = match unit.split_once('.') {
        Some((parent, child)) => get(get(spec, parent)?, child)?,
        None => get(spec, unit)?,
    };
    (!v.is_null()).then_some(v)
}

/// Who set one merge unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldOutcome {
    pub field: &'static str,
    /// Index (into the input list) of the policy whose value is used.
    pub winner: usize,
    /// Policies that also set the field and lost, in merge order.
    pub losers: Vec<usize>,
}

/// Who won each merge unit. The winning values are not kept: they are the winners' own
/// values (see [`lookup`]).
#[derive(Debug, Clone, Default)]
pub struct Merged {
    pub outcomes: Vec<FieldOutcome>,
}

impl Merged {
    /// The policy that provides a top-level field of the merged spec.
    pub fn owner(&self, field: &str) -> Option<usize> {
        self.outcomes
            .iter()
            .find(|o| o.field == field || o.field.split_once('.').is_some_and(|(p, _)| p == field))
            .map(|o| o.winner)
    }
}

/// The merge units a spec sets, as a bit set over [`MERGE_FIELDS`] (bit i: unit i). Computed
/// once per policy, it spares [`merge_units`] the lookups per backend.
pub fn set_units(spec: &Value) -> u32 {
    MERGE_FIELDS.iter().enumerate().filter(|(_, f)| lookup(spec, f).is_some()).fold(0, |bits, (i, _)| bits | 1 << i)
}

/// Merge specs given in merge order (oldest first): the merged spec (top-level fields; `dns`
/// assembled from its sub-field winners) and who won each unit.
pub fn merge<'a>(specs: &[&'a Value], mode: MergeMode) -> (MergedSpec<'a>, Merged) {
    let units: Vec<u32> = specs.iter().map(|s| set_units(s)).collect();
    merge_units(specs, &units, mode)
}

/// The merged spec: each top-level field's winning value, borrowed from the policy that set
/// it (a backend's clusters are built from it, so nothing is copied per backend), except
/// `dns`, whose sub-fields merge separately and are assembled.
#[derive(Debug, Default)]
pub struct MergedSpec<'a> {
    fields: Vec<(&'static str, Cow<'a, Value>)>,
}

impl<'a> MergedSpec<'a> {
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields.iter().find_map(|(f, v)| (*f == field).then_some(v.as_ref()))
    }

    /// As a spec object (for tests and display).
    pub fn to_map(&self) -> Map<String, Value> {
        self.fields.iter().map(|(f, v)| (f.to_string(), v.as_ref().clone())).collect()
    }
}

/// [`merge`] with the specs' [`set_units`] already computed.
pub fn merge_units<'a>(specs: &[&'a Value], units: &[u32], mode: MergeMode) -> (MergedSpec<'a>, Merged) {
    let mut spec = MergedSpec::default();
    let mut merged = Merged::default();
    let all = units.iter().fold(0, |acc, u| acc | u);
    for (bit, &field) in MERGE_FIELDS.iter().enumerate() {
        if all & 1 << bit == 0 {
            continue;
        }
        let mut setters = (0..specs.len()).filter(|&i| units[i] & 1 << bit != 0);
        let winner = match mode {
            MergeMode::OldestWins => setters.next(),
            MergeMode::ApplyInOrder => setters.next_back(),
        };
        let Some(winner) = winner else { continue };
        let Some(value) = lookup(specs[winner], field) else { continue };
        match field.split_once('.') {
            Some((parent, child)) => {
                let at = match spec.fields.iter().position(|(f, _)| *f == parent) {
                    Some(at) => at,
                    None => {
                        spec.fields.push((parent, Cow::Owned(Value::Object(Map::new()))));
                        spec.fields.len() - 1
                    }
                };
                if let Value::Object(obj) = spec.fields[at].1.to_mut() {
                    obj.insert(child.to_string(), value.clone());
                }
            }
            None => spec.fields.push((field, Cow::Borrowed(value))),
        }
        let losers = (0..specs.len()).filter(|&i| i != winner && units[i] & 1 << bit != 0).collect();
        merged.outcomes.push(FieldOutcome { field, winner, losers });
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
        let ct = m.outcomes.iter().find(|o| o.field == "connectTimeout").unwrap();
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
