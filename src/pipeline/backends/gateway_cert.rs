//! Gateway backend client certificates (kgateway 2.3+, `BuildGatewayBackendClientCertificateVariants`):
//! a Gateway with `spec.tls.backend.clientCertificateRef` gets, for every backend its routes
//! reach, a clone cluster named `<cluster>_gw_backend_client_cert_<ns>_<gateway>_<port>`
//! whose TLS context presents that certificate. The original cluster stays.
//!
//! Which routes reach a Gateway is Gateway API attachment. bcp-render follows it where the
//! repository decides it (parentRefs, sectionName, port, allowed namespaces `Same`/`All`,
//! allowed kinds, hostnames) and refuses what it does not model (ListenerSets, namespace
//! selectors, route delegation, cross-namespace references that need a ReferenceGrant).

use std::collections::BTreeSet;
use std::rc::Rc;

use serde_json::Value;

use super::model::{Backend, BackendKind, ClientCert};
use crate::core::diag::Diagnostic;
use crate::core::index::{ObjectIdx, Table};
use crate::core::kind::{GATEWAY_API_GROUP, KGATEWAY_GROUP, Kind};
use crate::core::object::Object;
use crate::core::release::Release;
use crate::core::value::secret_data;
use crate::pipeline::fields::pem::cleaned_ssl_key_pair;

const FIELD: &str = "spec.tls.backend.clientCertificateRef";
const KGATEWAY_CONTROLLER: &str = "kgateway.dev/kgateway";

/// Add the Gateway-scoped clones of `backends` (before they are sorted).
pub fn add_clones(
    objects: &Table<ObjectIdx, Object>,
    release: Release,
    backends: &mut Vec<Backend>,
    diags: &mut Vec<Diagnostic>,
) {
    let gateways: Vec<&Object> =
        objects.iter().filter(|o| o.kind == Kind::Gateway && client_cert_ref(o).is_some()).collect();
    if gateways.is_empty() {
        return;
    }
    if !release.profile().gateway_backend_client_certificate {
        for g in gateways {
            diags.push(g.warning(
                Some(FIELD),
                format!(
                    "kgateway {} ignores a Gateway's backend client certificate (it came in 2.3): its routes' clusters present none",
                    release.name()
                ),
            ));
        }
        return;
    }
    let mut clones = Vec::new();
    for g in gateways {
        if !is_kgateways(g, objects, diags) {
            continue;
        }
        let cert = match resolve(g, objects) {
            Ok(cert) => Rc::new(cert),
            Err(e) => {
                diags.push(g.error(Some(FIELD), format!("kgateway cannot use the backend client certificate: {e}; it reports the Gateway and builds no client-certificate clusters"))
                    .hint("reference a Secret of type kubernetes.io/tls in the Gateway's namespace with tls.crt and a matching tls.key"));
                continue;
            }
        };
        let Some(reached) = reached_backends(g, objects, backends, diags) else { continue };
        for i in reached {
            let original = &backends[i];
            let mut clone = original.clone();
            clone.cluster_name = clone_name(&original.cluster_name, g);
            clone.client_cert = Some(cert.clone());
            clones.push(clone);
        }
    }
    backends.extend(clones);
}

fn client_cert_ref(g: &Object) -> Option<&Value> {
    g.spec()?.get("tls")?.get("backend")?.get("clientCertificateRef")
}

/// kgateway's cluster name for the clone: its extra key before the port.
fn clone_name(original: &str, g: &Object) -> String {
    let (head, port) = original.rsplit_once('_').unwrap_or((original, ""));
    format!("{head}_gw_backend_client_cert_{}_{}_{port}", g.id.namespace, g.id.name)
}

/// Whether kgateway serves the Gateway: its GatewayClass's controller when the input has it.
fn is_kgateways(g: &Object, objects: &Table<ObjectIdx, Object>, diags: &mut Vec<Diagnostic>) -> bool {
    let class = g.spec().and_then(|s| s.get("gatewayClassName")).and_then(Value::as_str).unwrap_or("");
    let found = objects.iter().find(|o| o.kind == Kind::GatewayClass && o.id.name == class);
    match found.and_then(|c| c.spec()).and_then(|s| s.get("controllerName")).and_then(Value::as_str) {
        Some(KGATEWAY_CONTROLLER) => true,
        Some(other) => {
            diags.push(g.warning(
                Some("spec.gatewayClassName"),
                format!("GatewayClass {class} belongs to {other}, not kgateway: no client-certificate clusters"),
            ));
            false
        }
        // A class installed outside the repository: taken to be kgateway's, as kgateway
        // takes every Gateway of its classes.
        None => true,
    }
}

fn resolve(g: &Object, objects: &Table<ObjectIdx, Object>) -> Result<ClientCert, String> {
    let r = client_cert_ref(g).ok_or("no reference")?;
    let group = r.get("group").and_then(Value::as_str).unwrap_or("");
    let kind = r.get("kind").and_then(Value::as_str).unwrap_or("Secret");
    let ns = r.get("namespace").and_then(Value::as_str).unwrap_or(&g.id.namespace);
    let name = r.get("name").and_then(Value::as_str).unwrap_or("");
    if (group, kind) != ("", "Secret") {
        return Err(format!("only core Secret references are supported, not {group}/{kind} {ns}/{name}"));
    }
    if ns != g.id.namespace {
        return Err(format!(
            "the Secret {ns}/{name} is in another namespace, which needs a ReferenceGrant; bcp-render does not model ReferenceGrants"
        ));
    }
    let secret = objects
        .iter()
        .find(|o| o.kind == Kind::Secret && o.id.namespace == ns && o.id.name == name)
        .ok_or_else(|| format!("Secret {ns}/{name} not found in the input"))?;
    let data = secret_data(secret.value());
    let get =
        |k: &str| data.get(k).filter(|v| !v.is_empty()).cloned().ok_or(format!("Secret {ns}/{name}: {k} is required"));
    let (chain, key) = (get("tls.crt")?, get("tls.key")?);
    let cert_chain = cleaned_ssl_key_pair(&chain, &key).map_err(|e| format!("Secret {ns}/{name}: {e}"))?;
    Ok(ClientCert { gateway: g.id.ns_name(), secret: format!("{ns}/{name}"), cert_chain, private_key: key })
}

/// The indices of the backends the Gateway's routes reach, or `None` (with an error) when
/// bcp-render cannot decide them from the input.
fn reached_backends(
    g: &Object,
    objects: &Table<ObjectIdx, Object>,
    backends: &[Backend],
    diags: &mut Vec<Diagnostic>,
) -> Option<BTreeSet<usize>> {
    let refuse = |o: &Object, field: &str, why: String, diags: &mut Vec<Diagnostic>| {
        diags.push(o.error(Some(field), format!("cannot tell which backends Gateway {} reaches, for its client-certificate clusters: {why}", g.id.ns_name()))
            .hint("bcp-render follows routes attached directly to the Gateway, from namespaces it allows as Same or All, to Services and Backends in the route's namespace"));
        None
    };
    if let Some(ls) = objects.iter().find(|o| o.kind == Kind::ListenerSet && parent_is(o, g)) {
        return refuse(ls, "spec.parentRef", "ListenerSets are not modelled".into(), diags);
    }
    let listeners = list(g.spec(), "listeners");
    let mut reached = BTreeSet::new();
    for route in objects.iter().filter(|o| route_kind(o.kind).is_some()) {
        match attaches(route, g, listeners) {
            Ok(false) => continue,
            Ok(true) => {}
            Err((field, why)) => return refuse(route, &field, why, diags),
        }
        let rules = list(route.spec(), "rules");
        for (ri, rule) in rules.iter().enumerate() {
            let refs = list(Some(rule), "backendRefs");
            for (bi, r) in refs.iter().enumerate() {
                let field = format!("spec.rules[{ri}].backendRefs[{bi}]");
                match backend_of(r, route, backends) {
                    Ok(found) => reached.extend(found),
                    Err(why) => return refuse(route, &field, why, diags),
                }
            }
        }
    }
    Some(reached)
}

/// The list under `key`, borrowed; empty when absent or not a list.
fn list<'v>(v: Option<&'v Value>, key: &str) -> &'v [Value] {
    v.and_then(|v| v.get(key)).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn route_kind(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::HttpRoute => "HTTPRoute",
        Kind::GrpcRoute => "GRPCRoute",
        Kind::TcpRoute => "TCPRoute",
        Kind::TlsRoute => "TLSRoute",
        _ => return None,
    })
}

fn parent_is(ls: &Object, g: &Object) -> bool {
    let Some(p) = ls.spec().and_then(|s| s.get("parentRef")) else { return false };
    let ns = p.get("namespace").and_then(Value::as_str).unwrap_or(&ls.id.namespace);
    p.get("name").and_then(Value::as_str) == Some(g.id.name.as_str()) && ns == g.id.namespace
}

/// Whether some listener of the Gateway accepts the route through one of its parentRefs.
fn attaches(route: &Object, g: &Object, listeners: &[Value]) -> Result<bool, (String, String)> {
    let refs = list(route.spec(), "parentRefs");
    let kind = route_kind(route.kind).unwrap_or("");
    for (pi, p) in refs.iter().enumerate() {
        let group = p.get("group").and_then(Value::as_str).unwrap_or(GATEWAY_API_GROUP);
        let pkind = p.get("kind").and_then(Value::as_str).unwrap_or("Gateway");
        let ns = p.get("namespace").and_then(Value::as_str).unwrap_or(&route.id.namespace);
        let name = p.get("name").and_then(Value::as_str).unwrap_or("");
        if (group, pkind) != (GATEWAY_API_GROUP, "Gateway") || ns != g.id.namespace || name != g.id.name {
            continue;
        }
        let section = p.get("sectionName").and_then(Value::as_str);
        let port = p.get("port").and_then(Value::as_u64);
        for l in listeners {
            if section.is_some_and(|s| l.get("name").and_then(Value::as_str) != Some(s))
                || port.is_some_and(|n| l.get("port").and_then(Value::as_u64) != Some(n))
            {
                continue;
            }
            if listener_accepts(l, route, g, kind).map_err(|why| (format!("spec.parentRefs[{pi}]"), why))? {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

fn listener_accepts(l: &Value, route: &Object, g: &Object, kind: &str) -> Result<bool, String> {
    let allowed = l.get("allowedRoutes");
    let from = allowed.and_then(|a| a.get("namespaces")).and_then(|n| n.get("from")).and_then(Value::as_str);
    match from.unwrap_or("Same") {
        "All" => {}
        "Same" if route.id.namespace == g.id.namespace => {}
        "Same" => return Ok(false),
        other => return Err(format!("a listener allows routes from namespaces by {other:?}, which is not modelled")),
    }
    let protocol = l.get("protocol").and_then(Value::as_str).unwrap_or("");
    let kinds: Vec<(String, String)> = match allowed.and_then(|a| a.get("kinds")).and_then(Value::as_array) {
        Some(ks) if !ks.is_empty() => ks
            .iter()
            .map(|k| {
                let group = k.get("group").and_then(Value::as_str).unwrap_or(GATEWAY_API_GROUP);
                (group.to_string(), k.get("kind").and_then(Value::as_str).unwrap_or("").to_string())
            })
            .collect(),
        _ => {
            let defaults: &[&str] = match protocol {
                "HTTP" | "HTTPS" => &["HTTPRoute", "GRPCRoute"],
                "TLS" => &["TLSRoute"],
                "TCP" => &["TCPRoute"],
                other => return Err(format!("a listener of protocol {other:?}, which is not modelled")),
            };
            defaults.iter().map(|k| (GATEWAY_API_GROUP.to_string(), k.to_string())).collect()
        }
    };
    if !kinds.iter().any(|(gr, k)| gr == GATEWAY_API_GROUP && k == kind) {
        return Ok(false);
    }
    let listener_host = l.get("hostname").and_then(Value::as_str);
    let hosts: Vec<&str> = route
        .spec()
        .and_then(|s| s.get("hostnames"))
        .and_then(Value::as_array)
        .map(|h| h.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    Ok(match listener_host {
        Some(lh) if !hosts.is_empty() && kind != "TCPRoute" => hosts.iter().any(|h| hostnames_intersect(lh, h)),
        _ => true,
    })
}

/// Gateway API hostname intersection: equal, or a wildcard `*.x` that covers the other.
fn hostnames_intersect(a: &str, b: &str) -> bool {
    let covers =
        |w: &str, h: &str| w.strip_prefix('*').is_some_and(|suffix| h.len() > suffix.len() && h.ends_with(suffix));
    a == b || covers(a, b) || covers(b, a)
}

/// The backends (indices) a backendRef names; an error for what bcp-render does not model.
fn backend_of(r: &Value, route: &Object, backends: &[Backend]) -> Result<Vec<usize>, String> {
    let group = r.get("group").and_then(Value::as_str).unwrap_or("");
    let kind = r.get("kind").and_then(Value::as_str).unwrap_or("Service");
    let ns = r.get("namespace").and_then(Value::as_str).unwrap_or(&route.id.namespace);
    let name = r.get("name").and_then(Value::as_str).unwrap_or("");
    let backend_kind = match (group, kind) {
        ("", "Service") => BackendKind::Service,
        (KGATEWAY_GROUP, "Backend") => BackendKind::KgwBackend,
        (GATEWAY_API_GROUP, "HTTPRoute") => return Err("route delegation is not modelled".into()),
        _ => return Err(format!("a backendRef of kind {group}/{kind} is not modelled")),
    };
    if ns != route.id.namespace {
        return Err(format!(
            "the backendRef to {ns}/{name} crosses namespaces, which needs a ReferenceGrant; bcp-render does not model ReferenceGrants"
        ));
    }
    let port = r.get("port").and_then(Value::as_u64);
    Ok(backends
        .iter()
        .enumerate()
        .filter(|(_, b)| b.kind == backend_kind && b.target.namespace == ns && b.target.name == name)
        .filter(|(_, b)| backend_kind == BackendKind::KgwBackend || port == Some(u64::from(b.port)))
        .map(|(i, _)| i)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_intersection_follows_gateway_api() {
        assert!(hostnames_intersect("a.example.com", "a.example.com"));
        assert!(hostnames_intersect("*.example.com", "a.example.com"));
        assert!(hostnames_intersect("a.b.example.com", "*.example.com"));
        assert!(!hostnames_intersect("*.example.com", "example.com"));
        assert!(!hostnames_intersect("a.example.com", "b.example.com"));
        assert!(hostnames_intersect("*.example.com", "*.example.com"));
    }
}
