//! A synthetic monorepo for benchmarks and scale tests (issue #7).
//!
//! `generate(n)` gives `n` namespaces, each a directory `ns-NNNN/` with
//!
//! * `services.yaml`: 10 Services of 2 ports (`http`, `grpc`), labelled `app`, `tier` and `team`;
//! * `deployments.yaml`: 20 Deployments (a `-v1` and a `-v2` per Service);
//! * `policies.yaml`: 5 BackendConfigPolicies mixing `targetRefs` and `targetSelectors`, whose
//!   fields overlap (several policies set `connectTimeout` on the same Service, so merging and
//!   the "also set by" warnings are exercised);
//!
//! plus `kgateway-system/policies.yaml`: `n / 5` global policies selecting Services by their
//! `team` label across every namespace. At 1,000 namespaces that is about 12 MB: 10,000
//! Services (20,000 clusters), 20,000 Deployments and 5,200 policies.
//!
//! The output is deterministic: the same `n` always gives the same files.

use std::fmt::Write;

/// The global policy namespace of the generated repository (pass it as
/// `--global-policy-namespace`).
pub const GLOBAL_NAMESPACE: &str = "kgateway-system";

pub const SERVICES_PER_NAMESPACE: usize = 10;
pub const DEPLOYMENTS_PER_SERVICE: usize = 2;
pub const POLICIES_PER_NAMESPACE: usize = 5;

/// Number of teams: Services of namespace `i` belong to team `i % teams(n)`; one global
/// policy per team.
pub fn teams(namespaces: usize) -> usize {
    (namespaces / 5).max(1)
}

const APPS: [&str; SERVICES_PER_NAMESPACE] =
    ["cart", "catalog", "checkout", "payments", "search", "profile", "reviews", "shipping", "ads", "auth"];

fn namespace_name(i: usize) -> String {
    format!("ns-{i:04}")
}

fn services(ns: &str, team: usize) -> String {
    let mut out = String::new();
    for (i, app) in APPS.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        let tier = if i % 2 == 0 { "backend" } else { "frontend" };
        let _ = write!(
            out,
            "apiVersion: v1
kind: Service
metadata:
  name: {app}
  namespace: {ns}
  labels:
    app: {app}
    tier: {tier}
    team: team-{team}
spec:
  selector:
    app: {app}
  ports:
    - name: http
      port: 80
      targetPort: 8080
    - name: grpc
      port: 9090
      targetPort: 9090
      appProtocol: grpc
"
        );
    }
    out
}

fn deployments(ns: &str) -> String {
    let mut out = String::new();
    for (i, app) in APPS.iter().enumerate() {
        for v in 1..=DEPLOYMENTS_PER_SERVICE {
            if i > 0 || v > 1 {
                out.push_str("---\n");
            }
            let _ = write!(
                out,
                "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}-v{v}
  namespace: {ns}
  labels:
    app: {app}
    version: v{v}
spec:
  selector:
    matchLabels:
      app: {app}
      version: v{v}
  template:
    metadata:
      labels:
        app: {app}
        version: v{v}
    spec:
      containers:
        - name: {app}
          image: registry.example.com/{app}:1.{i}.{v}
"
            );
        }
    }
    out
}

/// A namespace's five policies; `{ns}` is its name.
const POLICIES: &str = "apiVersion: gateway.kgateway.dev/v1alpha1
kind: BackendConfigPolicy
metadata:
  name: backend-tier
  namespace: {ns}
spec:
  targetSelectors:
    - group: \"\"
      kind: Service
      matchLabels:
        tier: backend
  connectTimeout: 3s
  commonHttpProtocolOptions:
    maxHeadersCount: 64
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: BackendConfigPolicy
metadata:
  name: cart-checkout
  namespace: {ns}
spec:
  targetRefs:
    - group: \"\"
      kind: Service
      name: cart
    - group: \"\"
      kind: Service
      name: checkout
  connectTimeout: 1s
  perConnectionBufferLimitBytes: 32768
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: BackendConfigPolicy
metadata:
  name: frontend-keepalive
  namespace: {ns}
spec:
  targetSelectors:
    - group: \"\"
      kind: Service
      matchLabels:
        tier: frontend
  tcpKeepalive:
    keepAliveProbes: 3
    keepAliveTime: 60s
    keepAliveInterval: 10s
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: BackendConfigPolicy
metadata:
  name: payments
  namespace: {ns}
spec:
  targetRefs:
    - group: \"\"
      kind: Service
      name: payments
  connectTimeout: 2s
  commonHttpProtocolOptions:
    idleTimeout: 30s
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: BackendConfigPolicy
metadata:
  name: search-auth
  namespace: {ns}
spec:
  targetRefs:
    - group: \"\"
      kind: Service
      name: search
  targetSelectors:
    - group: \"\"
      kind: Service
      matchLabels:
        app: auth
  perConnectionBufferLimitBytes: 65536
";

fn policies(ns: &str) -> String {
    POLICIES.replace("{ns}", ns)
}

fn global_policies(teams: usize) -> String {
    let mut out = String::new();
    for t in 0..teams {
        if t > 0 {
            out.push_str("---\n");
        }
        let _ = write!(
            out,
            "apiVersion: gateway.kgateway.dev/v1alpha1
kind: BackendConfigPolicy
metadata:
  name: team-{t}
  namespace: {GLOBAL_NAMESPACE}
spec:
  targetSelectors:
    - group: \"\"
      kind: Service
      matchLabels:
        team: team-{t}
  connectTimeout: 5s
  commonHttpProtocolOptions:
    idleTimeout: 1h
"
        );
    }
    out
}

/// The repository: `(path relative to the root, YAML text)`, in path order.
pub fn generate(namespaces: usize) -> Vec<(String, String)> {
    let teams = teams(namespaces);
    let mut files = vec![(format!("{GLOBAL_NAMESPACE}/policies.yaml"), global_policies(teams))];
    for i in 0..namespaces {
        let ns = namespace_name(i);
        let team = i % teams;
        files.push((format!("{ns}/deployments.yaml"), deployments(&ns)));
        files.push((format!("{ns}/policies.yaml"), policies(&ns)));
        files.push((format!("{ns}/services.yaml"), services(&ns, team)));
    }
    files.sort();
    files
}

/// Write the repository under `dir` (created if missing).
pub fn write(dir: &std::path::Path, namespaces: usize) -> std::io::Result<()> {
    for (path, text) in generate(namespaces) {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, text)?;
    }
    Ok(())
}
