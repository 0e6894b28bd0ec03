//! The diagnostics the stages after validation produce, each located at the field it is
//! about (file, line and column) while the source texts are still at hand.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::core::diag::{Diagnostic, Diagnostics, Location, Severity};
use crate::core::index::{ClusterIdx, ObjectIdx, PolicyIdx, Table};
use crate::core::object::Object;
use crate::core::pointer;
use crate::core::release::Profile;
use crate::core::yaml;
use crate::pipeline::attach::backend_tls::Choice;
use crate::pipeline::attach::why::unattached;
use crate::pipeline::attach::{PolicyRef, order_is_unknown};
use crate::pipeline::backends::Backend;
use crate::pipeline::fields::ATTACHMENT_FIELDS;
use crate::pipeline::merge::Merged;
use crate::pipeline::nack::Nack;
use crate::pipeline::translate::Translated;

/// Source texts by file, kept only while rendering: every diagnostic is located eagerly.
pub struct Texts(pub BTreeMap<String, String>);

impl Texts {
    /// The source location of a field of an object, or the object's own line.
    pub fn locate(&self, obj: &Object, pointer: &str) -> Location {
        let mut loc = obj.origin.location();
        if let Some(text) = self.0.get(&obj.origin.file) {
            let doc = yaml::YamlDoc {
                value: Value::Null,
                line: obj.origin.line,
                span: obj.origin.span,
                span_line: obj.origin.span_line,
                retypable: false,
            };
            if let Some((line, col)) = yaml::locate(text, &doc, pointer) {
                loc.line = Some(line);
                loc.col = Some(col);
            }
        }
        loc
    }

    /// A diagnostic about a field of an object's spec (`field` below `spec`, dotted).
    fn at_spec_field(&self, d: Diagnostic, obj: &Object, field: &str) -> Diagnostic {
        let loc = self.locate(obj, &format!("/spec{}", pointer::from_dotted(field)));
        d.at(loc).object(obj.id.display()).field(format!("spec.{field}"))
    }
}

/// The objects and policies the reports name.
pub struct Names<'a> {
    pub objects: &'a Table<ObjectIdx, Object>,
    pub policies: &'a Table<PolicyIdx, PolicyRef>,
    pub texts: &'a Texts,
}

impl Names<'_> {
    fn policy(&self, p: PolicyIdx) -> &Object {
        &self.objects[self.policies[p].object]
    }
}

/// Errors that blackhole the cluster (warnings with `--allow-invalid`) and fields without
/// effect on it.
pub fn translation(n: &Names, b: &Backend, t: &Translated, allow_invalid: bool, diags: &mut Diagnostics) {
    for e in &t.errors {
        let mut d = Diagnostic::error(format!(
            "{}; kgateway would replace cluster {} with a blackhole (requests fail with 500)",
            e.message, b.cluster_name
        ))
        .hint("fix the policy, or pass --allow-invalid to render the blackhole cluster");
        if allow_invalid {
            d.severity = Severity::Warning;
            d.hint = None;
        }
        diags.push(n.texts.at_spec_field(d, n.policy(e.policy), e.field.name));
    }
    for i in &t.ignored {
        let d = Diagnostic::warning(format!("ignored for cluster {}: {}", b.cluster_name, i.reason));
        diags.push(n.texts.at_spec_field(d, n.policy(i.policy), i.field.name));
    }
}

/// What Envoy would reject in a cluster: under standard validation kgateway pushes it and
/// Envoy NACKs the update (an error; with `--allow-invalid` a warning and the cluster as
/// pushed); under strict validation kgateway sends the blackhole instead.
pub fn nacks(
    n: &Names,
    b: &Backend,
    nacks: &[Nack],
    owners: &[Option<PolicyIdx>],
    strict: bool,
    allow_invalid: bool,
    diags: &mut Diagnostics,
) {
    for (k, owner) in nacks.iter().zip(owners) {
        let (message, hint) = if strict {
            (
                format!(
                    "kgateway's strict validation replaces cluster {} with a blackhole (requests fail with 500): Envoy rejects {}: {}",
                    b.cluster_name, k.envoy, k.reason
                ),
                format!("{}; or pass --allow-invalid to render the blackhole cluster", k.fix),
            )
        } else {
            (
                format!(
                    "kgateway would push cluster {} and Envoy would reject the update: {}: {}",
                    b.cluster_name, k.envoy, k.reason
                ),
                format!(
                    "{}; or pass --allow-invalid to render it as kgateway pushes it (with --validation-mode STRICT, as kgateway's blackhole)",
                    k.fix
                ),
            )
        };
        let mut d = Diagnostic::error(message).hint(hint);
        if allow_invalid {
            d.severity = Severity::Warning;
            d.hint = None;
        }
        let d = match (owner, k.source) {
            (Some(p), Some(field)) => n.texts.at_spec_field(d, n.policy(*p), field),
            _ => {
                let obj = &n.objects[b.object];
                d.at(n.texts.locate(obj, "")).object(obj.id.display())
            }
        };
        diags.push(d);
    }
}

/// Why kgateway rejects a backend itself: its cluster is the blackhole (a warning with
/// `--allow-invalid`).
pub fn backend_errors(
    n: &Names,
    b: &Backend,
    errors: &[(String, String)],
    allow_invalid: bool,
    diags: &mut Diagnostics,
) {
    let obj = &n.objects[b.object];
    for (field, message) in errors {
        let mut d = Diagnostic::error(format!(
            "kgateway rejects this Backend: {message}; its cluster {} is a blackhole (requests fail with 500)",
            b.cluster_name
        ))
        .hint("fix the Backend, or pass --allow-invalid to render the blackhole cluster");
        if allow_invalid {
            d.severity = Severity::Warning;
            d.hint = None;
        }
        diags.push(n.texts.at_spec_field(d, obj, field));
    }
}

/// A BackendTLSPolicy kgateway cannot build a socket from: the cluster is the blackhole (a
/// warning with `--allow-invalid`).
pub fn backend_tls_error(n: &Names, b: &Backend, btp: &Object, e: &str, allow_invalid: bool, diags: &mut Diagnostics) {
    let mut d = Diagnostic::error(format!(
        "{e}; kgateway would replace cluster {} with a blackhole (requests fail with 500)",
        b.cluster_name
    ))
    .hint("fix the policy, or pass --allow-invalid to render the blackhole cluster");
    if allow_invalid {
        d.severity = Severity::Warning;
        d.hint = None;
    }
    diags.push(n.texts.at_spec_field(d, btp, "validation"));
}

/// The BackendTLSPolicy of a backend races BCP `tls` (before 2.4), or others lose to it.
pub fn backend_tls(
    n: &Names,
    b: &Backend,
    choice: &Choice,
    races_bcp_tls: bool,
    profile: &Profile,
    diags: &mut Diagnostics,
) {
    let btp = &n.objects[choice.winner];
    if races_bcp_tls {
        diags.push(btp.warning(
            None,
            format!(
                "cluster {}: kgateway {} applies BackendTLSPolicy and BackendConfigPolicy tls in random order; \
                 bcp-render shows the BackendTLSPolicy socket",
                b.cluster_name, profile.name
            ),
        ));
    }
    let why = if choice.each_applies { "applies last (the newest) and wins" } else { "is older and wins" };
    for &l in &choice.losers {
        diags.push(
            n.objects[l]
                .warning(None, format!("cluster {}: BackendTLSPolicy {} {why}", b.cluster_name, btp.id.ns_name())),
        );
    }
}

/// Policy pairs already warned about, per merged unit.
pub type Warned = BTreeSet<(ObjectIdx, ObjectIdx, &'static str)>;

/// Warn when two attached policies set the same field and only creation order (absent from
/// Git) decides which one the cluster gets.
pub fn conflicts(
    n: &Names,
    b: &Backend,
    merged: &Merged<PolicyIdx>,
    profile: &Profile,
    seen: &mut Warned,
    diags: &mut Diagnostics,
) {
    // kgateway 2.4+ breaks equal timestamps by namespace/name as bcp-render does; earlier
    // releases leave them unordered.
    let ties = if profile.stable_tie_break {
        String::new()
    } else {
        format!(" (kgateway {} applies policies with equal timestamps in unspecified order)", profile.name)
    };
    for o in &merged.outcomes {
        let winner = &n.policies[o.winner];
        for &l in &o.losers {
            let loser = &n.policies[l];
            if !order_is_unknown(winner, loser) || !seen.insert((winner.object, loser.object, o.name())) {
                continue;
            }
            let d = Diagnostic::warning(format!(
                "also set by {} (cluster {}); bcp-render uses {}'s value, ordering policies without \
                 creation timestamps by namespace/name, but the live result depends on which is created first{}",
                winner.id.display(),
                b.cluster_name,
                winner.id.ns_name(),
                ties
            ));
            diags.push(n.texts.at_spec_field(d, &n.objects[loser.object], o.name()));
        }
    }
}

/// Warn about each policy that attaches to no backend, with why.
pub fn unattached_policies(
    n: &Names,
    backends: &Table<ClusterIdx, Backend>,
    attached: &BTreeSet<PolicyIdx>,
    global_ns: Option<&str>,
    diags: &mut Diagnostics,
) {
    let backends: Vec<&Backend> = backends.iter().collect();
    for (pi, p) in n.policies.enumerate() {
        if attached.contains(&pi) {
            continue;
        }
        let obj = &n.objects[p.object];
        let why: Vec<String> = unattached(obj, &backends, global_ns).iter().map(ToString::to_string).collect();
        let spec = obj.spec();
        let pointer = ATTACHMENT_FIELDS
            .into_iter()
            .find(|k| spec.and_then(|s| s.get(k)).is_some())
            .map_or("/spec".to_string(), |k| format!("/spec/{k}"));
        diags.push(
            Diagnostic::warning(format!("attached to nothing: {}", why.join("; ")))
                .at(n.texts.locate(obj, &pointer))
                .object(obj.id.display()),
        );
    }
}

/// Key material found in certificate or CA data of a cluster, redacted in the output.
pub fn scrubbed(n: &Names, b: &Backend, paths: &[String], diags: &mut Diagnostics) {
    for path in paths {
        let obj = &n.objects[b.object];
        diags.push(
            Diagnostic::warning(format!(
                "cluster {}: a private key block in {path} (pasted into certificate or CA data) is redacted in bcp-render's output; kgateway passes it to Envoy as it is",
                b.cluster_name
            ))
            .hint("keep private keys out of certificate and CA data")
            .at(n.texts.locate(obj, ""))
            .object(obj.id.display()),
        );
    }
}
