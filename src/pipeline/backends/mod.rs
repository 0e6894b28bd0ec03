//! The objects that become Envoy clusters, one [`Backend`] per cluster.
//!
//! * every port of every Service: `kube_<ns>_<name>_<port>`;
//! * a kgateway `Backend` (static, AWS Lambda or EC2, GCP, dynamic forward proxy, priority
//!   groups; see [`kgw`]): `backend_<ns>_<name>_0`;
//! * every host × port of an Istio ServiceEntry: `istio-se_<ns>_<name>_<host>_<port>`;
//! * a Service labelled `solo.io/service-scope: global` (or in a Namespace so labelled) also
//!   becomes the ServiceEntry the mesh would generate for `<name>.<ns>.<domain>`. That is this
//!   tool's model of the mesh: a ServiceEntry `autogen.<name>` in the Service's namespace,
//!   carrying the Service's labels and ports, resolved by workload selector (EDS).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::core::diag::Diagnostic;
use crate::core::index::{ClusterIdx, ObjectIdx, Table};
use crate::core::kind::{AppProtocol, ISTIO_GROUP, Kind};
use crate::core::object::{Object, ObjectId};
use crate::core::value::Labels;

mod gateway_cert;
pub mod kgw;
mod model;

use model::cluster_name;
pub(crate) use model::port_number;
pub use model::{
    Backend, BackendKind, BackendOptions, ClientCert, Endpoints, InlineHost, Lambda, LambdaAuth, Resolution,
};

pub const GLOBAL_SCOPE_LABEL: &str = "solo.io/service-scope";

/// Every backend of the input, sorted by cluster name, plus warnings for objects that look
/// like backends but give no cluster.
pub fn collect(
    objects: &Table<ObjectIdx, Object>,
    opts: &BackendOptions,
) -> (Table<ClusterIdx, Backend>, Vec<Diagnostic>) {
    let global_namespaces: BTreeSet<&str> = objects
        .iter()
        .filter(|o| o.kind == Kind::Namespace)
        .filter(|o| o.labels().iter().any(|(k, v)| k == GLOBAL_SCOPE_LABEL && v == "global"))
        .map(|o| o.id.name.as_str())
        .collect();
    let mut backends = Vec::new();
    let mut warnings = Vec::new();
    for (index, obj) in objects.enumerate() {
        match obj.kind {
            Kind::Service => {
                let before = backends.len();
                let labels: Labels = obj.labels().into();
                let global = global_namespaces.contains(obj.id.namespace.as_str())
                    || labels.iter().any(|(k, v)| k == GLOBAL_SCOPE_LABEL && v == "global");
                service_backends(index, obj, labels, &mut backends, &mut warnings);
                if global && backends.len() > before {
                    global_service_backends(index, obj, opts, &mut backends);
                }
            }
            Kind::Backend => kgw::backend(index, obj, objects, opts, &mut backends, &mut warnings),
            Kind::ServiceEntry if opts.istio_integration || opts.release.profile().service_entries_always => {
                service_entry_backends(index, obj, &mut backends, &mut warnings)
            }
            Kind::ServiceEntry => warnings.push(obj.warning(
                None,
                format!(
                    "no cluster: kgateway {} builds ServiceEntry clusters only with EnableIstioIntegration (--istio-integration)",
                    opts.release.name()
                ),
            )),
            _ => {}
        }
    }
    gateway_cert::add_clones(objects, opts.release, &mut backends, &mut warnings);
    backends.sort_by(|a, b| a.cluster_name.cmp(&b.cluster_name));
    (backends.into(), warnings)
}

fn service_backends(
    index: ObjectIdx,
    obj: &Object,
    labels: Labels,
    out: &mut Vec<Backend>,
    warnings: &mut Vec<Diagnostic>,
) {
    let spec = obj.spec();
    let ports = spec.and_then(|s| s.get("ports")).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let locality_aware = spec
        .and_then(|s| s.get("trafficDistribution"))
        .and_then(Value::as_str)
        .or_else(|| obj.annotation("networking.istio.io/traffic-distribution"))
        .is_some_and(|td| !td.is_empty() && td != "Any");
    for (i, port) in ports.iter().enumerate() {
        let Some(number) = port_number(port.get("port")) else {
            warnings
                .push(obj.warning(Some(&format!("spec.ports[{i}].port")), "port is not a number 1-65535; no cluster"));
            continue;
        };
        let protocol = port
            .get("appProtocol")
            .and_then(Value::as_str)
            .or_else(|| port.get("name").and_then(Value::as_str))
            .map(AppProtocol::parse)
            .unwrap_or(AppProtocol::Http1);
        out.push(Backend {
            cluster_name: cluster_name("kube", &obj.id.namespace, &obj.id.name, None, number),
            kind: BackendKind::Service,
            object: index,
            target: obj.id.clone(),
            namespace: obj.id.namespace.clone(),
            labels: labels.clone(),
            hostnames: Vec::new(),
            protocol,
            locality_aware,
            endpoints: Endpoints::Eds,
            port: number,
            port_name: port.get("name").and_then(Value::as_str).map(str::to_string),
            errors: Vec::new(),
            client_cert: None,
        });
    }
}

/// The ServiceEntry the mesh generates for a global Service: one host, the Service's ports.
fn global_service_backends(index: ObjectIdx, obj: &Object, opts: &BackendOptions, out: &mut Vec<Backend>) {
    let host = format!("{}.{}.{}", obj.id.name, obj.id.namespace, opts.global_service_domain);
    let se_name = format!("autogen.{}", obj.id.name);
    let kube: Vec<Backend> =
        out.iter().filter(|b| b.object == index && b.kind == BackendKind::Service).cloned().collect();
    for b in kube {
        out.push(Backend {
            cluster_name: cluster_name("istio-se", &obj.id.namespace, &se_name, Some(&host), b.port),
            kind: BackendKind::GlobalService,
            target: ObjectId {
                group: ISTIO_GROUP.into(),
                kind: "ServiceEntry".into(),
                namespace: obj.id.namespace.clone(),
                name: se_name.clone(),
            },
            hostnames: vec![host.clone()],
            locality_aware: false,
            ..b
        });
    }
}

fn service_entry_backends(index: ObjectIdx, obj: &Object, out: &mut Vec<Backend>, warnings: &mut Vec<Diagnostic>) {
    let spec = obj.spec();
    let str_list = |key: &str| -> Vec<String> {
        spec.and_then(|s| s.get(key))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let hosts = str_list("hosts");
    let resolution = match spec.and_then(|s| s.get("resolution")).and_then(Value::as_str).unwrap_or("NONE") {
        "NONE" => return, // kgateway skips SEs with resolution NONE
        "STATIC" => Resolution::Static,
        "DNS" => Resolution::Dns,
        "DNS_ROUND_ROBIN" => Resolution::DnsRoundRobin,
        other => {
            warnings.push(obj.warning(Some("spec.resolution"), format!("unknown resolution {other:?}; no cluster")));
            return;
        }
    };
    let workload_selector = spec.and_then(|s| s.get("workloadSelector")).is_some();
    let endpoints = spec.and_then(|s| s.get("endpoints")).and_then(Value::as_array).cloned().unwrap_or_default();
    let ports = spec.and_then(|s| s.get("ports")).and_then(Value::as_array).cloned().unwrap_or_default();
    for host in &hosts {
        for port in &ports {
            let Some(number) = port_number(port.get("number")) else { continue };
            let port_name = port.get("name").and_then(Value::as_str).unwrap_or("");
            let target_port = port_number(port.get("targetPort")).unwrap_or(number);
            let protocol = port.get("protocol").and_then(Value::as_str).map(AppProtocol::parse);
            let inline_endpoints = if endpoints.is_empty() && resolution != Resolution::Static {
                // DNS resolution without endpoints resolves the hosts themselves: every host
                // of the ServiceEntry, in each host's cluster (kgateway's buildInlineEndpoints).
                hosts
                    .iter()
                    .map(|h| InlineHost {
                        address: h.clone(),
                        port: target_port,
                        hostname: false,
                        weight: None,
                        locality: Default::default(),
                    })
                    .collect()
            } else {
                endpoints.iter().filter_map(|e| se_endpoint(e, port_name, target_port)).collect()
            };
            out.push(Backend {
                cluster_name: cluster_name("istio-se", &obj.id.namespace, &obj.id.name, Some(host), number),
                kind: BackendKind::ServiceEntry,
                object: index,
                target: obj.id.clone(),
                namespace: obj.id.namespace.clone(),
                labels: obj.labels().into(),
                hostnames: hosts.clone(),
                protocol: protocol.unwrap_or(AppProtocol::Http1),
                locality_aware: false,
                port: number,
                port_name: None,
                endpoints: if workload_selector {
                    Endpoints::Eds
                } else {
                    Endpoints::Inline { hosts: inline_endpoints, resolution }
                },
                errors: Vec::new(),
                client_cert: None,
            });
        }
    }
}

/// A ServiceEntry endpoint: its address, the port named after the SE port (else the target
/// port), its weight, and its locality (`locality: region/zone/subzone`, else its labels).
fn se_endpoint(e: &Value, port_name: &str, target_port: u32) -> Option<InlineHost> {
    let address = e.get("address")?.as_str()?.to_string();
    let port = port_number(e.get("ports").and_then(|p| p.get(port_name))).unwrap_or(target_port);
    let weight = e.get("weight").and_then(Value::as_u64).and_then(|w| u32::try_from(w).ok()).filter(|w| *w > 0);
    let label = |k: &str| e.get("labels").and_then(|l| l.get(k)).and_then(Value::as_str).unwrap_or("").to_string();
    let locality = match e.get("locality").and_then(Value::as_str).filter(|l| !l.is_empty()) {
        Some(l) => {
            let mut parts = l.split('/').map(str::to_string);
            let mut next = || parts.next().unwrap_or_default();
            [next(), next(), next()]
        }
        None => [
            label("topology.kubernetes.io/region"),
            label("topology.kubernetes.io/zone"),
            label("topology.istio.io/subzone"),
        ],
    };
    Some(InlineHost { address, port, hostname: false, weight, locality })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::object::testing::object as obj;

    fn opts() -> BackendOptions<'static> {
        BackendOptions {
            global_service_domain: "mesh.internal",
            release: crate::core::release::Release::V2_4,
            aws_ec2_discovery: false,
            istio_integration: true,
        }
    }

    fn names(objects: Vec<Object>) -> Vec<String> {
        collect(&objects.into(), &opts()).0.into_iter().map(|b| b.cluster_name).collect()
    }

    #[test]
    fn service_ports_give_one_cluster_each_with_protocol_from_app_protocol_or_name() {
        let svc = obj(serde_json::json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"ports": [{"name": "grpc", "port": 9000}, {"name": "http", "port": 80, "appProtocol": "kubernetes.io/h2c"}, {"name": "grpc-x", "port": 81}]}}));
        let (b, _) = collect(&vec![svc].into(), &opts());
        let got: Vec<_> = b.iter().map(|b| (b.cluster_name.as_str(), b.protocol)).collect();
        assert_eq!(
            got,
            vec![
                ("kube_default_web_80", AppProtocol::Http2),
                ("kube_default_web_81", AppProtocol::Http1),
                ("kube_default_web_9000", AppProtocol::Http2)
            ]
        );
    }

    #[test]
    fn static_backend_and_service_entry_names() {
        let be = obj(serde_json::json!({"apiVersion": "gateway.kgateway.dev/v1alpha1", "kind": "Backend",
            "metadata": {"name": "ext"}, "spec": {"type": "Static", "static": {"hosts": [{"host": "example.com", "port": 8080}]}}}));
        let se = obj(serde_json::json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
            "metadata": {"name": "se", "namespace": "gw"}, "spec": {"hosts": ["a.example", "b.example"],
            "ports": [{"number": 80, "name": "http", "protocol": "HTTP"}], "resolution": "DNS"}}));
        assert_eq!(
            names(vec![be, se]),
            vec!["backend_default_ext_0", "istio-se_gw_se_a.example_80", "istio-se_gw_se_b.example_80"]
        );
    }

    #[test]
    fn global_service_adds_a_synthesized_service_entry() {
        let svc = obj(serde_json::json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "shop", "labels": {"solo.io/service-scope": "global", "app": "web"}},
            "spec": {"ports": [{"name": "http", "port": 80}]}}));
        assert_eq!(names(vec![svc]), vec!["istio-se_shop_autogen.web_web.shop.mesh.internal_80", "kube_shop_web_80"]);
    }

    #[test]
    fn namespace_label_makes_its_services_global() {
        let ns = obj(serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "shop", "labels": {"solo.io/service-scope": "global"}}}));
        let svc = obj(serde_json::json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "shop"}, "spec": {"ports": [{"port": 80}]}}));
        assert_eq!(names(vec![ns, svc]).len(), 2);
    }
}
