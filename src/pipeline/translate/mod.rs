//! The cluster of one backend (`irtranslator/backend.go: TranslateBackend`): skeleton,
//! backend init, DNS lookup family, policies (each field by its registry translator), the
//! BackendTLSPolicy socket, default locality config; or kgateway's blackhole cluster when a
//! policy fails to translate.
//!
//! * [`skeleton`]: the cluster before policies, the locality default, the blackhole;
//! * [`apply`]: a spec's fields applied in registry order;
//! * [`backend_tls`]: a BackendTLSPolicy's socket;
//! * [`store`]: the Secrets and ConfigMaps translation reads;
//! * [`print`](mod@print): a cluster printed as soon as it is final.

use std::collections::HashMap;

use serde_json::Value;

use crate::core::index::PolicyIdx;
use crate::core::kind::AppProtocol;
use crate::core::object::ObjectId;
use crate::core::release::MergeMode;
use crate::pipeline::backends::Backend;
use crate::pipeline::fields::ctx::{Cluster, FieldCtx, Store};
use crate::pipeline::fields::{Field, replace_inner_tls};
use crate::pipeline::merge::{Merged, MergedSpec};
use crate::pipeline::nack::{self, Nack};

pub mod apply;
pub mod backend_tls;
mod client_cert;
pub mod kgw;
pub mod print;
pub mod scrub;
pub mod skeleton;
pub mod store;
mod strict;

use apply::{FieldErrors, apply_merged, apply_spec, set_fields};
use skeleton::{ClusterSettings, blackhole, default_locality_config};

/// One attached policy, spec already CRD-defaulted, in merge order.
pub struct PolicyInput<'a> {
    pub policy: PolicyIdx,
    pub id: &'a ObjectId,
    pub spec: &'a Value,
}

/// The errors of translating each policy on its own (kgateway's per-policy IR), computed
/// once per policy rather than once per backend it attaches to.
///
/// Translators see a backend only through the cluster skeleton, `FieldCtx::protocol` and
/// `FieldCtx::has_backend_tls_policy`. The last two decide whether a field is skipped
/// (HTTP/1 and HTTP/2 options, BCP `tls` yielding to a BackendTLSPolicy), so they are part of
/// the key; the skeleton only shapes what is written, never whether a value is an error
/// (`dns` checks its values before asking whether it applies).
#[derive(Default)]
pub struct PolicyErrors {
    cache: HashMap<(PolicyIdx, AppProtocol, bool), FieldErrors>,
    /// Per policy, what strict validation rejects.
    strict: HashMap<PolicyIdx, FieldErrors>,
}

impl PolicyErrors {
    /// The errors of `policy` applied alone to `skeleton`, computed on first use.
    fn get<'s>(&'s mut self, policy: &PolicyInput, skeleton: &Cluster, ctx: &FieldCtx) -> &'s FieldErrors {
        self.cache.entry((policy.policy, ctx.protocol, ctx.has_backend_tls_policy)).or_insert_with(|| {
            let Some(spec) = policy.spec.as_object() else { return Vec::new() };
            let mut scratch = skeleton.clone();
            apply_spec(&mut scratch, spec, &|_| *ctx)
        })
    }

    /// What kgateway's strict validation rejects in `policy`, computed on first use.
    fn strict<'s>(&'s mut self, policy: &PolicyInput, ctx: &FieldCtx) -> &'s FieldErrors {
        self.strict.entry(policy.policy).or_insert_with(|| {
            let Some(spec) = policy.spec.as_object() else { return Vec::new() };
            let ctx = FieldCtx { protocol: AppProtocol::Http1, has_backend_tls_policy: false, ..*ctx };
            strict::policy_errors(spec, &ctx)
        })
    }
}

/// A field a policy sets that has no effect on this backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    pub policy: PolicyIdx,
    pub field: &'static Field,
    pub reason: String,
}

/// A field that fails to translate: the backend gets kgateway's blackhole cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub policy: PolicyIdx,
    pub field: &'static Field,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Translated {
    pub cluster: Cluster,
    /// Non-empty means the cluster is kgateway's blackhole.
    pub errors: Vec<PolicyError>,
    /// Why kgateway rejects the backend itself (field below it, message): non-empty means
    /// the blackhole, with no policy applied.
    pub backend_errors: Vec<(String, String)>,
    pub ignored: Vec<Ignored>,
    /// Policies whose `tls` yielded to a BackendTLSPolicy.
    pub tls_overridden: Vec<PolicyIdx>,
    /// What Envoy would reject in the cluster kgateway builds (under strict validation the
    /// cluster is then the blackhole).
    pub nacks: Vec<Nack>,
}

/// What a backend's translation reads besides its policies.
pub struct Env<'a> {
    pub settings: &'a ClusterSettings<'a>,
    pub store: &'a dyn Store,
}

/// Translate one backend with its attached policies (in merge order), their merge and, if
/// attached, the BackendTLSPolicy transport socket.
pub fn translate<'a>(
    b: &Backend,
    policies: &[PolicyInput<'a>],
    (merged_spec, merged): (&MergedSpec, &Merged<PolicyIdx>),
    backend_tls: Option<&Value>,
    env: &'a Env<'a>,
    policy_errors: &mut PolicyErrors,
) -> Translated {
    let profile = env.settings.profile;
    let has_btp = backend_tls.is_some();
    let ctx = |policy: &PolicyInput<'a>| FieldCtx {
        profile,
        protocol: b.protocol,
        policy: policy.id,
        store: env.store,
        has_backend_tls_policy: has_btp,
    };
    // kgateway checks the backend's own errors before anything else.
    let skeleton =
        if b.errors.is_empty() { skeleton::skeleton(b, env.settings, env.store) } else { Err(b.errors[0].clone()) };
    let mut cluster = match skeleton {
        Ok(c) => c,
        Err(first) => {
            let mut backend_errors = b.errors.clone();
            if backend_errors.is_empty() {
                backend_errors.push(first);
            }
            let cluster = blackhole(&b.cluster_name);
            return Translated {
                cluster,
                errors: Vec::new(),
                backend_errors,
                ignored: Vec::new(),
                tls_overridden: Vec::new(),
                nacks: Vec::new(),
            };
        }
    };
    let (ignored, tls_overridden) =
        without_effect(b, policies, &cluster, has_btp && profile.backend_tls_policy_precedence);
    let errors = apply_policies(&mut cluster, policies, (merged_spec, merged), env, &ctx, policy_errors);
    if let Some(socket) = backend_tls {
        if profile.backend_tls_policy_precedence {
            replace_inner_tls(&mut cluster, socket.clone());
        } else {
            // Before 2.4 the plugins ran in Go map order; we render BackendTLSPolicy running
            // last, which replaces the socket (and drops any PROXY wrapper, issue #13918).
            cluster.insert("transport_socket".into(), socket.clone());
        }
    }
    if profile.default_locality_config {
        default_locality_config(&mut cluster);
    }
    if let Some(cert) = &b.client_cert {
        client_cert::inject(&mut cluster, cert);
    }
    let nacks = if errors.is_empty() { nack::predict(&cluster) } else { Vec::new() };
    if !errors.is_empty() || (env.settings.strict_validation && !nacks.is_empty()) {
        cluster = blackhole(&b.cluster_name);
    }
    Translated { cluster, errors, backend_errors: Vec::new(), ignored, tls_overridden, nacks }
}

/// Apply the attached policies to the cluster as the release does (the strict checks first),
/// and return their errors.
fn apply_policies<'a>(
    cluster: &mut Cluster,
    policies: &[PolicyInput<'a>],
    (merged_spec, merged): (&MergedSpec, &Merged<PolicyIdx>),
    env: &'a Env<'a>,
    ctx: &dyn Fn(&PolicyInput<'a>) -> FieldCtx<'a>,
    policy_errors: &mut PolicyErrors,
) -> Vec<PolicyError> {
    let profile = env.settings.profile;
    let mut errors = Vec::new();
    if env.settings.strict_validation {
        for p in policies {
            for (field, message) in policy_errors.strict(p, &ctx(p)) {
                errors.push(PolicyError { policy: p.policy, field, message: message.clone() });
            }
        }
    }
    match profile.merge {
        MergeMode::OldestWins => {
            // kgateway translates each policy to IR first: an error in any attached policy
            // fails the backend, even in a field that loses the merge.
            for p in policies {
                for (field, message) in policy_errors.get(p, &*cluster, &ctx(p)) {
                    errors.push(PolicyError { policy: p.policy, field, message: message.clone() });
                }
            }
            if errors.is_empty() && !policies.is_empty() {
                let owner = |field: &Field| {
                    let owner = merged.owner(field.name);
                    policies.iter().find(|p| Some(p.policy) == owner).unwrap_or(&policies[0])
                };
                let result = apply_merged(cluster, merged_spec, &|field| ctx(owner(field)));
                errors.extend(result.into_iter().map(|(field, message)| PolicyError {
                    policy: owner(field).policy,
                    field,
                    message,
                }));
            }
        }
        MergeMode::ApplyInOrder => {
            for p in policies {
                let Some(spec) = p.spec.as_object() else { continue };
                for (field, message) in apply_spec(cluster, spec, &|_| ctx(p)) {
                    errors.push(PolicyError { policy: p.policy, field, message });
                }
            }
        }
    }
    errors
}

/// The fields that have no effect on this backend, per policy that sets them, and the
/// policies whose fields yield to the attached BackendTLSPolicy (`yields`: one is attached
/// and wins).
fn without_effect(
    b: &Backend,
    policies: &[PolicyInput],
    skeleton: &Cluster,
    yields: bool,
) -> (Vec<Ignored>, Vec<PolicyIdx>) {
    let mut ignored = Vec::new();
    let mut overridden = Vec::new();
    for p in policies {
        let Some(spec) = p.spec.as_object() else { continue };
        for (field, v) in set_fields(spec) {
            if let Some(reason) = field.ignored.and_then(|why| why(v, skeleton, b.protocol)) {
                ignored.push(Ignored { policy: p.policy, field, reason });
            }
            if field.yields_to_backend_tls_policy && yields {
                overridden.push(p.policy);
            }
        }
    }
    (ignored, overridden)
}
