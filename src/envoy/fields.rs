// TEMP placeholder until the envoy branch lands.
use serde_json::Value;
use super::{Cluster, FieldCtx};
pub type Applier = fn(&mut Cluster, &Value, &FieldCtx) -> Result<(), String>;
pub const FIELDS: &[(&str, Applier)] = &[];
