//! Envoy cluster translation, mirroring kgateway's order of operations.
//!
//! A cluster is built as a `serde_json::Map` with Envoy's proto field names in snake_case
//! (`connect_timeout`), `Any` values as `{"@type": "type.googleapis.com/<msg>", ...}`,
//! durations as canonical proto JSON strings (`"5s"`, `"1.500s"`), 64-bit integers as strings
//! and enums by name. Output sorts keys, so insertion order does not matter.
//!
//! Each BackendConfigPolicy top-level field has one applier in a module of its own:
//! `fn apply(cluster: &mut Cluster, value: &Value, ctx: &FieldCtx) -> Result<(), String>`.
//! The error string is kgateway's message for a policy that fails to translate.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::model::ObjectId;
use crate::profile::Profile;

pub type Cluster = Map<String, Value>;

/// What the backend looks like to the appliers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppProtocol {
    Http1,
    Http2,
    WebSocket,
}

/// Decoded Secret data (`data` base64-decoded, `stringData` as is), looked up by namespace/name.
pub trait Secrets {
    fn get(&self, namespace: &str, name: &str) -> Option<&BTreeMap<String, String>>;
}

/// Everything an applier may need besides the cluster and its own field value.
#[derive(Clone, Copy)]
pub struct FieldCtx<'a> {
    pub profile: &'a Profile,
    pub protocol: AppProtocol,
    /// The policy that provided this field (runtime keys, Secret namespace, messages).
    pub policy: &'a ObjectId,
    pub secrets: &'a dyn Secrets,
    /// A BackendTLSPolicy is attached to this backend (BCP `tls` then yields, 2.4+).
    pub has_backend_tls_policy: bool,
}

pub mod backend_tls;
pub mod circuit;
pub mod cluster;
pub mod connection;
pub mod dns;
pub mod duration;
pub mod fields;
pub mod health;
pub mod http;
pub mod lb;
pub mod outlier;
pub mod pem;
pub mod proxy_protocol;
#[cfg(test)]
pub mod testutil;
pub mod tls;
pub mod value;
