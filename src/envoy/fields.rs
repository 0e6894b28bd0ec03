// TEMP placeholder until the envoy branch lands.
use super::{Cluster, FieldCtx};
use serde_json::Value;
pub type Applier = fn(&mut Cluster, &Value, &FieldCtx) -> Result<(), String>;
pub const FIELDS: &[(&str, Applier)] = &[];
