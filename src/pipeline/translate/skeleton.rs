//! A backend's cluster before any policy (`initializeCluster`, `InitEnvoyBackend`,
//! `processDnsLookupFamily`), the locality default applied after policies (2.4+), and
//! kgateway's blackhole cluster.

use serde_json::{Map, Value, json};

use crate::core::kind::AppProtocol;
use crate::core::options::{Choice, DnsLookupFamily};
use crate::core::release::{DnsClusterStyle, Profile};
use crate::pipeline::backends::{Backend, BackendKind, Endpoints, InlineHost, Resolution};
use crate::pipeline::fields::HTTP_OPTIONS_KEY;
use crate::pipeline::fields::ctx::Cluster;

const DNS_CLUSTER_TYPE: &str = "type.googleapis.com/envoy.extensions.clusters.dns.v3.DnsCluster";

/// Settings that apply to every cluster.
pub struct ClusterSettings<'a> {
    pub profile: &'a Profile,
    /// kgateway's `KGW_DNS_LOOKUP_FAMILY`.
    pub dns_lookup_family: DnsLookupFamily,
}

/// `initializeCluster` + `InitEnvoyBackend` + `processDnsLookupFamily`.
pub fn skeleton(b: &Backend, s: &ClusterSettings) -> Cluster {
    let mut c = Map::new();
    c.insert("name".into(), json!(b.cluster_name));
    c.insert("connect_timeout".into(), json!("5s"));
    if s.profile.empty_metadata {
        c.insert("metadata".into(), json!({}));
    }
    if b.protocol == AppProtocol::Http2 {
        c.insert(
            "typed_extension_protocol_options".into(),
            json!({HTTP_OPTIONS_KEY: {
                "@type": format!("type.googleapis.com/{HTTP_OPTIONS_KEY}"),
                "explicit_http_config": {"http2_protocol_options": {}}
            }}),
        );
    }
    if b.locality_aware {
        c.insert("common_lb_config".into(), json!({"locality_weighted_lb_config": {}}));
    }
    match &b.endpoints {
        Endpoints::Eds => {
            c.insert("type".into(), json!("EDS"));
            c.insert("eds_cluster_config".into(), json!({"eds_config": {"ads": {}, "resource_api_version": "V3"}}));
            c.insert("ignore_health_on_host_removal".into(), json!(true));
        }
        Endpoints::Inline { hosts, resolution } => {
            c.insert("load_assignment".into(), load_assignment(b, hosts, s.profile));
            discovery_type(&mut c, b, *resolution, s);
        }
    }
    c
}

/// The inline `ClusterLoadAssignment` of a static Backend or ServiceEntry.
fn load_assignment(b: &Backend, hosts: &[InlineHost], profile: &Profile) -> Value {
    let legacy = b.kind == BackendKind::ServiceEntry && profile.service_entry_legacy_endpoints;
    let lb_endpoints: Vec<Value> = hosts
        .iter()
        .map(|h| {
            let mut endpoint = json!({"address": {"socket_address": {"address": h.address, "port_value": h.port}}});
            if h.hostname {
                endpoint["hostname"] = json!(h.address);
                endpoint["health_check_config"] = json!({"hostname": h.address});
            }
            let mut lb = json!({"endpoint": endpoint});
            if let Some(w) = h.weight.or(legacy.then_some(1)) {
                lb["load_balancing_weight"] = json!(w);
            }
            lb
        })
        .collect();
    let mut group = json!({"lb_endpoints": lb_endpoints});
    // ServiceEntry endpoints come as one locality group of weight 1 (golden
    // backendconfigpolicy-alias); static Backends set no weight.
    if b.kind == BackendKind::ServiceEntry {
        group["load_balancing_weight"] = json!(1);
    }
    let mut cla = json!({"cluster_name": b.cluster_name});
    if !hosts.is_empty() {
        cla["endpoints"] = json!([group]);
    }
    cla
}

/// The cluster type of inline endpoints: STATIC, STRICT_DNS (2.1, 2.2) or the DNS cluster
/// extension (2.3+), with the DNS lookup family where kgateway sets it.
fn discovery_type(c: &mut Cluster, b: &Backend, resolution: Resolution, s: &ClusterSettings) {
    let family = s.dns_lookup_family;
    match (resolution, s.profile.dns_cluster_style) {
        (Resolution::Static, _) => {
            c.insert("type".into(), json!("STATIC"));
            if b.kind == BackendKind::ServiceEntry
                && s.profile.service_entry_legacy_endpoints
                && family != DnsLookupFamily::Auto
            {
                c.insert("dns_lookup_family".into(), json!(family.name()));
            }
        }
        (_, DnsClusterStyle::StrictDns) => {
            c.insert("type".into(), json!("STRICT_DNS"));
            // Cluster.DnsLookupFamily's zero value is AUTO, which proto JSON omits.
            if family != DnsLookupFamily::Auto {
                c.insert("dns_lookup_family".into(), json!(family.name()));
            }
        }
        (_, DnsClusterStyle::DnsClusterExtension) => {
            let mut dns = json!({"@type": DNS_CLUSTER_TYPE, "dns_lookup_family": family.name()});
            if resolution == Resolution::DnsRoundRobin {
                dns["all_addresses_in_single_endpoint"] = json!(true);
            }
            c.insert("cluster_type".into(), json!({"name": "envoy.clusters.dns", "typed_config": dns}));
        }
    }
}

/// kgateway's blackhole cluster for a backend whose policies failed.
pub fn blackhole(name: &str) -> Cluster {
    let v = json!({"name": name, "metadata": {}, "type": "STATIC", "load_assignment": {"cluster_name": name}});
    v.as_object().cloned().unwrap_or_default()
}

/// `defaultLocalityConfig` (2.4+): EDS clusters without LB policy or locality config get
/// locality-weighted load balancing.
pub fn default_locality_config(c: &mut Cluster) {
    if c.get("type").and_then(Value::as_str) != Some("EDS") || c.contains_key("load_balancing_policy") {
        return;
    }
    let common = c.entry("common_lb_config").or_insert_with(|| json!({}));
    if let Some(obj) = common.as_object_mut()
        && !obj.contains_key("locality_weighted_lb_config")
        && !obj.contains_key("zone_aware_lb_config")
    {
        obj.insert("locality_weighted_lb_config".into(), json!({}));
    }
}
