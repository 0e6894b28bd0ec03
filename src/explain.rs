//! `explain`: why each Envoy cluster looks the way it does, and why a policy attaches to nothing.

use serde_json::{Value, json};

use crate::attach::{PolicyRef, Reason, order_is_unknown};
use crate::backends::{Backend, BackendKind};
use crate::model::{ISTIO_GROUP, KGATEWAY_GROUP, Object};
use crate::render::Render;

/// Selection of what to explain.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub cluster: Option<String>,
    /// `ns/name` of a policy.
    pub policy: Option<String>,
}

fn origin(o: &Object) -> String {
    format!("{}:{}", o.origin.file, o.origin.line)
}

fn created(p: &PolicyRef) -> String {
    match p.created {
        Some(_) => "has a creation timestamp".into(),
        None => "no creation timestamp in Git".into(),
    }
}

fn backend_desc(r: &Render, b: &Backend) -> String {
    let o = &r.objects[b.object];
    let proto = match b.protocol {
        crate::envoy::AppProtocol::Http2 => "HTTP/2",
        crate::envoy::AppProtocol::Http1 => "HTTP/1",
        crate::envoy::AppProtocol::WebSocket => "WebSocket",
    };
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
fn redact_key_material(field: &str, mut v: Value) -> Value {
    if field == "tls"
        && let Some(key) = v.pointer_mut("/files/tlsKey")
        && key.as_str().is_some_and(|k| k.contains("PRIVATE KEY"))
    {
        *key = json!("<redacted by bcp-render: private key>");
    }
    v
}

/// Explanation of one cluster as data; the text layout is printed from it.
pub fn cluster_data(r: &Render, bi: usize) -> Value {
    let b = &r.backends[bi];
    let t = &r.translated[bi];
    let atts = &r.attached.by_backend[bi];
    let policy = |ai: usize| &r.attached.policies[atts[ai].policy];
    let policies: Vec<Value> = atts
        .iter()
        .map(|a| {
            let p = &r.attached.policies[a.policy];
            json!({
                "policy": p.id.ns_name(),
                "file": origin(&r.objects[p.object]),
                "why": a.reasons.iter().map(Reason::describe).collect::<Vec<_>>(),
                "created": created(p),
            })
        })
        .collect();
    let fields: Vec<Value> = t
        .merged
        .outcomes
        .iter()
        .map(|o| {
            let winner = policy(o.winner);
            let value = crate::merge::lookup(r.spec(atts[o.winner].policy), o.field).cloned();
            let lost: Vec<Value> = o
                .losers
                .iter()
                .map(|&l| {
                    let loser = policy(l);
                    let why = if order_is_unknown(winner, loser) {
                        "tie on creation time, broken by namespace/name; the live result depends on creation order, \
                         which Git does not record"
                            .to_string()
                    } else if o.winner < l {
                        "older policy wins".to_string()
                    } else {
                        "newer policy wins (kgateway before 2.4 applies policies in order)".to_string()
                    };
                    json!({"policy": loser.id.ns_name(), "why": why})
                })
                .collect();
            let value = value.map(|v| redact_key_material(o.field, v));
            let mut f = json!({"field": o.field, "value": value, "from": winner.id.ns_name(), "lost": lost});
            if o.field == "tls"
                && t.tls_overridden.contains(&o.winner)
                && let Some(btp) = r.backend_tls[bi]
            {
                f["overridden_by"] = json!(format!("BackendTLSPolicy {}", r.objects[btp].id.ns_name()));
            }
            f
        })
        .collect();
    let ignored: Vec<Value> = t
        .ignored
        .iter()
        .map(|i| json!({"field": i.field, "policy": policy(i.policy).id.ns_name(), "why": i.reason}))
        .collect();
    let errors: Vec<Value> = t
        .errors
        .iter()
        .map(|e| json!({"field": e.field, "policy": policy(e.policy).id.ns_name(), "error": e.message}))
        .collect();
    let mut v = json!({
        "cluster": b.cluster_name,
        "backend": backend_desc(r, b),
        "policies": policies,
        "fields": fields,
        "ignored": ignored,
    });
    if let Some(btp) = r.backend_tls[bi] {
        v["backend_tls_policy"] = json!(format!("{}, {}", r.objects[btp].id.ns_name(), origin(&r.objects[btp])));
    }
    if !errors.is_empty() {
        v["blackhole"] = json!(errors);
    }
    v
}

/// Why a policy attaches to nothing, one line per target reference or selector.
pub fn unattached_reasons(r: &Render, obj: &Object, global_ns: Option<&str>) -> Vec<String> {
    let spec = obj.spec().cloned().unwrap_or(Value::Null);
    let ns = &obj.id.namespace;
    let refs = spec.get("targetRefs").and_then(Value::as_array).cloned().unwrap_or_default();
    let sels = spec.get("targetSelectors").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut out = Vec::new();
    if refs.is_empty() && sels.is_empty() {
        out.push("it has neither targetRefs nor targetSelectors".into());
    }
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    for (i, t) in refs.iter().enumerate() {
        let (group, kind, name) = (s(t, "group"), s(t, "kind"), s(t, "name"));
        let exists_in = |target_ns: Option<&str>| -> Vec<String> {
            r.backends
                .iter()
                .filter(|b| match (group.as_str(), kind.as_str()) {
                    ("", "Service") => b.kind == BackendKind::Service && b.target.name == name,
                    (KGATEWAY_GROUP, "Backend") => b.kind == BackendKind::KgwBackend && b.target.name == name,
                    (ISTIO_GROUP, "Hostname") => b.hostnames.contains(&name),
                    _ => false,
                })
                .map(|b| b.namespace.clone())
                .filter(|n| target_ns.is_none_or(|t| t == n))
                .collect()
        };
        if !exists_in(Some(ns)).is_empty() {
            continue;
        }
        let mut elsewhere = exists_in(None);
        elsewhere.sort();
        elsewhere.dedup();
        if elsewhere.is_empty() {
            out.push(format!("targetRefs[{i}]: no {kind} {name:?} in the input (no such target)"));
        } else {
            let mut line = format!(
                "targetRefs[{i}]: {kind} {name:?} exists only in namespace {} (wrong namespace: targetRefs are namespace-local)",
                elsewhere.join(", ")
            );
            if global_ns == Some(ns.as_str()) {
                line.push_str("; from the global policy namespace only targetSelectors reach other namespaces");
            }
            out.push(line);
        }
    }
    for (i, t) in sels.iter().enumerate() {
        let labels = crate::model::string_map(t.get("matchLabels"));
        if labels.is_empty() {
            out.push(format!("targetSelectors[{i}]: empty matchLabels matches nothing"));
            continue;
        }
        let shown = labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
        let global = global_ns == Some(ns.as_str());
        let scope = if global { "any namespace".to_string() } else { format!("namespace {ns}") };
        let mut line = format!(
            "targetSelectors[{i}]: selector matches nothing: no {} in {scope} has labels {shown}",
            s(t, "kind")
        );
        // The same selector matches elsewhere: probably the global policy namespace is unset.
        let kind_of = |b: &Backend| match b.kind {
            BackendKind::Service => ("", "Service"),
            BackendKind::KgwBackend => (KGATEWAY_GROUP, "Backend"),
            BackendKind::ServiceEntry | BackendKind::GlobalService => (ISTIO_GROUP, "Hostname"),
        };
        let matches_elsewhere = r.backends.iter().any(|b| {
            kind_of(b) == (s(t, "group").as_str(), s(t, "kind").as_str())
                && b.namespace != *ns
                && labels.iter().all(|l| b.labels.contains(l))
        });
        if !global && matches_elsewhere {
            line.push_str(&format!(
                "; it would match in other namespaces if {ns} were the global policy namespace \
                 (--global-policy-namespace {ns}, kgateway's KGW_GLOBAL_POLICY_NAMESPACE)"
            ));
        }
        out.push(line);
    }
    if out.is_empty() {
        out.push("no target found".into());
    }
    out
}

/// The whole explanation as data (for `--format json`).
pub fn data(r: &Render, sel: &Selection, global_ns: Option<&str>) -> Value {
    let attached_policies: std::collections::BTreeSet<usize> =
        r.attached.by_backend.iter().flatten().map(|a| r.attached.policies[a.policy].object).collect();
    let wants_policy = |p: &PolicyRef| sel.policy.as_deref().is_none_or(|want| want == p.id.ns_name());
    let clusters: Vec<Value> = r
        .backends
        .iter()
        .enumerate()
        .filter(|(_, b)| sel.cluster.as_deref().is_none_or(|c| c == b.cluster_name))
        .filter(|(bi, _)| {
            sel.policy.is_none()
                || r.attached.by_backend[*bi].iter().any(|a| wants_policy(&r.attached.policies[a.policy]))
        })
        .map(|(bi, _)| cluster_data(r, bi))
        .collect();
    let unattached: Vec<Value> = r
        .attached
        .policies
        .iter()
        .filter(|p| !attached_policies.contains(&p.object) && wants_policy(p) && sel.cluster.is_none())
        .map(|p| {
            let o = &r.objects[p.object];
            json!({"policy": p.id.ns_name(), "file": origin(o), "why": unattached_reasons(r, o, global_ns)})
        })
        .collect();
    json!({"clusters": clusters, "unattached_policies": unattached})
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The readable text layout.
pub fn text(data: &Value) -> String {
    let mut out = String::new();
    let arr = |v: &Value, k: &str| v.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
    let st = |v: &Value, k: &str| v.get(k).map(value_text).unwrap_or_default();
    for c in arr(data, "clusters") {
        out.push_str(&format!("cluster {}\n  backend: {}\n", st(&c, "cluster"), st(&c, "backend")));
        let policies = arr(&c, "policies");
        if policies.is_empty() {
            out.push_str("  policies: none (kgateway's defaults)\n");
        } else {
            out.push_str("  policies, in merge order:\n");
            for (i, p) in policies.iter().enumerate() {
                let why = arr(p, "why").iter().map(value_text).collect::<Vec<_>>().join("; ");
                out.push_str(&format!(
                    "    {}. {} ({}), attached by {}; {}\n",
                    i + 1,
                    st(p, "policy"),
                    st(p, "file"),
                    why,
                    st(p, "created")
                ));
            }
        }
        let fields = arr(&c, "fields");
        if !fields.is_empty() {
            out.push_str("  fields:\n");
            for f in fields {
                let value = f.get("value").map(|v| serde_json::to_string(v).unwrap_or_default()).unwrap_or_default();
                out.push_str(&format!("    {} = {}  from {}\n", st(&f, "field"), value, st(&f, "from")));
                for l in arr(&f, "lost") {
                    out.push_str(&format!("      also set by {}, which lost: {}\n", st(&l, "policy"), st(&l, "why")));
                }
                if let Some(btp) = f.get("overridden_by") {
                    out.push_str(&format!("      overridden by {}: BackendTLSPolicy wins over tls\n", value_text(btp)));
                }
            }
        }
        if let Some(btp) = c.get("backend_tls_policy") {
            out.push_str(&format!("  BackendTLSPolicy: {}\n", value_text(btp)));
        }
        for i in arr(&c, "ignored") {
            out.push_str(&format!("  ignored: {} from {}: {}\n", st(&i, "field"), st(&i, "policy"), st(&i, "why")));
        }
        for e in arr(&c, "blackhole") {
            out.push_str(&format!(
                "  BLACKHOLE: {} from {} fails: {}\n",
                st(&e, "field"),
                st(&e, "policy"),
                st(&e, "error")
            ));
        }
        out.push('\n');
    }
    let unattached = arr(data, "unattached_policies");
    if !unattached.is_empty() {
        out.push_str("policies attached to nothing:\n");
        for p in unattached {
            out.push_str(&format!("  {} ({})\n", st(&p, "policy"), st(&p, "file")));
            for w in arr(&p, "why") {
                out.push_str(&format!("    {}\n", value_text(&w)));
            }
        }
    }
    out
}
