//! One way through: load → validate → backends → attach → merge → translate, each stage
//! taking the previous stage's value. [`run`] calls them in turn and returns one
//! [`Rendered`], which every command presents.
//!
//! * [`load`]: directories, stdin, kustomize, confinement, limits;
//! * [`validate`]: CRD schemas, CEL rules, release availability, CRD defaults;
//! * [`backends`]: what becomes a cluster;
//! * [`attach`]: targetRefs, selectors, the global namespace, BackendTLSPolicy selection,
//!   why a policy attaches to nothing;
//! * [`merge`]: who wins each field, per release;
//! * [`fields`]: the field registry and each field's translator;
//! * [`translate`]: one backend's cluster;
//! * [`report`]: diagnostics of the stages, located in the source;
//! * [`rendered`]: the result.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::core::diag::Diagnostics;
use crate::core::index::{ObjectIdx, PolicyIdx, Table};
use crate::core::object::Object;
use crate::core::options::{Options, OutputKind, ValidationMode};
use crate::core::value::NULL;
use crate::core::yaml::{DocFormat, DocWriter, ParseLimits};

pub mod attach;
pub mod backends;
pub mod discovery;
pub mod fields;
pub mod load;
pub mod merge;
pub mod nack;
pub mod rendered;
pub mod report;
pub mod translate;
pub mod validate;

use attach::backend_tls::Choice;
use attach::{Attached, Attachment};
use backends::{Backend, BackendOptions};
use fields::{FIELDS, UnitSet, set_units};
use load::{Input, KustomizeSettings, LoadOptions, Passthrough};
use merge::MergeInput;
use rendered::{ClusterOut, ClusterRow, Rendered};
use report::{Names, Texts};
use translate::print::print_cluster;
use translate::skeleton::ClusterSettings;
use translate::store::ObjectStore;
use translate::{Env, PolicyErrors, PolicyInput};

/// What the caller does with the result, which decides what is kept of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Everything kept as trees (library use).
    Keep,
    /// `render`: pass-through objects (with the default output) and clusters are printed in
    /// this format as soon as they are final, and their trees dropped.
    Print(DocFormat),
    /// `check`, `explain`, `diff`: no manifests are printed; pass-through objects are dropped.
    Inspect,
}

pub fn load_options(opts: &Options, purpose: Purpose) -> LoadOptions {
    let passthrough = match purpose {
        Purpose::Keep => Passthrough::Keep,
        Purpose::Print(format) if opts.output == OutputKind::All => Passthrough::Print(format),
        Purpose::Print(_) | Purpose::Inspect => Passthrough::Drop,
    };
    LoadOptions {
        passthrough,
        root: opts.root.clone(),
        default_namespace: opts.namespace.clone(),
        parse: ParseLimits { max_documents: opts.max_documents, max_depth: opts.max_depth },
        max_total_bytes: opts.max_input_bytes,
        max_file_bytes: opts.max_file_bytes,
        max_dir_depth: opts.max_dir_depth,
        kustomize: KustomizeSettings {
            engine: opts.kustomize_engine,
            command: opts.kustomize_command.clone(),
            timeout: std::time::Duration::from_secs(opts.kustomize_timeout),
        },
    }
}

/// Run the pipeline on the inputs, keeping what `purpose` needs. `Err` carries every error
/// found (and the warnings seen so far).
pub fn run(inputs: &[Input], opts: &Options, purpose: Purpose) -> Result<Rendered, Diagnostics> {
    let loaded = load::load(inputs, &load_options(opts, purpose))?;
    let mut diags = Diagnostics::from(loaded.warnings);
    let texts = Texts(loaded.texts);
    let objects: Table<ObjectIdx, Object> = loaded.objects.into();

    for (obj, pointer, d) in validate::validate(&objects, opts.release) {
        diags.push(d.at(texts.locate(&objects[obj], &pointer)));
    }
    let mut objects = objects;
    discovery::hide_unwatched(&mut objects, &opts.discovery_namespace_selectors, &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }

    let backend_opts = BackendOptions {
        global_service_domain: &opts.global_service_domain,
        release: opts.release,
        aws_ec2_discovery: opts.aws_ec2_discovery,
        istio_integration: opts.istio_integration,
    };
    let (backends, warnings) = backends::collect(&objects, &backend_opts);
    diags.extend(warnings);
    let attached = attach::attach(&objects, &backends, opts.global_policy_namespace.as_deref(), opts.release.profile());
    let defaulted: Table<PolicyIdx, Option<Value>> = attached
        .policies
        .iter()
        .map(|p| validate::defaults::bcp_spec_defaults(objects[p.object].spec().unwrap_or(&NULL), opts.release))
        .collect();
    let Attached { policies, by_backend, backend_tls, candidates_examined } = attached;
    let n = Names { objects: &objects, policies: &policies, texts: &texts };
    let attached_somewhere: BTreeSet<PolicyIdx> = by_backend.iter().flatten().map(|a| a.policy).collect();
    let global_ns = opts.global_policy_namespace.as_deref();
    report::unattached_policies(&n, &backends, &attached_somewhere, global_ns, &mut diags);

    let mut stage = ClusterStage::new(&n, &defaulted, opts, purpose);
    let clusters = backends
        .into_iter()
        .zip(by_backend)
        .zip(backend_tls)
        .map(|((backend, attachments), choice)| stage.row(backend, attachments, choice, &mut diags))
        .collect();
    drop(stage);
    drop(texts);

    if opts.strict {
        diags.make_strict();
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Rendered { objects, policies, defaulted, clusters, diagnostics: diags, candidates_examined })
}

/// Merge and translate each backend's policies into its cluster row (the merge and
/// translate stages, one backend at a time so that a printed cluster's tree is freed at
/// once), and report on them.
struct ClusterStage<'r> {
    n: &'r Names<'r>,
    opts: &'r Options,
    purpose: Purpose,
    /// Per policy, its spec with defaults and the merge units it sets.
    specs: Table<PolicyIdx, (&'r Value, UnitSet)>,
    store: ObjectStore,
    settings: ClusterSettings<'static>,
    policy_errors: PolicyErrors,
    writer: DocWriter,
    warned: report::Warned,
}

impl<'r> ClusterStage<'r> {
    fn new(
        n: &'r Names<'r>,
        defaulted: &'r Table<PolicyIdx, Option<Value>>,
        opts: &'r Options,
        purpose: Purpose,
    ) -> Self {
        let specs = n
            .policies
            .enumerate()
            .map(|(p, r)| {
                let spec = defaulted[p].as_ref().unwrap_or_else(|| n.objects[r.object].spec().unwrap_or(&NULL));
                (spec, set_units(spec))
            })
            .collect();
        ClusterStage {
            n,
            opts,
            purpose,
            specs,
            store: ObjectStore::from_objects(n.objects),
            settings: ClusterSettings {
                profile: opts.release.profile(),
                dns_lookup_family: opts.dns_lookup_family,
                strict_validation: opts.validation_mode == ValidationMode::Strict,
            },
            policy_errors: PolicyErrors::default(),
            writer: DocWriter::default(),
            warned: report::Warned::new(),
        }
    }

    fn row(
        &mut self,
        b: Backend,
        attachments: Vec<Attachment>,
        choice: Option<Choice>,
        diags: &mut Diagnostics,
    ) -> ClusterRow {
        let (n, profile) = (self.n, self.settings.profile);
        let inputs: Vec<MergeInput<PolicyIdx>> = attachments
            .iter()
            .map(|a| MergeInput { policy: a.policy, spec: self.specs[a.policy].0, units: self.specs[a.policy].1 })
            .collect();
        let (merged_spec, merged) = merge::merge_units(&inputs, profile.merge);
        let policies: Vec<PolicyInput> = inputs
            .iter()
            .map(|i| PolicyInput { policy: i.policy, id: &n.policies[i.policy].id, spec: i.spec })
            .collect();
        let socket = choice.as_ref().map(|c| self.backend_tls(&b, c, &policies, diags));
        let env = Env { settings: &self.settings, store: &self.store };
        let mut t = translate::translate(
            &b,
            &policies,
            (&merged_spec, &merged),
            socket.as_ref().and_then(|s| s.as_ref().ok()),
            &env,
            &mut self.policy_errors,
        );
        if let Some(Err((btp, e))) = &socket {
            // kgateway cannot build the BackendTLSPolicy's socket: the cluster is the blackhole.
            t.cluster = translate::skeleton::blackhole(&b.cluster_name);
            t.nacks.clear();
            t.backend_errors.push((String::new(), format!("BackendTLSPolicy {}: {e}", n.objects[*btp].id.ns_name())));
            report::backend_tls_error(n, &b, &n.objects[*btp], e, self.opts.allow_invalid, diags);
        }
        report::translation(n, &b, &t, self.opts.allow_invalid, diags);
        report::backend_errors(n, &b, &t.backend_errors, self.opts.allow_invalid, diags);
        let owners: Vec<Option<PolicyIdx>> = t.nacks.iter().map(|k| nack_owner(k, &inputs, &merged)).collect();
        let strict = self.settings.strict_validation;
        report::nacks(n, &b, &t.nacks, &owners, strict, self.opts.allow_invalid, diags);
        report::conflicts(n, &b, &merged, profile, &mut self.warned, diags);
        let scrubbed = translate::scrub::scrub(&mut t.cluster);
        report::scrubbed(n, &b, &scrubbed, diags);
        let cluster = match self.purpose {
            Purpose::Print(format) => ClusterOut::Printed(print_cluster(&mut self.writer, t.cluster, format)),
            Purpose::Keep | Purpose::Inspect => ClusterOut::Tree(t.cluster),
        };
        ClusterRow {
            backend: b,
            attachments,
            backend_tls: choice.filter(|_| socket.as_ref().is_some_and(|s| s.is_ok())).map(|c| c.winner),
            merged,
            cluster,
            errors: t.errors,
            backend_errors: t.backend_errors,
            ignored: t.ignored,
            tls_overridden: t.tls_overridden,
        }
    }

    /// The socket of the backend's BackendTLSPolicy, or the policy that fails and why (before
    /// 2.3 every matching policy applies in turn, so any of them can fail the cluster).
    fn backend_tls(
        &self,
        b: &Backend,
        choice: &Choice,
        policies: &[PolicyInput],
        diags: &mut Diagnostics,
    ) -> Result<Value, (ObjectIdx, String)> {
        let profile = self.settings.profile;
        let socket =
            |p: ObjectIdx| translate::backend_tls::socket(&self.n.objects[p], &self.store, profile).map_err(|e| (p, e));
        if choice.each_applies {
            for &p in &choice.losers {
                socket(p)?;
            }
        }
        let result = socket(choice.winner);
        // Before 2.4, a field that would yield to it (BCP `tls`) races it instead.
        let yielding =
            |p: &PolicyInput| FIELDS.iter().any(|f| f.yields_to_backend_tls_policy && p.spec.get(f.name).is_some());
        let races = result.is_ok() && !profile.backend_tls_policy_precedence && policies.iter().any(yielding);
        report::backend_tls(self.n, b, choice, races, profile, diags);
        result
    }
}

/// The policy whose value Envoy would reject: the merge's owner of the field, or (policies
/// applied in turn) the last that sets it.
fn nack_owner(
    k: &nack::Nack,
    inputs: &[MergeInput<PolicyIdx>],
    merged: &merge::Merged<PolicyIdx>,
) -> Option<PolicyIdx> {
    let top = k.source?.split('.').next()?;
    merged.owner(top).or_else(|| inputs.iter().rev().find(|i| i.spec.get(top).is_some()).map(|i| i.policy))
}
