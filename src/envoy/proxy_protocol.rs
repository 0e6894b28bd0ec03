// TEMP placeholder until the envoy branch lands.
use serde_json::Value;
use super::Cluster;
pub fn replace_inner_tls(c: &mut Cluster, s: Value) { c.insert("transport_socket".into(), s); }
