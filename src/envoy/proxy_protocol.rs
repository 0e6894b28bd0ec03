// TEMP placeholder until the envoy branch lands.
use super::Cluster;
use serde_json::Value;
pub fn replace_inner_tls(c: &mut Cluster, s: Value) {
    c.insert("transport_socket".into(), s);
}
