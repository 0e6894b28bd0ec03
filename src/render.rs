//! One way through: load → validate → backends → attach → merge/translate. Every command
//! (`render`, `check`, `explain`, `diff`) is a view of the [`Render`] this builds.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::attach::{self, Attached, order_is_unknown};
use crate::backends::{self, Backend, BackendOptions};
use crate::defaults::bcp_spec_defaults;
use crate::diag::{Diagnostic, Diagnostics, Location};
use crate::envoy::backend_tls;
use crate::envoy::cluster::{self, ClusterSettings, PolicyInput, Translated};
use crate::merge;
use crate::model::{NULL, Object};
use crate::options::{Options, OutputKind};
use crate::output;
use crate::secrets::Store;
use crate::source::{self, Input, LoadOptions, Passthrough};
use crate::validate;
use crate::yaml::{self, DocFormat, ParseLimits};

/// Everything known after rendering, for every presentation.
pub struct Render {
    pub objects: Vec<Object>,
    pub backends: Vec<Backend>,
    pub attached: Attached,
    /// Per attached policy (as indexed in `attached.policies`), its spec with defaults when
    /// a default applies (see [`Render::spec`]).
    pub specs: Vec<Option<Value>>,
    /// Per backend, the translation.
    pub translated: Vec<Translated>,
    /// Per backend, the BackendTLSPolicy object applied, if any.
    pub backend_tls: Vec<Option<usize>>,
    /// Warnings (and, with `--allow-invalid`, downgraded translation errors).
    pub diagnostics: Diagnostics,
}

/// A policy's spec with its defaults: the defaulted copy when one was made, else its own.
fn policy_spec<'r>(objects: &'r [Object], attached: &Attached, defaulted: &'r [Option<Value>], p: usize) -> &'r Value {
    defaulted[p].as_ref().unwrap_or_else(|| objects[attached.policies[p].object].spec().unwrap_or(&NULL))
}

impl Render {
    /// The spec, with CRD defaults, of attached policy `p` (as indexed in `attached.policies`).
    pub fn spec(&self, p: usize) -> &Value {
        policy_spec(&self.objects, &self.attached, &self.specs, p)
    }
}

/// Source texts by file, kept only while rendering: every diagnostic is located eagerly.
type Texts = BTreeMap<String, String>;

/// The source location of a field of an object, or the object's own line.
fn locate(texts: &Texts, obj: &Object, pointer: &str) -> Location {
    let mut loc = obj.origin.location();
    if let Some(text) = texts.get(&obj.origin.file) {
        let doc = yaml::YamlDoc {
            value: Value::Null,
            line: obj.origin.line,
            span: obj.origin.span,
            span_line: obj.origin.span_line,
        };
        if let Some((line, col)) = yaml::locate(text, &doc, pointer) {
            loc.line = Some(line);
            loc.col = Some(col);
        }
    }
    loc
}

/// `/spec/tls` → `spec.tls`; `/spec/targetRefs/0/group` → `spec.targetRefs[0].group`.
pub fn pointer_to_field(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.bytes().all(|b| b.is_ascii_digit()) && !seg.is_empty() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

/// What the caller does with the render, which decides what is kept of it.
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
    }
}

/// Render the inputs, keeping everything. `Err` carries every error found (and the warnings
/// seen so far).
pub fn render(inputs: &[Input], opts: &Options) -> Result<Render, Diagnostics> {
    render_for(inputs, opts, Purpose::Keep)
}

/// [`render`], keeping only what `purpose` needs.
pub fn render_for(inputs: &[Input], opts: &Options, purpose: Purpose) -> Result<Render, Diagnostics> {
    let loaded = source::load(inputs, &load_options(opts, purpose))?;
    let mut diags = Diagnostics::new();
    diags.extend(loaded.warnings);
    let objects = loaded.objects;
    let texts = loaded.texts;
    let profile = opts.release.profile();

    let mut pre = Render {
        objects,
        backends: Vec::new(),
        attached: Attached::default(),
        specs: Vec::new(),
        translated: Vec::new(),
        backend_tls: Vec::new(),
        diagnostics: Diagnostics::new(),
    };
    for (obj, pointer, d) in validate::validate(&pre.objects, opts) {
        let loc = locate(&texts, &pre.objects[obj], &pointer);
        diags.push(d.at(loc));
    }
    if diags.has_errors() {
        return Err(diags);
    }

    let (backends, backend_warnings) =
        backends::collect(&pre.objects, &BackendOptions { global_service_domain: &opts.global_service_domain });
    diags.extend(backend_warnings);
    let attached = attach::attach(&pre.objects, &backends, opts.global_policy_namespace.as_deref());
    let store = Store::from_objects(&pre.objects);
    let btps = backend_tls::policies(&pre.objects);
    let settings = ClusterSettings { profile, dns_lookup_family: &opts.dns_lookup_family };
    let defaulted: Vec<Option<Value>> = attached
        .policies
        .iter()
        .map(|p| bcp_spec_defaults(pre.objects[p.object].spec().unwrap_or(&Value::Null), opts.release))
        .collect();
    let specs: Vec<&Value> =
        (0..defaulted.len()).map(|p| policy_spec(&pre.objects, &attached, &defaulted, p)).collect();
    let units: Vec<u32> = specs.iter().map(|s| merge::set_units(s)).collect();

    let mut policy_errors = cluster::PolicyErrors::new();
    let mut translated = Vec::with_capacity(backends.len());
    let mut writer = yaml::DocWriter::default();
    let mut backend_tls_used = Vec::with_capacity(backends.len());
    for (b, atts) in backends.iter().zip(&attached.by_backend) {
        let inputs: Vec<PolicyInput> = atts
            .iter()
            .map(|a| PolicyInput {
                index: a.policy,
                id: &attached.policies[a.policy].id,
                spec: specs[a.policy],
                set_units: units[a.policy],
            })
            .collect();
        let mut socket = None;
        let mut btp_used = None;
        if let Some((winner, losers)) = backend_tls::select(b, &btps, &pre.objects) {
            let btp_obj = &pre.objects[winner.object];
            match backend_tls::socket(btp_obj, &store) {
                Ok(s) => {
                    socket = Some(s);
                    btp_used = Some(winner.object);
                }
                Err(e) => diags.push(btp_obj.error(Some("spec.validation"), e)),
            }
            if !profile.backend_tls_policy_precedence && atts.iter().any(|a| specs[a.policy].get("tls").is_some()) {
                diags.push(btp_obj.warning(
                    None,
                    format!(
                        "cluster {}: kgateway {} applies BackendTLSPolicy and BackendConfigPolicy tls in random order; \
                         bcp-render shows the BackendTLSPolicy socket",
                        b.cluster_name, profile.release
                    ),
                ));
            }
            for l in losers {
                diags.push(pre.objects[l.object].warning(
                    None,
                    format!("cluster {}: BackendTLSPolicy {} is older and wins", b.cluster_name, winner.id.ns_name()),
                ));
            }
        }
        let mut t = cluster::translate(b, &inputs, socket.as_ref(), &settings, &store, &mut policy_errors);
        report_translation(&pre, &texts, b, atts, &attached, &t, opts, &mut diags);
        if let Purpose::Print(format) = purpose {
            t.printed = Some(output::print_cluster(&mut writer, std::mem::take(&mut t.cluster), format));
        }
        translated.push(t);
        backend_tls_used.push(btp_used);
    }
    report_conflicts(&pre, &texts, &backends, &attached, &translated, profile, &mut diags);
    pre.backends = backends;
    pre.attached = attached;
    drop(specs);
    pre.specs = defaulted;
    pre.translated = translated;
    pre.backend_tls = backend_tls_used;
    report_unattached(&pre, &texts, opts, &mut diags);
    drop(texts);

    if opts.strict {
        diags.make_strict();
    }
    if diags.has_errors() {
        return Err(diags);
    }
    pre.diagnostics = diags;
    Ok(pre)
}

/// Warn about each policy that attaches to no backend: kgateway accepts it silently (no
/// status), so a typo in a target name would otherwise go unnoticed.
fn report_unattached(r: &Render, texts: &Texts, opts: &Options, diags: &mut Diagnostics) {
    let attached: std::collections::BTreeSet<usize> =
        r.attached.by_backend.iter().flatten().map(|a| r.attached.policies[a.policy].object).collect();
    for p in &r.attached.policies {
        if attached.contains(&p.object) {
            continue;
        }
        let obj = &r.objects[p.object];
        let why = crate::explain::unattached_reasons(r, obj, opts.global_policy_namespace.as_deref());
        let spec = obj.spec();
        let pointer = if spec.and_then(|s| s.get("targetRefs")).is_some() {
            "/spec/targetRefs"
        } else if spec.and_then(|s| s.get("targetSelectors")).is_some() {
            "/spec/targetSelectors"
        } else {
            "/spec"
        };
        diags.push(
            Diagnostic::warning(format!("attached to nothing: {}", why.join("; ")))
                .at(locate(texts, obj, pointer))
                .object(obj.id.display()),
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn report_translation(
    r: &Render,
    texts: &Texts,
    b: &Backend,
    atts: &[attach::Attachment],
    attached: &Attached,
    t: &Translated,
    opts: &Options,
    diags: &mut Diagnostics,
) {
    for e in &t.errors {
        let p = &attached.policies[atts[e.policy].policy];
        let obj = &r.objects[p.object];
        let loc = locate(texts, obj, &format!("/spec/{}", e.field));
        let mut d = Diagnostic::error(format!(
            "{}; kgateway would replace cluster {} with a blackhole (requests fail with 500)",
            e.message, b.cluster_name
        ))
        .at(loc)
        .object(obj.id.display())
        .field(format!("spec.{}", e.field))
        .hint("fix the policy, or pass --allow-invalid to render the blackhole cluster");
        if opts.allow_invalid {
            d.severity = crate::diag::Severity::Warning;
            d.hint = None;
        }
        diags.push(d);
    }
    for i in &t.ignored {
        let p = &attached.policies[atts[i.policy].policy];
        let obj = &r.objects[p.object];
        let loc = locate(texts, obj, &format!("/spec/{}", i.field));
        diags.push(
            Diagnostic::warning(format!("ignored for cluster {}: {}", b.cluster_name, i.reason))
                .at(loc)
                .object(obj.id.display())
                .field(format!("spec.{}", i.field)),
        );
    }
}

/// Warn when two attached policies set the same field and only creation order (absent from
/// Git) decides which one the cluster gets.
fn report_conflicts(
    r: &Render,
    texts: &Texts,
    backends: &[Backend],
    attached: &Attached,
    translated: &[Translated],
    profile: &crate::profile::Profile,
    diags: &mut Diagnostics,
) {
    // kgateway 2.4+ breaks equal timestamps by namespace/name as bcp-render does; earlier
    // releases leave them unordered.
    let ties = if profile.stable_tie_break {
        String::new()
    } else {
        format!(" (kgateway {} applies policies with equal timestamps in unspecified order)", profile.release)
    };
    let mut seen = std::collections::BTreeSet::new();
    for ((b, atts), t) in backends.iter().zip(&attached.by_backend).zip(translated) {
        for o in &t.merged.outcomes {
            let winner = &attached.policies[atts[o.winner].policy];
            for &l in &o.losers {
                let loser = &attached.policies[atts[l].policy];
                if !order_is_unknown(winner, loser) {
                    continue;
                }
                let key = (winner.object, loser.object, o.field);
                if !seen.insert(key) {
                    continue;
                }
                let obj = &r.objects[loser.object];
                let field = o.field.replace('.', "/");
                diags.push(
                    Diagnostic::warning(format!(
                        "also set by {} (cluster {}); bcp-render uses {}'s value, ordering policies without \
                         creation timestamps by namespace/name, but the live result depends on which is created first{}",
                        winner.id.display(),
                        b.cluster_name,
                        winner.id.ns_name(),
                        ties
                    ))
                    .at(locate(texts, obj, &format!("/spec/{field}")))
                    .object(obj.id.display())
                    .field(format!("spec.{}", o.field)),
                );
            }
        }
    }
}
