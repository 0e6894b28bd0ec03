//! A cluster printed as soon as it is final: `render` prints each cluster right after
//! translating it and drops its tree, so that thousands of clusters are held as text.

use serde_json::Value;

use crate::core::yaml::{DocFormat, DocWriter};
use crate::pipeline::fields::ctx::Cluster;

/// A cluster as printed.
#[derive(Debug, Clone)]
pub struct PrintedCluster {
    /// Keys sorted; the ConfigMaps hold it and the config hash is taken over it.
    pub yaml: String,
    /// With `--format json`, the document `--output clusters` prints.
    pub json: Option<String>,
}

/// Sort object keys recursively, in place: output never depends on construction order.
pub fn sort_keys(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.sort_keys();
            m.values_mut().for_each(sort_keys);
        }
        Value::Array(a) => a.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

pub fn print_cluster(w: &mut DocWriter, cluster: Cluster, format: DocFormat) -> PrintedCluster {
    let mut v = Value::Object(cluster);
    sort_keys(&mut v);
    let yaml = w.emit(&v, DocFormat::Yaml);
    let json = (format == DocFormat::Json).then(|| w.emit(&v, DocFormat::Json));
    PrintedCluster { yaml, json }
}
