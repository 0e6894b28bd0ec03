//! Validation of the input before anything is rendered: what the API server would reject.
//!
//! Each finding names the object (by index) and a JSON pointer to the field, so the caller
//! can turn it into `file:line:col`.

use serde_json::Value;

use crate::diag::Diagnostic;
use crate::model::{KGATEWAY_GROUP, Object};
use crate::options::Options;

pub mod rules;

/// (object index, JSON pointer of the field, diagnostic without location)
pub type Finding = (usize, String, Diagnostic);

pub fn validate(objects: &[Object], opts: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        if obj.id.group == KGATEWAY_GROUP && obj.id.kind == "BackendConfigPolicy" {
            let spec = obj.spec().cloned().unwrap_or(Value::Null);
            for (pointer, d) in rules::backend_config_policy(&spec, opts.release) {
                out.push((
                    i,
                    format!("/spec{pointer}"),
                    d.object(obj.id.display()).field(crate::render::pointer_to_field(&format!("/spec{pointer}"))),
                ));
            }
        }
    }
    out
}
