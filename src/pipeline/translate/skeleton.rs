//! A backend's cluster before any policy (`initializeCluster`, `InitEnvoyBackend`,
//! `processDnsLookupFamily`), the locality default applied after policies (2.4+), and
//! kgateway's blackhole cluster.

use serde_json::{Map, Value, json};

use super::kgw;
use crate::core::kind::AppProtocol;
use crate::core::options::{Choice, DnsLookupFamily};
use crate::core::release::{DnsClusterStyle, Profile};
use crate::pipeline::backends::{Backend, BackendKind, Endpoints, InlineHost, Resolution};
use crate::pipeline::fields::HTTP_OPTIONS_KEY;
use crate::pipeline::fields::ctx::{Cluster, Store};

/// Settings that apply to every cluster.
pub struct ClusterSettings<'a> {
    pub profile: &'a Profile,
    /// kgateway's `KGW_DNS_LOOKUP_FAMILY`.
    pub dns_lookup_family: DnsLookupFamily,
    /// kgateway's `KGW_VALIDATION_MODE=STRICT`.
    pub strict_validation: bool,
}

impl ClusterSettings<'_> {
    fn dns(&self) -> kgw::Dns<'_> {
        kgw::Dns { profile: self.profile, family: self.dns_lookup_family }
    }
}

/// `initializeCluster` + `InitEnvoyBackend` + `processDnsLookupFamily`; `Err` (field,
/// message) when kgateway cannot build the backend (a Lambda's Secret is missing).
pub fn skeleton(b: &Backend, s: &ClusterSettings, store: &dyn Store) -> Result<Cluster, (String, String)> {
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
            // Set by the Service plugin (and EC2 Backends), never for ServiceEntries.
            if !matches!(b.kind, BackendKind::ServiceEntry | BackendKind::GlobalService) {
                c.insert("ignore_health_on_host_removal".into(), json!(true));
            }
        }
        Endpoints::Inline { hosts, resolution } => {
            c.insert("load_assignment".into(), load_assignment(b, std::slice::from_ref(hosts), s.profile));
            discovery_type(&mut c, b, *resolution, s);
        }
        Endpoints::Priorities { groups, resolution } => {
            c.insert("load_assignment".into(), load_assignment(b, groups, s.profile));
            discovery_type(&mut c, b, *resolution, s);
        }
        Endpoints::Lambda(l) => kgw::lambda(&mut c, l, &b.namespace, s.dns(), store)?,
        Endpoints::Gcp { host, audience } => kgw::gcp(&mut c, host, audience, s.dns()),
        Endpoints::DynamicForwardProxy { tls } => kgw::dynamic_forward_proxy(&mut c, *tls),
    }
    Ok(c)
}

/// The inline `ClusterLoadAssignment` of a static Backend, of a priority-groups Backend (one
/// locality group per priority) or of a ServiceEntry (one locality group per endpoint
/// locality, sorted as kgateway's goldens print them: kgateway itself iterates a map).
fn load_assignment(b: &Backend, groups: &[Vec<InlineHost>], profile: &Profile) -> Value {
    let se = b.kind == BackendKind::ServiceEntry;
    let mut localities = Vec::new();
    for (priority, hosts) in groups.iter().enumerate() {
        let mut by_locality: Vec<(&[String; 3], Vec<&InlineHost>)> = Vec::new();
        for h in hosts {
            match by_locality.iter_mut().find(|(l, _)| *l == &h.locality) {
                Some((_, hs)) => hs.push(h),
                None => by_locality.push((&h.locality, vec![h])),
            }
        }
        if se {
            by_locality.sort_by(|(la, ha), (lb, hb)| {
                let addresses = |hs: &[&InlineHost]| {
                    let mut a: Vec<String> = hs.iter().map(|h| h.address.clone()).collect();
                    a.sort();
                    a
                };
                la.cmp(lb).then_with(|| addresses(ha).cmp(&addresses(hb)))
            });
        }
        for (locality, hosts) in by_locality {
            localities.push(locality_group(hosts, locality, priority, se, profile));
        }
    }
    let mut cla = json!({"cluster_name": b.cluster_name});
    if !localities.is_empty() {
        cla["endpoints"] = json!(localities);
    }
    cla
}

/// One `LocalityLbEndpoints`: its endpoints, their locality and priority, and for a
/// ServiceEntry the group's weight (the endpoints' weights summed).
fn locality_group(
    hosts: Vec<&InlineHost>,
    locality: &[String; 3],
    priority: usize,
    se: bool,
    profile: &Profile,
) -> Value {
    let mut total = 0u64;
    let lb_endpoints: Vec<Value> = hosts
        .iter()
        .map(|h| {
            let mut endpoint = json!({"address": {"socket_address": {"address": h.address, "port_value": h.port}}});
            if h.hostname {
                endpoint["hostname"] = json!(h.address);
                endpoint["health_check_config"] = json!({"hostname": h.address});
            }
            let mut lb = json!({"endpoint": endpoint});
            // ServiceEntry endpoints weigh 1 unless they say otherwise (main leaves it unset).
            let weight = h.weight.or((se && profile.service_entry_endpoint_weights).then_some(1));
            if let Some(w) = weight {
                lb["load_balancing_weight"] = json!(w);
            }
            total += u64::from(weight.unwrap_or(1));
            lb
        })
        .collect();
    let mut group = json!({"lb_endpoints": lb_endpoints});
    let [region, zone, sub_zone] = locality;
    if !(region.is_empty() && zone.is_empty() && sub_zone.is_empty()) {
        let mut l = serde_json::Map::new();
        for (k, v) in [("region", region), ("zone", zone), ("sub_zone", sub_zone)] {
            if !v.is_empty() {
                l.insert(k.into(), json!(v));
            }
        }
        group["locality"] = Value::Object(l);
    }
    if se && total > 0 {
        group["load_balancing_weight"] = json!(total);
    }
    if priority > 0 {
        group["priority"] = json!(priority);
    }
    group
}

/// The cluster type of inline endpoints: STATIC, STRICT_DNS (2.1, 2.2) or the DNS cluster
/// extension (2.3+), with the DNS lookup family where kgateway sets it.
fn discovery_type(c: &mut Cluster, b: &Backend, resolution: Resolution, s: &ClusterSettings) {
    let family = s.dns_lookup_family;
    match resolution {
        Resolution::Static => {
            c.insert("type".into(), json!("STATIC"));
            // 2.1 and 2.2 set the family on every STATIC or DNS cluster of a Backend or
            // ServiceEntry.
            let legacy = matches!(b.kind, BackendKind::ServiceEntry | BackendKind::KgwBackend)
                && s.profile.dns_cluster_style == DnsClusterStyle::StrictDns;
            if legacy && family != DnsLookupFamily::Auto {
                c.insert("dns_lookup_family".into(), json!(family.name()));
            }
        }
        Resolution::Dns => kgw::dns(c, false, "STRICT_DNS", s.dns()),
        Resolution::DnsRoundRobin => kgw::dns(c, true, "LOGICAL_DNS", s.dns()),
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
