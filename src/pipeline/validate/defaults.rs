//! CRD structural defaults, applied after validation and before translating, as the API
//! server does (kgateway translates the stored object). The defaults are read from the
//! embedded schema of the chosen release (`schemas/<release>/*.json`, generated from the CRDs),
//! so they follow the release. A default applies only when its parent object exists.

use serde_json::Value;

use super::schema::{SchemaKind, schema};
use crate::core::release::Release;
use crate::core::value::{at, get, lookup};

/// Fill in every absent (or null) property that has a `default` in `schema`, below `value`.
fn apply(schema: &Value, value: &mut Value) {
    match value {
        Value::Object(map) => {
            let Some(props) = get(schema, "properties").and_then(Value::as_object) else { return };
            for (name, sub) in props {
                let present = lookup(map, name).is_some_and(|v| !v.is_null());
                if !present {
                    let Some(default) = get(sub, "default") else { continue };
                    map.insert(name.clone(), default.clone());
                }
                if let Some(child) = map.get_mut(name) {
                    apply(sub, child);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    apply(item_schema, item);
                }
            }
        }
        _ => {}
    }
}

/// A copy of a whole object with its kind's CRD defaults (for `spec`; `status` is left alone).
#[cfg(test)]
pub fn with_defaults(value: &Value, release: Release, kind: SchemaKind) -> Value {
    let mut value = value.clone();
    if let (Some(spec_schema), Some(spec)) = (at(schema(release, kind), "/properties/spec"), value.get_mut("spec")) {
        apply(spec_schema, spec);
    }
    value
}

/// Whether [`apply`] would fill anything in.
fn needs_defaults(schema: &Value, value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            let Some(props) = get(schema, "properties").and_then(Value::as_object) else { return false };
            props.iter().any(|(name, sub)| match lookup(map, name).filter(|v| !v.is_null()) {
                Some(child) => needs_defaults(sub, child),
                None => get(sub, "default").is_some(),
            })
        }
        Value::Array(items) => get(schema, "items").is_some_and(|s| items.iter().any(|i| needs_defaults(s, i))),
        _ => false,
    }
}

/// A copy of a BackendConfigPolicy spec with the CRD defaults of `release` filled in.
#[cfg(test)]
pub fn bcp_spec_with_defaults(spec: &Value, release: Release) -> Value {
    bcp_spec_defaults(spec, release).unwrap_or_else(|| spec.clone())
}

/// A copy of a BackendConfigPolicy spec with the CRD defaults of `release` filled in, or
/// `None` when no default applies (the spec is used as it is, without a copy).
pub fn bcp_spec_defaults(spec: &Value, release: Release) -> Option<Value> {
    spec_defaults(spec, release, SchemaKind::BackendConfigPolicy)
}

/// A copy of a `kind` spec with the CRD defaults of `release` filled in, or `None` when no
/// default applies.
pub fn spec_defaults(spec: &Value, release: Release, kind: SchemaKind) -> Option<Value> {
    let spec_schema = at(schema(release, kind), "/properties/spec")?;
    if !needs_defaults(spec_schema, spec) {
        return None;
    }
    let mut spec = spec.clone();
    apply(spec_schema, &mut spec);
    Some(spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_fill_only_existing_parents() {
        let spec = json!({"outlierDetection": {"consecutive5xx": 7}, "loadBalancer": {"leastRequest": {}}});
        let d = bcp_spec_with_defaults(&spec, Release::V2_4);
        assert_eq!(
            d["outlierDetection"],
            json!({"consecutive5xx": 7, "interval": "10s", "baseEjectionTime": "30s", "maxEjectionPercent": 10})
        );
        assert_eq!(d["loadBalancer"]["leastRequest"]["choiceCount"], json!(2));
        assert!(d.get("upstreamProxyProtocol").is_none());
        assert!(d["loadBalancer"].get("zoneAware").is_none());
    }

    #[test]
    fn defaults_match_the_crds_of_each_release() {
        let spec = json!({
            "upstreamProxyProtocol": {},
            "tls": {"secretRef": {}},
            "loadBalancer": {"roundRobin": {}, "zoneAware": {"preferLocal": {"force": {}}}},
        });
        let d = bcp_spec_with_defaults(&spec, Release::V2_4);
        assert_eq!(d["upstreamProxyProtocol"]["version"], json!("V1"));
        assert_eq!(d["tls"]["secretRef"]["name"], json!(""));
        assert_eq!(
            d["loadBalancer"]["zoneAware"]["preferLocal"],
            json!({"force": {"minEndpointsInZoneThreshold": 1}, "minEndpointsThreshold": 6, "routingEnabled": 100})
        );
        // 2.1 has no upstreamProxyProtocol nor zoneAware: nothing is invented for them.
        let d = bcp_spec_with_defaults(&spec, Release::V2_1);
        assert_eq!(d["upstreamProxyProtocol"], json!({}));
        assert_eq!(d["loadBalancer"]["zoneAware"], json!({"preferLocal": {"force": {}}}));
        assert_eq!(d["tls"]["secretRef"]["name"], json!(""));
    }

    #[test]
    fn explicit_values_win_and_null_is_defaulted() {
        let spec = json!({"outlierDetection": {"interval": "1s", "consecutive5xx": null}});
        let d = bcp_spec_with_defaults(&spec, Release::MAIN);
        assert_eq!(d["outlierDetection"]["interval"], json!("1s"));
        assert_eq!(d["outlierDetection"]["consecutive5xx"], json!(5));
    }

    #[test]
    fn backend_defaults() {
        let be = json!({"spec": {"type": "AWS", "aws": {"ec2": {}}}});
        let d = with_defaults(&be, Release::V2_4, SchemaKind::Backend);
        assert_eq!(d["spec"]["aws"]["region"], json!("us-east-1"));
    }

    #[test]
    fn a_spec_is_copied_only_when_a_default_applies() {
        let complete = json!({"connectTimeout": "5s", "tcpKeepalive": {"keepAliveProbes": 3}});
        assert_eq!(bcp_spec_defaults(&complete, Release::V2_4), None);
        let partial = json!({"connectTimeout": "5s", "outlierDetection": {"consecutive5xx": 7}});
        let filled = bcp_spec_defaults(&partial, Release::V2_4).expect("outlierDetection has defaults");
        assert_eq!(filled["outlierDetection"]["interval"], json!("10s"));
        assert_eq!(bcp_spec_with_defaults(&partial, Release::V2_4), filled);
        // A nested default (leastRequest.choiceCount).
        let listed = json!({"loadBalancer": {"leastRequest": {}}});
        assert!(bcp_spec_defaults(&listed, Release::V2_4).is_some());
    }
}
