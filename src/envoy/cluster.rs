//! The cluster pipeline for one backend (`irtranslator/backend.go: TranslateBackend`):
//! skeleton, backend init, DNS lookup family, policies, default locality config; or kgateway's
//! blackhole cluster when a policy fails to translate.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::fields::{FieldErrors, apply_merged, apply_spec, set_fields};
use super::http::HTTP_OPTIONS_KEY;
use super::{AppProtocol, Cluster, FieldCtx, Secrets};
use super::{dns, http, lb};
use crate::backends::{Backend, BackendKind, Endpoints, Resolution};
use crate::merge::{self, Merged};
use crate::model::ObjectId;
use crate::profile::{DnsClusterStyle, MergeMode, Profile};

const DNS_CLUSTER_TYPE: &str = "type.googleapis.com/envoy.extensions.clusters.dns.v3.DnsCluster";

/// Settings that apply to every cluster.
pub struct ClusterSettings<'a> {
    pub profile: &'a Profile,
    /// kgateway's `KGW_DNS_LOOKUP_FAMILY`.
    pub dns_lookup_family: &'a str,
}

/// One attached policy, spec already CRD-defaulted, in merge order.
pub struct PolicyInput<'a> {
    /// The policy's index among all attached policies (the key of [`PolicyErrors`]).
    pub index: usize,
    pub id: &'a ObjectId,
    pub spec: &'a Value,
    /// [`merge::set_units`] of the spec.
    pub set_units: u32,
}

/// The errors of translating each policy on its own (kgateway's per-policy IR), computed
/// once per policy rather than once per backend it attaches to.
///
/// Appliers see a backend only through the cluster skeleton, `FieldCtx::protocol` and
/// `FieldCtx::has_backend_tls_policy`. The last two decide whether a field is skipped
/// (HTTP/1 and HTTP/2 options, BCP `tls` yielding to a BackendTLSPolicy), so they are part of
/// the key; the skeleton only shapes what is written, never whether a value is an error
/// (`dns` checks its values before asking whether it applies).
#[derive(Default)]
pub struct PolicyErrors {
    cache: HashMap<(usize, AppProtocol, bool), FieldErrors>,
}

impl PolicyErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// The errors of `policy` applied alone to `skeleton`, computed on first use.
    fn get<'s>(&'s mut self, policy: &PolicyInput, skeleton: &Cluster, ctx: &FieldCtx) -> &'s [(&'static str, String)] {
        self.cache.entry((policy.index, ctx.protocol, ctx.has_backend_tls_policy)).or_insert_with(|| {
            let Some(spec) = policy.spec.as_object() else { return Vec::new() };
            let mut scratch = skeleton.clone();
            apply_spec(&mut scratch, spec, &|_| *ctx)
        })
    }
}

/// A field a policy sets that has no effect on this backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    pub policy: usize,
    pub field: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub policy: usize,
    pub field: &'static str,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Translated {
    /// Empty once printed (see `printed`).
    pub cluster: Cluster,
    /// The cluster as printed, for a render made to be printed (then `cluster` is empty).
    pub printed: Option<crate::output::PrintedCluster>,
    /// Non-empty means the cluster is kgateway's blackhole.
    pub errors: Vec<PolicyError>,
    pub ignored: Vec<Ignored>,
    /// Policies whose `tls` yielded to a BackendTLSPolicy.
    pub tls_overridden: Vec<usize>,
    pub merged: Merged,
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
            let lb_endpoints: Vec<Value> = hosts
                .iter()
                .map(|h| {
                    let mut endpoint =
                        json!({"address": {"socket_address": {"address": h.address, "port_value": h.port}}});
                    if h.hostname {
                        endpoint["hostname"] = json!(h.address);
                        endpoint["health_check_config"] = json!({"hostname": h.address});
                    }
                    let mut lb = json!({"endpoint": endpoint});
                    let legacy = b.kind == BackendKind::ServiceEntry && s.profile.service_entry_legacy_endpoints;
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
            let endpoints = if hosts.is_empty() { vec![] } else { vec![group] };
            let mut cla = json!({"cluster_name": b.cluster_name});
            if !endpoints.is_empty() {
                cla["endpoints"] = json!(endpoints);
            }
            c.insert("load_assignment".into(), cla);
            match (resolution, s.profile.dns_cluster_style) {
                (Resolution::Static, _) => {
                    c.insert("type".into(), json!("STATIC"));
                    if b.kind == BackendKind::ServiceEntry
                        && s.profile.service_entry_legacy_endpoints
                        && s.dns_lookup_family != "AUTO"
                    {
                        c.insert("dns_lookup_family".into(), json!(s.dns_lookup_family));
                    }
                }
                (_, DnsClusterStyle::StrictDns) => {
                    c.insert("type".into(), json!("STRICT_DNS"));
                    // Cluster.DnsLookupFamily's zero value is AUTO, which proto JSON omits.
                    if s.dns_lookup_family != "AUTO" {
                        c.insert("dns_lookup_family".into(), json!(s.dns_lookup_family));
                    }
                }
                (_, DnsClusterStyle::DnsClusterExtension) => {
                    let mut dns = json!({"@type": DNS_CLUSTER_TYPE, "dns_lookup_family": s.dns_lookup_family});
                    if *resolution == Resolution::DnsRoundRobin {
                        dns["all_addresses_in_single_endpoint"] = json!(true);
                    }
                    c.insert("cluster_type".into(), json!({"name": "envoy.clusters.dns", "typed_config": dns}));
                }
            }
        }
    }
    c
}

/// kgateway's blackhole cluster for a backend whose policies failed.
pub fn blackhole(name: &str) -> Cluster {
    let v = json!({"name": name, "metadata": {}, "type": "STATIC", "load_assignment": {"cluster_name": name}});
    v.as_object().cloned().unwrap_or_default()
}

/// Why a field a policy sets has no effect on this backend (kgateway skips it with a log line).
pub fn field_ignored(field: &str, value: &Value, c: &Cluster, protocol: AppProtocol) -> Option<String> {
    match field {
        "http1ProtocolOptions" if http::ignored_for_protocol(field, protocol) => {
            Some("HTTP/1 options are ignored on an HTTP/2 backend".into())
        }
        "http2ProtocolOptions" if http::ignored_for_protocol(field, protocol) => Some(
            "HTTP/2 options apply only to HTTP/2 backends (appProtocol http2, grpc, grpc-web or kubernetes.io/h2c, \
             or a port so named)"
                .into(),
        ),
        "dns" if !dns::dns_applies(c) => {
            Some("dns applies only to DNS clusters (static Backends with hostnames, DNS ServiceEntries)".into())
        }
        "loadBalancer" => {
            let hashing =
                ["ringHash", "maglev"].iter().find_map(|k| value.get(*k)?.get("useHostnameForHashing")?.as_bool());
            (hashing == Some(true) && !lb::use_hostname_allowed(c))
                .then(|| "useHostnameForHashing needs a DNS cluster; kgateway turns it off here".into())
        }
        _ => None,
    }
}

/// `defaultLocalityConfig` (2.4+): EDS clusters without LB policy or locality config get
/// locality-weighted load balancing.
fn default_locality_config(c: &mut Cluster) {
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

/// Translate one backend with its attached policies (in merge order) and, if attached, the
/// BackendTLSPolicy transport socket.
pub fn translate(
    b: &Backend,
    policies: &[PolicyInput],
    backend_tls: Option<&Value>,
    settings: &ClusterSettings,
    secrets: &dyn Secrets,
    policy_errors: &mut PolicyErrors,
) -> Translated {
    let profile = settings.profile;
    let specs: Vec<&Value> = policies.iter().map(|p| p.spec).collect();
    let units: Vec<u32> = policies.iter().map(|p| p.set_units).collect();
    let (merged_spec, merged) = merge::merge_units(&specs, &units, profile.merge);
    let has_btp = backend_tls.is_some();
    let ctx = |policy: usize| FieldCtx {
        profile,
        protocol: b.protocol,
        policy: policies[policy].id,
        secrets,
        has_backend_tls_policy: has_btp,
    };
    let mut cluster = skeleton(b, settings);
    let mut errors = Vec::new();
    let mut ignored = Vec::new();
    let mut tls_overridden = Vec::new();

    // Fields with no effect on this backend, reported per policy that sets them.
    for (pi, p) in policies.iter().enumerate() {
        let Some(spec) = p.spec.as_object() else { continue };
        for (field, _, v) in set_fields(spec) {
            if let Some(reason) = field_ignored(field, v, &cluster, b.protocol) {
                ignored.push(Ignored { policy: pi, field, reason });
            }
            if field == "tls" && has_btp && profile.backend_tls_policy_precedence {
                tls_overridden.push(pi);
            }
        }
    }

    match profile.merge {
        MergeMode::OldestWins => {
            // kgateway translates each policy to IR first: an error in any attached policy
            // fails the backend, even in a field that loses the merge.
            for (pi, p) in policies.iter().enumerate() {
                for (field, message) in policy_errors.get(p, &cluster, &ctx(pi)) {
                    errors.push(PolicyError { policy: pi, field, message: message.clone() });
                }
            }
            if errors.is_empty() {
                let owner = |field: &str| merged.owner(field).unwrap_or(0);
                let result = apply_merged(&mut cluster, &merged_spec, &|field| ctx(owner(field)));
                errors.extend(result.into_iter().map(|(field, message)| PolicyError {
                    policy: owner(field),
                    field,
                    message,
                }));
            }
        }
        MergeMode::ApplyInOrder => {
            for (pi, p) in policies.iter().enumerate() {
                let Some(spec) = p.spec.as_object() else { continue };
                for (field, message) in apply_spec(&mut cluster, spec, &|_| ctx(pi)) {
                    errors.push(PolicyError { policy: pi, field, message });
                }
            }
        }
    }
    if let Some(socket) = backend_tls {
        if profile.backend_tls_policy_precedence {
            super::proxy_protocol::replace_inner_tls(&mut cluster, socket.clone());
        } else {
            // Before 2.4 the plugins ran in Go map order; we render BackendTLSPolicy running
            // last, which replaces the socket (and drops any PROXY wrapper, issue #13918).
            cluster.insert("transport_socket".into(), socket.clone());
        }
    }
    if profile.default_locality_config {
        default_locality_config(&mut cluster);
    }
    if !errors.is_empty() {
        cluster = blackhole(&b.cluster_name);
    }
    Translated { cluster, printed: None, errors, ignored, tls_overridden, merged }
}
