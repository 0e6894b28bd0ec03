//! Circuit breakers (§6.6).

use serde_json::{Value, json};

use super::ctx::{Cluster, FieldCtx};
use super::value::{Obj, obj, opt_bool, opt_u32, put, put_true};

pub fn apply(cluster: &mut Cluster, v: &Value, _ctx: &FieldCtx) -> Result<(), String> {
    const P: &str = "circuitBreakers";
    let m = obj(v, P)?;
    let mut th = Obj::new();
    put(&mut th, "max_connections", opt_u32(m, "maxConnections", P)?);
    put(&mut th, "max_pending_requests", opt_u32(m, "maxPendingRequests", P)?);
    put(&mut th, "max_requests", opt_u32(m, "maxRequests", P)?);
    put(&mut th, "max_retries", opt_u32(m, "maxRetries", P)?);
    put_true(&mut th, "track_remaining", opt_bool(m, "trackRemaining", P)?);
    // PGV `Validate()` has nothing that can fail for these fields (no priority, no budget).
    cluster.insert("circuit_breakers".into(), json!({"thresholds": [th]}));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::fields::testutil::{TestCtx, eds_cluster};

    #[test]
    fn matches_circuitbreaker_goldens() {
        let t = TestCtx::default();
        let mut c = eds_cluster("kube_default_httpbin_8080");
        apply(
            &mut c,
            &json!({"maxConnections": 1000, "maxPendingRequests": 500, "maxRequests": 2000, "maxRetries": 10}),
            &t.ctx(),
        )
        .unwrap();
        assert_eq!(
            c["circuit_breakers"],
            json!({"thresholds": [{"max_connections": 1000, "max_pending_requests": 500, "max_requests": 2000, "max_retries": 10}]})
        );
        apply(&mut c, &json!({"maxConnections": 100}), &t.ctx()).unwrap();
        assert_eq!(c["circuit_breakers"], json!({"thresholds": [{"max_connections": 100}]}));
        apply(&mut c, &json!({"maxConnections": 100, "trackRemaining": true}), &t.ctx()).unwrap();
        assert_eq!(c["circuit_breakers"], json!({"thresholds": [{"max_connections": 100, "track_remaining": true}]}));
        apply(&mut c, &json!({"maxRetries": 0, "trackRemaining": false}), &t.ctx()).unwrap();
        assert_eq!(c["circuit_breakers"], json!({"thresholds": [{"max_retries": 0}]}));
        assert!(
            apply(&mut c, &json!({"maxRetries": -1}), &t.ctx()).unwrap_err().contains("circuitBreakers.maxRetries")
        );
    }
}
