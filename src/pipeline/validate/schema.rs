//! JSON Schema validation with the schemas embedded from `schemas/` (no files at run time).
//!
//! kgateway kinds use the chosen release's schema (in its [`Profile`], generated from its
//! CRDs by `scripts/gen-schemas.py`); the core kinds bcp-render reads use small hand-written
//! schemas. Validators are compiled lazily, once per (release, kind), for the kinds present.
//!
//! [`Profile`]: crate::core::release::Profile

use std::sync::{LazyLock, OnceLock};

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use super::values::{echo, edit_distance};
use crate::core::diag::{DiagKind, Diagnostic};
use crate::core::kind::Kind;
use crate::core::pointer;
use crate::core::release::{RELEASES, Release};

/// The kinds that have a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaKind {
    BackendConfigPolicy,
    Backend,
    Service,
    ServiceEntry,
    BackendTlsPolicy,
    Secret,
}

impl SchemaKind {
    pub const ALL: [SchemaKind; 6] = [
        SchemaKind::BackendConfigPolicy,
        SchemaKind::Backend,
        SchemaKind::Service,
        SchemaKind::ServiceEntry,
        SchemaKind::BackendTlsPolicy,
        SchemaKind::Secret,
    ];

    /// The schema kind of an object, if it has one.
    pub fn of(kind: Kind) -> Option<SchemaKind> {
        Some(match kind {
            Kind::BackendConfigPolicy => SchemaKind::BackendConfigPolicy,
            Kind::Backend => SchemaKind::Backend,
            Kind::Service => SchemaKind::Service,
            Kind::ServiceEntry => SchemaKind::ServiceEntry,
            Kind::BackendTlsPolicy => SchemaKind::BackendTlsPolicy,
            Kind::Secret => SchemaKind::Secret,
            // Gateway API objects are read only for the fields a Gateway client certificate
            // needs, which `backends::gateway_cert` checks as it reads them.
            Kind::Namespace
            | Kind::ConfigMap
            | Kind::Gateway
            | Kind::GatewayClass
            | Kind::HttpRoute
            | Kind::GrpcRoute
            | Kind::TcpRoute
            | Kind::TlsRoute
            | Kind::ListenerSet
            | Kind::Other => return None,
        })
    }

    /// kgateway kinds reject unknown fields and follow the release.
    pub fn is_kgateway(self) -> bool {
        matches!(self, SchemaKind::BackendConfigPolicy | SchemaKind::Backend)
    }
}

/// The embedded schema text for a kind under a release.
pub fn schema_text(release: Release, kind: SchemaKind) -> &'static str {
    let schemas = &release.profile().schemas;
    match kind {
        SchemaKind::BackendConfigPolicy => schemas.backend_config_policy,
        SchemaKind::Backend => schemas.backend,
        SchemaKind::Service => include_str!("../../../schemas/core/service.json"),
        SchemaKind::ServiceEntry => include_str!("../../../schemas/core/serviceentry.json"),
        SchemaKind::BackendTlsPolicy => include_str!("../../../schemas/core/backendtlspolicy.json"),
        SchemaKind::Secret => include_str!("../../../schemas/core/secret.json"),
    }
}

/// One lazily built value per (release, kind); the core kinds' schemas do not depend on the
/// release, so they share the first release's slot.
struct Cache<T>(LazyLock<Vec<[OnceLock<T>; SchemaKind::ALL.len()]>>);

impl<T> Cache<T> {
    const fn new() -> Self {
        Cache(LazyLock::new(|| RELEASES.iter().map(|_| std::array::from_fn(|_| OnceLock::new())).collect()))
    }

    fn get(&self, release: Release, kind: SchemaKind, init: impl FnOnce() -> T) -> &T {
        let release = if kind.is_kgateway() { release.index() } else { 0 };
        self.0[release][kind as usize].get_or_init(init)
    }
}

/// The parsed schema of a kind under a release.
pub fn schema(release: Release, kind: SchemaKind) -> &'static Value {
    static SCHEMAS: Cache<Value> = Cache::new();
    SCHEMAS.get(release, kind, || {
        serde_json::from_str(schema_text(release, kind)).expect("embedded schemas are valid JSON")
    })
}

fn validator(release: Release, kind: SchemaKind) -> &'static jsonschema::Validator {
    static VALIDATORS: Cache<jsonschema::Validator> = Cache::new();
    VALIDATORS.get(release, kind, || {
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .build(schema(release, kind))
            .expect("embedded schemas compile")
    })
}

/// The schema node at a schema path (JSON pointer into the schema).
fn schema_node<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = root;
    for seg in pointer::segments(path) {
        cur = match cur {
            Value::Object(m) => m.get(&seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The closest known field name within edit distance 2.
fn did_you_mean<'a>(field: &str, known: impl Iterator<Item = &'a String>) -> Option<&'a String> {
    known
        .map(|k| (edit_distance(&field.to_lowercase(), &k.to_lowercase()), k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

/// A short rendering of a value for messages (never a Secret's).
fn placeholder(v: &Value, kind: SchemaKind) -> String {
    if kind == SchemaKind::Secret {
        return "value".to_string();
    }
    match v {
        Value::String(s) => echo(s),
        Value::Object(_) => "object".to_string(),
        Value::Array(_) => "array".to_string(),
        other => echo(&other.to_string()).trim_matches('"').to_string(),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Schema findings for a whole object, as (JSON pointer from the object root, diagnostic).
pub fn validate(value: &Value, release: Release, kind: SchemaKind) -> Vec<(String, Diagnostic)> {
    let root = schema(release, kind);
    let mut out = Vec::new();
    for err in validator(release, kind).iter_errors(value) {
        let ptr = err.instance_path().as_str().to_string();
        let schema_path = err.schema_path().as_str();
        let instance = err.instance();
        match err.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let parent = schema_path.strip_suffix("/additionalProperties").unwrap_or(schema_path);
                let known = schema_node(root, parent).and_then(|n| n.get("properties")).and_then(Value::as_object);
                for field in unexpected {
                    let mut d =
                        Diagnostic::error(format!("unknown field {}", echo(field))).kind(DiagKind::UnknownField);
                    if let Some(known) = known {
                        if let Some(m) = did_you_mean(field, known.keys()) {
                            d = d.hint(format!("did you mean {m}?"));
                        } else {
                            let names: Vec<&str> = known.keys().map(String::as_str).collect();
                            d = d.hint(format!("known fields: {}", names.join(", ")));
                        }
                    }
                    out.push((format!("{ptr}/{}", pointer::escape(field)), d));
                }
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let d =
                    Diagnostic::error(format!("missing required field {}", echo(name))).kind(DiagKind::MissingField);
                out.push((ptr, d));
            }
            ValidationErrorKind::Type { .. } => {
                let want = schema_node(root, schema_path).map(|t| match t {
                    Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" or "),
                    other => other.as_str().unwrap_or("?").to_string(),
                });
                let want = want.unwrap_or_default();
                let msg =
                    format!("must be of type {want}, got {} {}", json_type(instance), placeholder(instance, kind));
                let mut d = Diagnostic::error(msg);
                // Most such values are YAML 1.1 reading an unquoted scalar as Kubernetes does.
                if want.contains("string") && (instance.is_number() || instance.is_boolean() || instance.is_null()) {
                    let what = match &**instance {
                        Value::Bool(_) => "a boolean",
                        Value::Null => "null",
                        _ => "a number",
                    };
                    d = d.hint(format!(
                        "Kubernetes reads this unquoted value as {what} (YAML 1.1: yes/no/on/off are booleans, 017 is 15); quote it"
                    ));
                }
                out.push((ptr, d));
            }
            ValidationErrorKind::AnyOf { .. } => {
                let node = schema_node(root, schema_path);
                let int_or_string = node.and_then(Value::as_array).is_some_and(|alts| {
                    alts.iter().any(|a| a["type"] == "integer") && alts.iter().any(|a| a["type"] == "string")
                });
                let msg = if int_or_string {
                    format!(
                        "must be an integer or a string, got {} {}",
                        json_type(instance),
                        placeholder(instance, kind)
                    )
                } else {
                    err.masked_with(placeholder(instance, kind)).to_string()
                };
                out.push((ptr, Diagnostic::error(msg)));
            }
            _ => out.push((ptr, Diagnostic::error(err.masked_with(placeholder(instance, kind)).to_string()))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bcp(spec: Value) -> Value {
        json!({"apiVersion": "gateway.kgateway.dev/v1alpha1", "kind": "BackendConfigPolicy",
               "metadata": {"name": "p", "namespace": "a", "labels": {"x": "y"}}, "spec": spec})
    }

    #[test]
    fn every_embedded_schema_compiles() {
        for r in Release::all() {
            for k in SchemaKind::ALL {
                validator(r, k);
            }
        }
    }

    #[test]
    fn a_typo_is_an_unknown_field_with_a_suggestion() {
        let f = validate(&bcp(json!({"connectTimout": "5s"})), Release::V2_4, SchemaKind::BackendConfigPolicy);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, "/spec/connectTimout");
        assert_eq!(f[0].1.to_string(), "error: unknown field \"connectTimout\" (did you mean connectTimeout?)");
    }

    #[test]
    fn valid_policy_passes_and_metadata_is_free_form() {
        let v = bcp(json!({"targetRefs": [{"group": "", "kind": "Service", "name": "s"}], "connectTimeout": "5s",
                           "http2ProtocolOptions": {"initialStreamWindowSize": "64Ki"}}));
        assert!(validate(&v, Release::V2_4, SchemaKind::BackendConfigPolicy).is_empty());
    }

    #[test]
    fn unknown_top_level_field_and_nested_errors_are_all_reported() {
        let mut v = bcp(json!({"connectTimeout": 5, "perConnectionBufferLimitBytes": -1,
                               "targetRefs": [{"group": "", "kind": "Service"}],
                               "http2ProtocolOptions": {"initialStreamWindowSize": 1.5}}));
        v["extra"] = json!(1);
        let f = validate(&v, Release::V2_4, SchemaKind::BackendConfigPolicy);
        let ptrs: Vec<&str> = f.iter().map(|(p, _)| p.as_str()).collect();
        for want in [
            "/extra",
            "/spec/connectTimeout",
            "/spec/perConnectionBufferLimitBytes",
            "/spec/targetRefs/0",
            "/spec/http2ProtocolOptions/initialStreamWindowSize",
        ] {
            assert!(ptrs.contains(&want), "{want} not in {f:?}");
        }
        let msg = |p: &str| f.iter().find(|(q, _)| q == p).unwrap().1.message.clone();
        assert_eq!(msg("/spec/connectTimeout"), "must be of type string, got integer 5");
        assert_eq!(msg("/spec/targetRefs/0"), "missing required field \"name\"");
        assert!(
            msg("/spec/http2ProtocolOptions/initialStreamWindowSize").starts_with("must be an integer or a string")
        );
    }

    #[test]
    fn schemas_follow_the_release() {
        let v = bcp(json!({"dns": {"refreshRate": "5s"}}));
        assert!(validate(&v, Release::V2_3, SchemaKind::BackendConfigPolicy).is_empty());
        let f = validate(&v, Release::V2_2, SchemaKind::BackendConfigPolicy);
        assert_eq!(f[0].0, "/spec/dns");
    }

    #[test]
    fn long_values_are_truncated_and_secrets_never_echoed() {
        let long = "x".repeat(200);
        let f = validate(
            &bcp(json!({"loadBalancer": {"localityType": long}})),
            Release::V2_4,
            SchemaKind::BackendConfigPolicy,
        );
        assert!(f.iter().all(|(_, d)| d.message.len() < 120), "{f:?}");
        let secret =
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"tls.key": 12345678}});
        let f = validate(&secret, Release::V2_4, SchemaKind::Secret);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "/data/tls.key");
        assert!(!f[0].1.message.contains("12345678"), "{}", f[0].1.message);
    }

    #[test]
    fn core_kinds_are_permissive_but_check_what_we_read() {
        let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                         "spec": {"selector": {"a": "b"}, "ports": [{"port": 70000}]}});
        let f = validate(&svc, Release::V2_4, SchemaKind::Service);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, "/spec/ports/0/port");
        let se = json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry", "metadata": {"name": "s"},
                        "spec": {"hosts": ["a"], "resolution": "DNZ"}});
        assert_eq!(validate(&se, Release::V2_4, SchemaKind::ServiceEntry)[0].0, "/spec/resolution");
    }
}
