//! Gateway API BackendTLSPolicies as kgateway applies them, release by release: where the CA
//! comes from, how it is re-encoded, what a broken one does, and which one wins.

use crate::util::*;

/// A CA certificate written at 76 columns without a final newline: kgateway re-encodes it.
const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIDIzCCAgugAwIBAgIUVZXbGr8bY0kgCNqvIs7kwABH124wDQYJKoZIhvcNAQELBQAwIDEeMBwG\nA1UEAwwVYmNwLXJlbmRlciBmaXh0dXJlIENBMCAXDTI2MTEyNzA3NTQyN1oYDzIxMjYxMTAzMDc1\nNDI3WjAgMR4wHAYDVQQDDBViY3AtcmVuZGVyIGZpeHR1cmUgQ0EwggEiMA0GCSqGSIb3DQEBAQUA\nA4IBDwAwggEKAoIBAQCdj8rITbvlsdEX19ZoxdnlzJoV6vUN9VKrYuxb3ZuphGn6pUt0xi7jGp+I\nlBsLJ6n4FJcdhTYokUP9wCXvAFZfaWFMioTwNnKwMAVYAd2GwXXyeOfNive7+a7/4DvhVrQeffce\nWMPQ7G695Qo+mwniboKbp4wc1rZBHHUJ+4r4bOgOwO3C4QC1LAX/kd9xV3ZPVONvVj8/eYNwYd+l\nzX0DHS9uIMtq0H3XPzL44JrBQj40a+ztAodWThefWY61dT1YzIzbyhsFTo2/YWBUwVo0krV7DARI\nZdBv5uBFJHD2KZqL8t7FIGxvfLTkYuFT++u1KKLXyie4Udulx6mTgp0vAgMBAAGjUzBRMB0GA1Ud\nDgQWBBTLq8JN2VZkerWm8e3lwcxVM/QQVDAfBgNVHSMEGDAWgBTLq8JN2VZkerWm8e3lwcxVM/QQ\nVDAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQBpM2ei9oVlykK7YK/wvG5hByZW\nS423E0kjZFXn+HCG11UXPGEElrYBwXwXABxD9ieuBCFabI+B7XfaD6ULDP4DAj+du+UKYnhEsKv4\nDiywmxKzQLKlyYPAgD4FQdC2MFqJCNlDfqXjEJXTwR0cjO6j5YgzcmkV5MOfVIfcfQCwItJpLhXZ\n0UNUa55QE+htEo8Kd2KDOoppNoZicnJbHpApGkg+qqEabBxQ+O0E3lORZTsznfKRYbszuCAbczXX\n84VHip6rlMh6NGtzs58M5pADusPLMiofe2UeHMUJZAF+o+v3gsJx+xiYiLMEDzpaFqMOAAIaHth2\nMY5psAXlZl0G\n-----END CERTIFICATE-----";
const CA_SECRET: &str = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURJekNDQWd1Z0F3SUJBZ0lVVlpYYkdyOGJZMGtnQ05xdklzN2t3QUJIMTI0d0RRWUpLb1pJaHZjTkFRRUxCUUF3SURFZU1Cd0cKQTFVRUF3d1ZZbU53TFhKbGJtUmxjaUJtYVhoMGRYSmxJRU5CTUNBWERUSTJNVEV5TnpBM05UUXlOMW9ZRHpJeE1qWXhNVEF6TURjMQpOREkzV2pBZ01SNHdIQVlEVlFRRERCVmlZM0F0Y21WdVpHVnlJR1pwZUhSMWNtVWdRMEV3Z2dFaU1BMEdDU3FHU0liM0RRRUJBUVVBCkE0SUJEd0F3Z2dFS0FvSUJBUUNkajhySVRidmxzZEVYMTlab3hkbmx6Sm9WNnZVTjlWS3JZdXhiM1p1cGhHbjZwVXQweGk3akdwK0kKbEJzTEo2bjRGSmNkaFRZb2tVUDl3Q1h2QUZaZmFXRk1pb1R3Tm5Ld01BVllBZDJHd1hYeWVPZk5pdmU3K2E3LzREdmhWclFlZmZjZQpXTVBRN0c2OTVRbyttd25pYm9LYnA0d2MxclpCSEhVSis0cjRiT2dPd08zQzRRQzFMQVgva2Q5eFYzWlBWT052Vmo4L2VZTndZZCtsCnpYMERIUzl1SU10cTBIM1hQekw0NEpyQlFqNDBhK3p0QW9kV1RoZWZXWTYxZFQxWXpJemJ5aHNGVG8yL1lXQlV3Vm8wa3JWN0RBUkkKWmRCdjV1QkZKSEQyS1pxTDh0N0ZJR3h2ZkxUa1l1RlQrK3UxS0tMWHlpZTRVZHVseDZtVGdwMHZBZ01CQUFHalV6QlJNQjBHQTFVZApEZ1FXQkJUTHE4Sk4yVlprZXJXbThlM2x3Y3hWTS9RUVZEQWZCZ05WSFNNRUdEQVdnQlRMcThKTjJWWmtlcldtOGUzbHdjeFZNL1FRClZEQVBCZ05WSFJNQkFmOEVCVEFEQVFIL01BMEdDU3FHU0liM0RRRUJDd1VBQTRJQkFRQnBNMmVpOW9WbHlrSzdZSy93dkc1aEJ5WlcKUzQyM0Uwa2paRlhuK0hDRzExVVhQR0VFbHJZQndYd1hBQnhEOWlldUJDRmFiSStCN1hmYUQ2VUxEUDREQWorZHUrVUtZbmhFc0t2NApEaXl3bXhLelFMS2x5WVBBZ0Q0RlFkQzJNRnFKQ05sRGZxWGpFSlhUd1IwY2pPNmo1WWd6Y21rVjVNT2ZWSWZjZlFDd0l0SnBMaFhaCjBVTlVhNTVRRStodEVvOEtkMktET29wcE5vWmljbkpiSHBBcEdrZytxcUVhYkJ4UStPMEUzbE9SWlRzem5mS1JZYnN6dUNBYmN6WFgKODRWSGlwNnJsTWg2Tkd0enM1OE01cEFEdXNQTE1pb2ZlMlVlSE1VSlpBRitvK3YzZ3NKeCt4aVlpTE1FRHpwYUZxTU9BQUlhSHRoMgpNWTVwc0FYbFpsMEcKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQ==";

fn service(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: t\nspec:\n  ports:\n  - name: https\n    port: 443\n"
    )
}

fn btp(name: &str, target: &str, validation: &str, created: &str) -> String {
    format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata:\n  name: {name}\n  namespace: t\n  creationTimestamp: \"{created}\"\nspec:\n  targetRefs:\n  - {target}\n  validation:\n    hostname: web.example.com\n{validation}"
    )
}

fn render(files: &[(&str, &str)], args: &[&str]) -> Run {
    let dir = repo(files);
    let mut c = command(dir.path());
    c.args(["render", "--output", "clusters"]).args(args).arg(".");
    run_with(c, None)
}

#[test]
fn a_secret_ca_is_read_from_2_2_and_re_encoded_as_kgateway_does() {
    let secret =
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: ca\n  namespace: t\ndata:\n  ca.crt: {CA_SECRET}\n");
    let policy = btp(
        "p",
        "{group: \"\", kind: Service, name: web}",
        "    caCertificateRefs:\n    - {group: \"\", kind: Secret, name: ca}\n",
        "2024-01-01T00:00:00Z",
    );
    let files = [("svc.yaml", service("web")), ("s.yaml", secret), ("p.yaml", policy)];
    let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let r = render(&files, &["--kgateway-version", "2.2"]);
    assert_ok(&r);
    assert!(r.stdout.contains("tls_params: {}"), "{}", r.stdout);
    // 64-column lines and a final newline, as client-go's EncodeCertificates writes them.
    let inline = r
        .stdout
        .split("inline_string: |")
        .nth(1)
        .expect("the CA inline")
        .lines()
        .skip(1)
        .map(str::trim)
        .collect::<Vec<_>>();
    assert_eq!(inline[0], "-----BEGIN CERTIFICATE-----");
    assert!(inline[1].len() == 64, "{}", r.stdout);
    // 2.1 looks every reference up as a ConfigMap: not found, the cluster is a blackhole.
    let r = render(&files, &["--kgateway-version", "2.1"]);
    assert_failed(&r, 1);
    assert!(
        r.stderr.contains("ConfigMap t/ca not found") && r.stderr.contains("kube_t_web_443 with a blackhole"),
        "{}",
        r.stderr
    );
    let r = render(&files, &["--kgateway-version", "2.1", "--allow-invalid"]);
    assert_ok(&r);
    assert!(r.stdout.contains("name: kube_t_web_443\ntype: STATIC"), "{}", r.stdout);
}

#[test]
fn a_missing_ca_config_map_is_the_blackhole_with_allow_invalid() {
    let policy = btp(
        "p",
        "{group: \"\", kind: Service, name: web}",
        "    caCertificateRefs:\n    - {group: \"\", kind: ConfigMap, name: missing}\n",
        "2024-01-01T00:00:00Z",
    );
    let files = [("svc.yaml", service("web")), ("p.yaml", policy)];
    let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let r = render(&files, &[]);
    assert_failed(&r, 1);
    assert!(
        r.stderr.contains("p.yaml:")
            && r.stderr.contains("ConfigMap t/missing not found")
            && r.stderr.contains("--allow-invalid"),
        "{}",
        r.stderr
    );
    let r = render(&files, &["--allow-invalid"]);
    assert_ok(&r);
    assert!(r.stdout.contains("metadata: {}\nname: kube_t_web_443\ntype: STATIC"), "{}", r.stdout);
}

#[test]
fn the_oldest_policy_wins_from_2_3_and_the_newest_before() {
    let cm = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ca\n  namespace: t\ndata:\n  ca.crt: \"{}\"\n",
        CA.replace('\n', "\\n")
    );
    let refs = "    caCertificateRefs:\n    - {group: \"\", kind: ConfigMap, name: ca}\n";
    let old = btp("old", "{group: \"\", kind: Service, name: web}", refs, "2024-01-01T00:00:00Z")
        .replace("web.example.com", "old.example.com");
    let new = btp("new", "{group: \"\", kind: Service, name: web}", refs, "2025-01-01T00:00:00Z")
        .replace("web.example.com", "new.example.com");
    let files = [("svc.yaml", service("web")), ("cm.yaml", cm), ("a.yaml", new), ("b.yaml", old)];
    let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let r = render(&files, &["--kgateway-version", "2.3"]);
    assert_ok(&r);
    assert!(
        r.stdout.contains("sni: old.example.com") && r.stderr.contains("is older and wins"),
        "{}{}",
        r.stdout,
        r.stderr
    );
    let r = render(&files, &["--kgateway-version", "2.2"]);
    assert_ok(&r);
    assert!(
        r.stdout.contains("sni: new.example.com") && r.stderr.contains("applies last (the newest) and wins"),
        "{}{}",
        r.stdout,
        r.stderr
    );
}

#[test]
fn a_policy_may_target_a_service_entry_by_hostname() {
    let se = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: ext\n  namespace: t\nspec:\n  hosts: [web.example.com]\n  ports:\n  - {number: 443, name: https, protocol: TLS}\n  resolution: DNS\n";
    let policy = btp(
        "p",
        "{group: networking.istio.io, kind: Hostname, name: web.example.com}",
        "    wellKnownCACertificates: System\n",
        "2024-01-01T00:00:00Z",
    );
    let files = [("se.yaml", se.to_string()), ("p.yaml", policy)];
    let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let r = render(&files, &[]);
    assert_ok(&r);
    assert!(
        r.stdout.contains("name: istio-se_t_ext_web.example.com_443") && r.stdout.contains("SYSTEM_CA_CERT"),
        "{}",
        r.stdout
    );
}
