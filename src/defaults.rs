//! CRD structural defaults, applied before translating as the API server does (kgateway
//! translates the stored object). A default applies only when its parent object exists.

use serde_json::{Value, json};

/// (parent pointer below `spec`, field, default) from the BackendConfigPolicy CRD.
const BCP_DEFAULTS: &[(&str, &str, fn() -> Value)] = &[
    ("/outlierDetection", "consecutive5xx", || json!(5)),
    ("/outlierDetection", "interval", || json!("10s")),
    ("/outlierDetection", "baseEjectionTime", || json!("30s")),
    ("/outlierDetection", "maxEjectionPercent", || json!(10)),
    ("/loadBalancer/leastRequest", "choiceCount", || json!(2)),
    ("/loadBalancer/zoneAware/preferLocal", "minEndpointsThreshold", || json!(6)),
    ("/loadBalancer/zoneAware/preferLocal", "routingEnabled", || json!(100)),
    ("/loadBalancer/zoneAware/preferLocal/force", "minEndpointsInZoneThreshold", || json!(1)),
    ("/upstreamProxyProtocol", "version", || json!("V1")),
    ("/tls/secretRef", "name", || json!("")),
];

/// A copy of a BackendConfigPolicy spec with the CRD defaults filled in.
pub fn bcp_spec_with_defaults(spec: &Value) -> Value {
    let mut spec = spec.clone();
    for (parent, field, default) in BCP_DEFAULTS {
        if let Some(Value::Object(obj)) = spec.pointer_mut(parent) {
            obj.entry(field.to_string()).or_insert_with(default);
        }
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_only_existing_parents() {
        let spec = json!({"outlierDetection": {"consecutive5xx": 7}, "loadBalancer": {"leastRequest": {}}});
        let d = bcp_spec_with_defaults(&spec);
        assert_eq!(
            d["outlierDetection"],
            json!({"consecutive5xx": 7, "interval": "10s", "baseEjectionTime": "30s", "maxEjectionPercent": 10})
        );
        assert_eq!(d["loadBalancer"]["leastRequest"]["choiceCount"], json!(2));
        assert!(d.get("upstreamProxyProtocol").is_none());
    }
}
