//! Validation of the input before anything is rendered: what the API server would reject.
//!
//! * JSON Schema ([`schema`]): kgateway kinds against the chosen release's CRD schema
//!   (unknown fields rejected); Service, ServiceEntry, BackendTLSPolicy and Secret against
//!   small schemas of the fields bcp-render reads.
//! * CEL rules ([`rules`]): every `x-kubernetes-validations` rule of the release's
//!   BackendConfigPolicy and Backend CRDs.
//! * Release profile: a field the release does not have names the first release that has it.
//!
//! Each finding names the object (by index) and a JSON pointer to the field, so the caller
//! can turn it into `file:line:col`. Findings are sorted by object, then pointer.

use serde_json::Value;

use crate::core::diag::{DiagKind, Diagnostic, Severity};
use crate::core::index::{ObjectIdx, Table};
use crate::core::object::Object;
use crate::core::pointer;
use crate::core::release::Release;
use crate::core::value::{at, get};
use crate::pipeline::fields::FIELDS;

pub mod cel;
pub mod defaults;
pub mod rules;
pub mod schema;
pub mod values;

use schema::SchemaKind;

/// (object, JSON pointer of the field, diagnostic without location)
pub type Finding = (ObjectIdx, String, Diagnostic);

pub fn validate(objects: &Table<ObjectIdx, Object>, release: Release) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, obj) in objects.enumerate() {
        let Some(kind) = SchemaKind::of(obj.kind) else { continue };
        for (pointer, d) in validate_object(obj.value(), kind, release) {
            let d = d.object(obj.id.display()).field(pointer::to_field(&pointer));
            out.push((i, pointer, d));
        }
    }
    // Stable: findings at one pointer keep the order they were found in.
    out.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    out
}

/// kgateway 2.1's CRD lists the health check's timeout, interval and thresholds as required,
/// but its Go types (and its translator goldens) treat them as optional and omit them from
/// the cluster. Render what kgateway 2.1 renders, and warn: the API server would refuse the
/// object, and Envoy would reject such a health check.
fn soften_optional_health_check_fields(found: &mut [(String, Diagnostic)], release: Release) {
    for (pointer, d) in found.iter_mut() {
        if pointer == "/spec/healthCheck" && d.kind == DiagKind::MissingField {
            d.severity = Severity::Warning;
            d.hint = Some(format!(
                "the kgateway {release} CRD requires it and Envoy rejects a health check without it; \
                 kgateway {release} itself would render the health check without it"
            ));
        }
    }
}

/// Findings for one object as (JSON pointer from the object root, diagnostic).
pub fn validate_object(value: &Value, kind: SchemaKind, release: Release) -> Vec<(String, Diagnostic)> {
    let mut unavailable = match kind {
        SchemaKind::BackendConfigPolicy => unavailable_bcp_fields(value, release),
        _ => Vec::new(),
    };
    // The API server prunes nulls of non-nullable fields before validating (the CRDs have no
    // nullable fields), so `field: null` is the same as no field.
    // Copy the object only when it has a null to drop.
    let pruned;
    let value = if has_null(value) {
        let mut copy = value.clone();
        drop_nulls(&mut copy);
        pruned = copy;
        &pruned
    } else {
        value
    };
    let mut found = schema::validate(value, release, kind);
    let spec = value.get("spec").unwrap_or(&Value::Null);
    let cel = match kind {
        SchemaKind::BackendConfigPolicy => rules::backend_config_policy(spec, release),
        SchemaKind::Backend => rules::backend(spec, release),
        _ => Vec::new(),
    };
    found.extend(cel.into_iter().map(|(p, d)| (format!("/spec{p}"), d)));

    // An unknown field of a kgateway kind that another release has: say so.
    if kind.is_kgateway() {
        for (pointer, d) in &found {
            if d.kind == DiagKind::UnknownField
                && !unavailable.iter().any(|(p, _)| p == pointer)
                && let Some(d) = release_mismatch(pointer, kind, release)
            {
                unavailable.push((pointer.clone(), d));
            }
        }
    }
    // Nothing more is said about a field the release does not have, nor below it.
    found.retain(|(p, _)| !unavailable.iter().any(|(u, _)| p == u || p.starts_with(&format!("{u}/"))));
    if kind == SchemaKind::BackendConfigPolicy && release.profile().health_check_optional_fields {
        soften_optional_health_check_fields(&mut found, release);
    }
    unavailable.extend(found);
    unavailable
}

fn has_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.values().any(has_null),
        Value::Array(items) => items.iter().any(has_null),
        _ => false,
    }
}

fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

fn not_available(release: Release, since: Release) -> Diagnostic {
    Diagnostic::error(format!(
        "field is not available in kgateway {release} (added in {since}); choose --kgateway-version {since} or later"
    ))
    .kind(DiagKind::NotInRelease)
}

/// BackendConfigPolicy fields newer than `release` (the field registry's `since` and
/// `newer`), outermost first.
fn unavailable_bcp_fields(value: &Value, release: Release) -> Vec<(String, Diagnostic)> {
    let Some(spec) = value.get("spec") else { return Vec::new() };
    let mut out: Vec<(String, Diagnostic)> = Vec::new();
    for field in FIELDS {
        let own = ("", field.since);
        // Most fields exist in the release: their pointers are not even built.
        for &(below, since) in std::iter::once(&own).chain(field.newer).filter(|(_, since)| release < *since) {
            let value = get(spec, field.name).and_then(|v| at(v, below));
            if value.is_none_or(Value::is_null) {
                continue;
            }
            let full = format!("/spec/{}{below}", field.name);
            if !out.iter().any(|(p, _)| full.starts_with(&format!("{p}/"))) {
                out.push((full, not_available(release, since)));
            }
        }
    }
    out
}

/// Whether a schema describes an instance pointer (through properties and items).
fn schema_has(schema: &Value, instance: &str) -> bool {
    let mut cur = schema;
    for seg in pointer::segments(instance) {
        cur = match cur.get("properties").and_then(|p| p.get(&seg)) {
            Some(next) => next,
            None => match cur.get("items") {
                Some(items) if pointer::is_index(&seg) => items,
                _ => return false,
            },
        };
    }
    true
}

/// For a field unknown to `release`: the release that added it, or the last that had it.
fn release_mismatch(pointer: &str, kind: SchemaKind, release: Release) -> Option<Diagnostic> {
    let has = |r: Release| schema_has(schema::schema(r, kind), pointer);
    if let Some(since) = Release::all().find(|r| *r > release && has(*r)) {
        return Some(not_available(release, since));
    }
    let last = Release::all().rev().find(|r| *r < release && has(*r))?;
    Some(
        Diagnostic::error(format!(
            "field is not available in kgateway {release} (removed after {last}); choose --kgateway-version {last} or rewrite it"
        ))
        .kind(DiagKind::NotInRelease),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::index::Idx;
    use serde_json::json;

    fn obj(v: Value) -> Object {
        crate::core::object::testing::object_in(v, "app")
    }

    /// Validate `objects` under `release`, as the pipeline does.
    fn validate(objects: &[Object], release: Release) -> Vec<Finding> {
        super::validate(&objects.to_vec().into(), release)
    }

    fn bcp(spec: Value) -> Object {
        obj(json!({"apiVersion": "gateway.kgateway.dev/v1alpha1", "kind": "BackendConfigPolicy",
                   "metadata": {"name": "bad"}, "spec": spec}))
    }

    fn opts(release: &str) -> Release {
        release.parse().unwrap()
    }

    fn lines(f: &[Finding]) -> Vec<String> {
        f.iter().map(|(i, p, d)| format!("{i} {p} {d}")).collect()
    }

    #[test]
    fn a_typo_is_rejected_at_its_pointer() {
        let f = validate(&[bcp(json!({"connectTimout": "5s"}))], opts("2.4"));
        assert_eq!(
            lines(&f),
            [
                "0 /spec/connectTimout error: BackendConfigPolicy app/bad: spec.connectTimout: unknown field \"connectTimout\" (did you mean connectTimeout?)"
            ]
        );
    }

    #[test]
    fn fields_follow_the_release() {
        let spec = json!({"dns": {"refreshRate": "0s"}, "circuitBreakers": {"trackRemaining": true, "maxRetries": 1}});
        let f = validate(&[bcp(spec.clone())], opts("2.2"));
        assert_eq!(
            lines(&f),
            [
                "0 /spec/circuitBreakers/trackRemaining error: BackendConfigPolicy app/bad: spec.circuitBreakers.trackRemaining: field is not available in kgateway 2.2 (added in 2.3); choose --kgateway-version 2.3 or later",
                "0 /spec/dns error: BackendConfigPolicy app/bad: spec.dns: field is not available in kgateway 2.2 (added in 2.3); choose --kgateway-version 2.3 or later",
            ]
        );
        let f = validate(&[bcp(spec.clone())], opts("2.1"));
        assert_eq!(f.iter().map(|(_, p, _)| p.as_str()).collect::<Vec<_>>(), ["/spec/circuitBreakers", "/spec/dns"]);
        // 2.3 has both: only the CEL minimum remains.
        let f = validate(&[bcp(spec)], opts("2.3"));
        assert_eq!(
            lines(&f),
            [
                "0 /spec/dns/refreshRate error: BackendConfigPolicy app/bad: spec.dns.refreshRate: refreshRate must be at least 1ms (got \"0s\")"
            ]
        );
    }

    #[test]
    fn main_only_outlier_fields_are_refused_under_2_4() {
        let spec = json!({"outlierDetection": {"enforcingConsecutive5xx": 100}});
        let f = validate(&[bcp(spec.clone())], opts("2.4"));
        assert_eq!(f.len(), 1);
        assert!(f[0].2.message.contains("(added in main)"), "{:?}", f[0]);
        assert!(validate(&[bcp(spec)], opts("main")).is_empty());
    }

    #[test]
    fn backend_fields_of_other_releases_are_named() {
        let be = |spec: Value| {
            obj(
                json!({"apiVersion": "gateway.kgateway.dev/v1alpha1", "kind": "Backend", "metadata": {"name": "b"}, "spec": spec}),
            )
        };
        let f = validate(&[be(json!({"type": "GCP", "gcp": {"host": "x.run.app"}}))], opts("2.2"));
        assert!(f.iter().any(|(_, p, d)| p == "/spec/gcp" && d.message.contains("added in 2.3")), "{:?}", lines(&f));
        let f = validate(&[be(json!({"type": "AI", "ai": {"llm": {"openai": {}}}}))], opts("2.4"));
        assert!(
            f.iter().any(|(_, p, d)| p == "/spec/ai" && d.message.contains("removed after 2.1")),
            "{:?}",
            lines(&f)
        );
    }

    #[test]
    fn all_objects_all_errors_sorted() {
        let objects = [
            bcp(json!({"connectTimeout": "1.5s", "loadBalancer": {}})),
            obj(
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 0}]}}),
            ),
            obj(
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"whatever": 1}}),
            ),
            bcp(json!({"http1ProtocolOptions": {}, "http2ProtocolOptions": {}})),
        ];
        let f = validate(&objects, opts("2.4"));
        let ptrs: Vec<(usize, &str)> = f.iter().map(|(i, p, _)| (i.get(), p.as_str())).collect();
        assert_eq!(
            ptrs,
            [(0, "/spec/connectTimeout"), (0, "/spec/loadBalancer"), (1, "/spec/ports/0/port"), (3, "/spec")]
        );
        assert_eq!(
            f[0].2.to_string(),
            "error: BackendConfigPolicy app/bad: spec.connectTimeout: invalid duration value \"1.5s\" (integers with h, m, s, ms; e.g. 1500ms)"
        );
    }

    #[test]
    fn null_is_the_same_as_absent() {
        let spec = json!({"connectTimeout": null, "dns": null, "loadBalancer": {"random": {}, "maglev": null}});
        assert!(validate(&[bcp(spec)], opts("2.1")).is_empty());
    }

    #[test]
    fn the_seed_style_policy_is_valid_in_every_release() {
        let spec = json!({"targetRefs": [{"group": "", "kind": "Service", "name": "web"}], "connectTimeout": "5s",
                          "tcpKeepalive": {"keepAliveTime": "10s"}, "loadBalancer": {"leastRequest": {"choiceCount": 3}},
                          "healthCheck": {"timeout": "1s", "interval": "5s", "unhealthyThreshold": 3, "healthyThreshold": 1,
                                          "http": {"path": "/healthz"}},
                          "outlierDetection": {"consecutive5xx": 3}});
        for r in Release::all() {
            assert!(validate(&[bcp(spec.clone())], opts(r.name())).is_empty(), "{r}");
        }
    }
}
