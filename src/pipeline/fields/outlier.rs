//! Outlier detection (§6.5).

use serde_json::{Value, json};

use super::ctx::{Cluster, FieldCtx};
use super::value::{Obj, obj, opt_bool, opt_proto_duration, opt_u32, put, put_true};

pub fn apply(cluster: &mut Cluster, v: &Value, _ctx: &FieldCtx) -> Result<(), String> {
    const P: &str = "outlierDetection";
    let m = obj(v, P)?;
    let mut od = Obj::new();
    // CRD defaults, repeated here in case the caller did not apply them.
    od.insert("consecutive_5xx".into(), json!(opt_u32(m, "consecutive5xx", P)?.unwrap_or(5)));
    put(&mut od, "enforcing_consecutive_5xx", opt_u32(m, "enforcingConsecutive5xx", P)?);
    put_true(&mut od, "split_external_local_origin_errors", opt_bool(m, "splitExternalLocalOriginErrors", P)?);
    put(&mut od, "consecutive_local_origin_failure", opt_u32(m, "consecutiveLocalOriginFailure", P)?);
    put(
        &mut od,
        "enforcing_consecutive_local_origin_failure",
        opt_u32(m, "enforcingConsecutiveLocalOriginFailure", P)?,
    );
    od.insert("interval".into(), opt_proto_duration(m, "interval", P)?.unwrap_or_else(|| json!("10s")));
    od.insert(
        "base_ejection_time".into(),
        opt_proto_duration(m, "baseEjectionTime", P)?.unwrap_or_else(|| json!("30s")),
    );
    od.insert("max_ejection_percent".into(), json!(opt_u32(m, "maxEjectionPercent", P)?.unwrap_or(10)));
    cluster.insert("outlier_detection".into(), Value::Object(od));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::fields::testutil::{TestCtx, eds_cluster};

    #[test]
    fn matches_outlierdetection_golden() {
        let t = TestCtx::default();
        let mut c = eds_cluster("kube_default_httpbin_8080");
        apply(
            &mut c,
            &json!({"interval": "2s", "consecutive5xx": 1, "baseEjectionTime": "4h", "maxEjectionPercent": 55}),
            &t.ctx(),
        )
        .unwrap();
        assert_eq!(
            c["outlier_detection"],
            json!({"base_ejection_time": "14400s", "consecutive_5xx": 1, "interval": "2s", "max_ejection_percent": 55})
        );
        let mut c = eds_cluster("kube_default_httpbin-grpc_8080");
        apply(
            &mut c,
            &json!({"maxEjectionPercent": 95, "splitExternalLocalOriginErrors": true, "consecutiveLocalOriginFailure": 10,
                "enforcingConsecutiveLocalOriginFailure": 100, "enforcingConsecutive5xx": 0}),
            &t.ctx(),
        )
        .unwrap();
        assert_eq!(
            c["outlier_detection"],
            json!({"base_ejection_time": "30s", "consecutive_5xx": 5, "consecutive_local_origin_failure": 10,
                "enforcing_consecutive_5xx": 0, "enforcing_consecutive_local_origin_failure": 100, "interval": "10s",
                "max_ejection_percent": 95, "split_external_local_origin_errors": true})
        );
    }

    #[test]
    fn defaults_when_empty() {
        let t = TestCtx::default();
        let mut c = eds_cluster("c");
        apply(&mut c, &json!({}), &t.ctx()).unwrap();
        assert_eq!(
            c["outlier_detection"],
            json!({"base_ejection_time": "30s", "consecutive_5xx": 5, "interval": "10s", "max_ejection_percent": 10})
        );
        assert!(apply(&mut c, &json!({"interval": 2}), &t.ctx()).unwrap_err().contains("outlierDetection.interval"));
    }
}
