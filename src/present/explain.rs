//! `explain`: why each Envoy cluster looks the way it does, and why a policy attaches to
//! nothing. [`Explanation`] is the data (`--format json` serializes it); its `Display` is the
//! text layout.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::core::diag::printable;
use crate::core::index::{ClusterIdx, PolicyIdx};
use crate::core::object::Object;
use crate::pipeline::attach::why::unattached;
use crate::pipeline::attach::{PolicyRef, Reason, order_is_unknown};
use crate::pipeline::backends::BackendKind;
use crate::pipeline::merge::FieldOutcome;
use crate::pipeline::rendered::{ClusterRow, Rendered};
use crate::pipeline::translate::scrub::scrub_value;

/// Selection of what to explain.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub cluster: Option<String>,
    /// `ns/name` of a policy.
    pub policy: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Explanation {
    pub clusters: Vec<ClusterExplanation>,
    pub unattached_policies: Vec<UnattachedPolicy>,
}

impl Explanation {
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty() && self.unattached_policies.is_empty()
    }
}

#[derive(Debug, Serialize)]
pub struct ClusterExplanation {
    pub cluster: String,
    pub backend: String,
    pub policies: Vec<AttachedPolicy>,
    pub fields: Vec<MergedField>,
    pub ignored: Vec<IgnoredField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend_tls_policy: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blackhole: Vec<FailedField>,
}

#[derive(Debug, Serialize)]
pub struct AttachedPolicy {
    pub policy: String,
    pub file: String,
    pub why: Vec<String>,
    pub created: String,
}

#[derive(Debug, Serialize)]
pub struct MergedField {
    pub field: String,
    pub value: Option<Value>,
    pub from: String,
    pub lost: Vec<LostField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overridden_by: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct LostField {
    pub policy: String,
    pub why: String,
}

#[derive(Debug, Serialize)]
pub struct IgnoredField {
    pub field: String,
    pub policy: String,
    pub why: String,
}

#[derive(Debug, Serialize)]
pub struct FailedField {
    pub field: String,
    pub policy: String,
    pub error: String,
}

#[derive(Debug, Serialize)]
pub struct UnattachedPolicy {
    pub policy: String,
    pub file: String,
    pub why: Vec<String>,
}

fn origin(o: &Object) -> String {
    format!("{}:{}", printable(&o.origin.file), o.origin.line)
}

fn created(p: &PolicyRef) -> String {
    match p.created {
        Some(_) => "has a creation timestamp".into(),
        None => "no creation timestamp in Git".into(),
    }
}

fn backend_desc(r: &Rendered, row: &ClusterRow) -> String {
    let b = &row.backend;
    let o = &r.objects[b.object];
    let proto = b.protocol.name();
    match b.kind {
        BackendKind::Service => format!("Service {} port {} ({proto}), {}", o.id.ns_name(), b.port, origin(o)),
        BackendKind::KgwBackend => format!("Backend {} ({proto}), {}", o.id.ns_name(), origin(o)),
        BackendKind::ServiceEntry => {
            format!("ServiceEntry {} port {} ({proto}), {}", o.id.ns_name(), b.port, origin(o))
        }
        BackendKind::GlobalService => format!(
            "ServiceEntry {} for global Service {} ({}) port {} ({proto}), {}",
            b.target.ns_name(),
            o.id.ns_name(),
            b.hostnames.join(","),
            b.port,
            origin(o)
        ),
    }
}

/// `tls.files.tlsKey` may hold PEM text instead of a path (kgateway accepts both): never echo
/// key material, as the clusters never carry it.
/// A policy's value as `explain` shows it: key blocks redacted (a `tls.files.tlsKey` holding PEM,
/// or a key pasted into certificate or CA data).
fn redact_key_material(mut v: Value) -> Value {
    scrub_value(&mut v);
    v
}

/// How one merged field came to be.
fn merged_field(r: &Rendered, row: &ClusterRow, o: &FieldOutcome<PolicyIdx>) -> MergedField {
    let winner = &r.policies[o.winner];
    let lost = o
        .losers
        .iter()
        .map(|&l| {
            let loser = &r.policies[l];
            let why = if order_is_unknown(winner, loser) {
                "tie on creation time, broken by namespace/name; the live result depends on creation order, \
                 which Git does not record"
            } else if o.winner < l {
                "older policy wins"
            } else {
                "newer policy wins (kgateway before 2.4 applies policies in order)"
            };
            LostField { policy: loser.id.ns_name(), why: why.to_string() }
        })
        .collect();
    let value = o.unit.lookup(r.spec(o.winner)).cloned().map(redact_key_material);
    let overridden_by = (o.unit.field.yields_to_backend_tls_policy && row.tls_overridden.contains(&o.winner))
        .then_some(row.backend_tls)
        .flatten()
        .map(|btp| format!("BackendTLSPolicy {}", r.objects[btp].id.ns_name()));
    MergedField { field: o.name().to_string(), value, from: winner.id.ns_name(), lost, overridden_by }
}

/// Explanation of one cluster.
pub fn cluster(r: &Rendered, ci: ClusterIdx) -> ClusterExplanation {
    let row = &r.clusters[ci];
    let name = |p: PolicyIdx| r.policies[p].id.ns_name();
    let policies = row
        .attachments
        .iter()
        .map(|a| {
            let p = &r.policies[a.policy];
            AttachedPolicy {
                policy: p.id.ns_name(),
                file: origin(&r.objects[p.object]),
                why: a.reasons.iter().map(Reason::describe).collect(),
                created: created(p),
            }
        })
        .collect();
    ClusterExplanation {
        cluster: row.backend.cluster_name.clone(),
        backend: backend_desc(r, row),
        policies,
        fields: row.merged.outcomes.iter().map(|o| merged_field(r, row, o)).collect(),
        ignored: row
            .ignored
            .iter()
            .map(|i| IgnoredField { field: i.field.name.into(), policy: name(i.policy), why: i.reason.clone() })
            .collect(),
        backend_tls_policy: row
            .backend_tls
            .map(|btp| format!("{}, {}", r.objects[btp].id.ns_name(), origin(&r.objects[btp]))),
        blackhole: row
            .backend_errors
            .iter()
            .map(|(field, error)| FailedField {
                field: field.clone(),
                policy: r.objects[row.backend.object].id.display(),
                error: error.clone(),
            })
            .chain(row.errors.iter().map(|e| FailedField {
                field: e.field.name.into(),
                policy: name(e.policy),
                error: e.message.clone(),
            }))
            .collect(),
    }
}

/// The whole explanation of a selection.
pub fn explain(r: &Rendered, sel: &Selection, global_ns: Option<&str>) -> Explanation {
    let attached: BTreeSet<PolicyIdx> = r.clusters.iter().flat_map(|row| &row.attachments).map(|a| a.policy).collect();
    let wants_policy = |p: &PolicyRef| sel.policy.as_deref().is_none_or(|want| want == p.id.ns_name());
    let clusters = r
        .clusters
        .enumerate()
        .filter(|(_, row)| sel.cluster.as_deref().is_none_or(|c| c == row.backend.cluster_name))
        .filter(|(_, row)| sel.policy.is_none() || row.attachments.iter().any(|a| wants_policy(&r.policies[a.policy])))
        .map(|(ci, _)| cluster(r, ci))
        .collect();
    let backends: Vec<_> = r.clusters.iter().map(|row| &row.backend).collect();
    let unattached_policies = r
        .policies
        .enumerate()
        .filter(|(pi, p)| !attached.contains(pi) && wants_policy(p) && sel.cluster.is_none())
        .map(|(_, p)| {
            let o = &r.objects[p.object];
            let why = unattached(o, &backends, global_ns).iter().map(ToString::to_string).collect();
            UnattachedPolicy { policy: p.id.ns_name(), file: origin(o), why }
        })
        .collect();
    Explanation { clusters, unattached_policies }
}

/// The readable text layout.
impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.clusters {
            write!(f, "{c}")?;
        }
        if !self.unattached_policies.is_empty() {
            writeln!(f, "policies attached to nothing:")?;
            for p in &self.unattached_policies {
                writeln!(f, "  {} ({})", p.policy, p.file)?;
                for w in &p.why {
                    writeln!(f, "    {w}")?;
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for ClusterExplanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "cluster {}\n  backend: {}", self.cluster, self.backend)?;
        if self.policies.is_empty() {
            writeln!(f, "  policies: none (kgateway's defaults)")?;
        } else {
            writeln!(f, "  policies, in merge order:")?;
            for (i, p) in self.policies.iter().enumerate() {
                let why = p.why.join("; ");
                writeln!(f, "    {}. {} ({}), attached by {}; {}", i + 1, p.policy, p.file, why, p.created)?;
            }
        }
        if !self.fields.is_empty() {
            writeln!(f, "  fields:")?;
            for m in &self.fields {
                let value = serde_json::to_string(m.value.as_ref().unwrap_or(&Value::Null)).unwrap_or_default();
                writeln!(f, "    {} = {}  from {}", m.field, value, m.from)?;
                for l in &m.lost {
                    writeln!(f, "      also set by {}, which lost: {}", l.policy, l.why)?;
                }
                if let Some(btp) = &m.overridden_by {
                    writeln!(f, "      overridden by {btp}: BackendTLSPolicy wins over tls")?;
                }
            }
        }
        if let Some(btp) = &self.backend_tls_policy {
            writeln!(f, "  BackendTLSPolicy: {btp}")?;
        }
        for i in &self.ignored {
            writeln!(f, "  ignored: {} from {}: {}", i.field, i.policy, i.why)?;
        }
        for e in &self.blackhole {
            writeln!(f, "  BLACKHOLE: {} from {} fails: {}", e.field, e.policy, e.error)?;
        }
        writeln!(f)
    }
}
