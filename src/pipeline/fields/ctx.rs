//! What a field's translator works on: the cluster being built, and everything else it may
//! need besides its own value.
//!
//! A cluster is a `serde_json::Map` with Envoy's proto field names in snake_case
//! (`connect_timeout`), `Any` values as `{"@type": "type.googleapis.com/<msg>", ...}`,
//! durations as canonical proto JSON strings (`"5s"`, `"1.500s"`), 64-bit integers as strings
//! and enums by name. Output sorts keys, so insertion order does not matter.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::core::kind::AppProtocol;
use crate::core::object::ObjectId;
use crate::core::release::Profile;

pub type Cluster = Map<String, Value>;

/// Decoded Secret data (`data` base64-decoded, `stringData` as is) and ConfigMap data, looked
/// up by namespace/name.
pub trait Store {
    fn secret(&self, namespace: &str, name: &str) -> Option<&BTreeMap<String, String>>;
    fn config_map(&self, namespace: &str, name: &str) -> Option<&BTreeMap<String, String>>;
}

/// Everything a translator may need besides the cluster and its own field value.
#[derive(Clone, Copy)]
pub struct FieldCtx<'a> {
    pub profile: &'a Profile,
    pub protocol: AppProtocol,
    /// The policy that provided this field (runtime keys, Secret namespace, messages).
    pub policy: &'a ObjectId,
    pub store: &'a dyn Store,
    /// A BackendTLSPolicy is attached to this backend (BCP `tls` then yields, 2.4+).
    pub has_backend_tls_policy: bool,
}

/// A field's translator: set what the value means on the cluster. The error is kgateway's
/// message for a policy that fails to translate.
pub type Translate = fn(&mut Cluster, &Value, &FieldCtx) -> Result<(), String>;
