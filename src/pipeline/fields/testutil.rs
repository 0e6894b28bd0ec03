//! Test helpers: a context builder, an in-memory Secret store and cluster skeletons.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::ctx::{Cluster, FieldCtx, Store};
use crate::core::kind::AppProtocol;
use crate::core::object::ObjectId;
use crate::core::release::{Profile, Release};

#[derive(Default)]
pub struct MapSecrets(pub BTreeMap<(String, String), BTreeMap<String, String>>);

impl MapSecrets {
    pub fn with(mut self, ns: &str, name: &str, data: &[(&str, &str)]) -> Self {
        let d = data.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.0.insert((ns.to_string(), name.to_string()), d);
        self
    }
}

impl Store for MapSecrets {
    fn secret(&self, namespace: &str, name: &str) -> Option<&BTreeMap<String, String>> {
        self.0.get(&(namespace.to_string(), name.to_string()))
    }

    fn config_map(&self, _: &str, _: &str) -> Option<&BTreeMap<String, String>> {
        None
    }
}

pub struct TestCtx {
    pub profile: &'static Profile,
    pub protocol: AppProtocol,
    pub policy: ObjectId,
    pub secrets: MapSecrets,
    pub has_btp: bool,
}

impl Default for TestCtx {
    fn default() -> Self {
        TestCtx {
            profile: Release::V2_4.profile(),
            protocol: AppProtocol::Http1,
            policy: ObjectId {
                group: "gateway.kgateway.dev".into(),
                kind: "BackendConfigPolicy".into(),
                namespace: "default".into(),
                name: "httpbin-policy".into(),
            },
            secrets: MapSecrets::default(),
            has_btp: false,
        }
    }
}

impl TestCtx {
    pub fn release(mut self, r: Release) -> Self {
        self.profile = r.profile();
        self
    }
    pub fn protocol(mut self, p: AppProtocol) -> Self {
        self.protocol = p;
        self
    }
    pub fn policy_name(mut self, name: &str) -> Self {
        self.policy.name = name.into();
        self
    }
    pub fn secrets(mut self, s: MapSecrets) -> Self {
        self.secrets = s;
        self
    }
    pub fn btp(mut self, has: bool) -> Self {
        self.has_btp = has;
        self
    }
    pub fn ctx(&self) -> FieldCtx<'_> {
        FieldCtx {
            profile: self.profile,
            protocol: self.protocol,
            policy: &self.policy,
            store: &self.secrets,
            has_backend_tls_policy: self.has_btp,
        }
    }
}

fn to_cluster(v: Value) -> Cluster {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// A Kubernetes Service cluster as kgateway's skeleton builds it (before policies).
pub fn eds_cluster(name: &str) -> Cluster {
    to_cluster(json!({
        "name": name,
        "type": "EDS",
        "connect_timeout": "5s",
        "eds_cluster_config": {"eds_config": {"ads": {}, "resource_api_version": "V3"}},
        "ignore_health_on_host_removal": true,
    }))
}

/// A static Backend with a DNS host (2.3+ style).
pub fn dns_cluster(name: &str, host: &str, port: u32) -> Cluster {
    to_cluster(json!({
        "name": name,
        "cluster_type": {
            "name": "envoy.clusters.dns",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.clusters.dns.v3.DnsCluster",
                "dns_lookup_family": "V4_PREFERRED",
            },
        },
        "connect_timeout": "5s",
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [{"lb_endpoints": [{"endpoint": {
                "address": {"socket_address": {"address": host, "port_value": port}},
                "health_check_config": {"hostname": host},
                "hostname": host,
            }}]}],
        },
    }))
}

/// Parse expected output written as JSON.
pub fn cluster(v: Value) -> Cluster {
    to_cluster(v)
}
