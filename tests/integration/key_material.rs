//! Key material pasted into certificate or CA data never reaches bcp-render's own output:
//! clusters (YAML and JSON), the cluster ConfigMaps, and `explain`.

use crate::util::*;

const KEY_BODY: &str =
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC2xPi+xL+5M9e6uJb4B9f9Ds2z1Mqeq2OmEaPAwg1BOaRpg9pZ5X9jaj";

fn key_block() -> String {
    format!("-----BEGIN PRIVATE KEY-----\n{KEY_BODY}\n-----END PRIVATE KEY-----\n")
}

/// Every 20-character window of the key body that `text` contains.
fn leaked(text: &str) -> Vec<&'static str> {
    (0..=KEY_BODY.len() - 20).map(|i| &KEY_BODY[i..i + 20]).filter(|w| text.contains(w)).collect()
}

fn repo_with_pasted_keys() -> tempfile::TempDir {
    let ca = std::fs::read_to_string(fixture("fields/backend-tls-policy").join("resources.yaml")).unwrap();
    let cert = ca.split("ca.crt: |\n").nth(1).unwrap().split("\n---\n").next().unwrap();
    let cert: String = cert.lines().map(|l| l.trim().to_string() + "\n").collect();
    let bundle = format!("{cert}{}", key_block());
    // A Secret whose ca.crt holds the key too, and a policy with the pair pasted as rootCA.
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: pasted, namespace: keys}}\nstringData:\n  ca.crt: {:?}\n",
        bundle
    );
    let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: keys}\nspec:\n  ports: [{name: https, port: 443}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: keys}\nspec:\n  ports: [{name: https, port: 443}]\n";
    let policies = format!(
        "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: BackendConfigPolicy\nmetadata: {{name: a, namespace: keys}}\nspec:\n  targetRefs: [{{group: \"\", kind: Service, name: a}}]\n  tls:\n    simpleTLS: true\n    secretRef: {{name: pasted}}\n---\napiVersion: gateway.kgateway.dev/v1alpha1\nkind: BackendConfigPolicy\nmetadata: {{name: b, namespace: keys}}\nspec:\n  targetRefs: [{{group: \"\", kind: Service, name: b}}]\n  tls:\n    files:\n      rootCA: {:?}\n",
        bundle
    );
    repo(&[("secret.yaml", &secret), ("svc.yaml", svc), ("policies.yaml", &policies)])
}

#[test]
fn a_pasted_private_key_is_redacted_in_every_output() {
    let dir = repo_with_pasted_keys();
    let run = |args: &[&str]| {
        let mut c = command(dir.path());
        c.args(args).arg(".");
        run_with(c, None)
    };
    for args in [
        &["render", "--output", "clusters"][..],
        &["render", "--output", "clusters", "--format", "json"],
        &["explain"],
        &["explain", "--format", "json"],
    ] {
        let r = run(args);
        assert_ok(&r);
        assert!(leaked(&r.stdout).is_empty() && leaked(&r.stderr).is_empty(), "{args:?}: {}", r.stdout);
        assert!(r.stdout.contains("<redacted by bcp-render: PRIVATE KEY block") || args[0] == "explain", "{args:?}");
    }
    // The annotated manifests pass the input through as written; the cluster ConfigMaps do not
    // carry the key.
    let all = run(&["render"]);
    assert_ok(&all);
    let configmaps: String =
        all.stdout.split("\n---\n").filter(|d| d.contains("kind: ConfigMap") && d.contains("envoy-clusters")).collect();
    assert!(!configmaps.is_empty());
    assert!(leaked(&configmaps).is_empty(), "{configmaps}");
    assert!(all.stderr.contains("a private key block in") && all.stderr.contains("is redacted"), "{}", all.stderr);
}
