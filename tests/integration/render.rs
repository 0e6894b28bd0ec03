//! Whole-output snapshots of the bundled fixtures.

use std::collections::BTreeMap;

use crate::util::*;

#[test]
fn seed_examples_render_annotated_manifests_and_configmaps() {
    let r = bcp(&["render", "--global-policy-namespace", "kgateway-system", "fixtures/seed"]);
    assert_ok(&r);
    insta::assert_snapshot!("seed_all", r.stdout);
    insta::assert_snapshot!("seed_all_stderr", r.stderr);
}

#[test]
fn seed_examples_render_clusters_only() {
    let r = bcp(&["render", "--output", "clusters", "--global-policy-namespace", "kgateway-system", "fixtures/seed"]);
    assert_ok(&r);
    insta::assert_snapshot!("seed_clusters", r.stdout);
}

#[test]
fn without_the_global_namespace_the_hostname_policy_attaches_to_nothing() {
    let r = bcp(&["render", "fixtures/seed"]);
    assert_ok(&r);
    assert!(r.stdout.contains("bcp-render.dev/attached-to: none"), "{}", r.stdout);
    assert!(!r.stdout.contains("bcp-render.dev/policies: kgateway-system/cart-global-hostname"), "{}", r.stdout);
}

#[test]
fn json_format_carries_the_same_data_as_yaml() {
    let base = ["render", "--global-policy-namespace", "kgateway-system", "fixtures/seed"];
    let yaml = bcp(&base);
    let json = bcp(&[&base[..], &["--format", "json"]].concat());
    assert_ok(&yaml);
    assert_ok(&json);
    let limits = bcp_render::yaml::ParseLimits::default();
    let from_yaml: Vec<_> =
        bcp_render::yaml::parse_stream(&yaml.stdout, &limits).unwrap().into_iter().map(|d| d.value).collect();
    let from_json: Vec<_> =
        bcp_render::yaml::parse_stream(&json.stdout, &limits).unwrap().into_iter().map(|d| d.value).collect();
    assert_eq!(from_yaml, from_json);
    assert!(json.stdout.trim_start().starts_with('{'));
}

#[test]
fn stdin_stream_renders_like_files() {
    let text = std::fs::read_to_string(fixture("seed/individual-backend/service.yaml")).unwrap()
        + "---\n"
        + &std::fs::read_to_string(fixture("seed/individual-backend/policy.yaml")).unwrap();
    let r = bcp_stdin(&["render", "--output", "clusters", "--namespace", "payments", "-"], &text);
    assert_ok(&r);
    let dir = bcp(&["render", "--output", "clusters", "fixtures/seed/individual-backend"]);
    assert_eq!(r.stdout, dir.stdout);
}

#[test]
fn check_on_valid_fixtures_prints_nothing_on_stdout() {
    let r = bcp(&["check", "--global-policy-namespace", "kgateway-system", "fixtures/seed"]);
    assert_ok(&r);
    assert!(r.stdout.is_empty());
}

#[test]
fn cluster_configmaps_are_split_below_one_mebibyte() {
    let mut text = String::new();
    for i in 0..2500 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: service-with-a-rather-long-name-{i:05}\n  namespace: big\nspec:\n  ports:\n  - name: grpc\n    port: 9000\n"
        ));
    }
    let r = bcp_stdin(&["render", "-"], &text);
    assert_ok(&r);
    let docs = bcp_render::yaml::parse_stream(&r.stdout, &Default::default()).unwrap();
    let maps: Vec<_> = docs.iter().filter(|d| d.value["kind"] == "ConfigMap").collect();
    let names: Vec<&str> = maps.iter().map(|d| d.value["metadata"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["envoy-clusters", "envoy-clusters-2"]);
    let mut keys = 0;
    for m in &maps {
        let size = serde_json::to_vec(&m.value).unwrap().len();
        assert!(size < 1024 * 1024, "{} is {size} bytes", m.value["metadata"]["name"]);
        keys += m.value["data"].as_object().unwrap().len();
    }
    assert_eq!(keys, 2500);
}

#[test]
fn config_hash_is_sha256_of_the_clusters_as_printed() {
    use sha2::{Digest, Sha256};
    let all = bcp(&["render", "--global-policy-namespace", "kgateway-system", "fixtures/seed"]);
    let clusters =
        bcp(&["render", "--output", "clusters", "--global-policy-namespace", "kgateway-system", "fixtures/seed"]);
    assert_ok(&all);
    assert_ok(&clusters);
    // Each cluster document of `--output clusters`, by name.
    let printed: BTreeMap<String, String> = clusters
        .stdout
        .split("---\n")
        .map(|doc| {
            let name = doc.lines().find_map(|l| l.strip_prefix("name: ")).expect("a cluster name");
            (name.to_string(), doc.to_string())
        })
        .collect();
    let limits = bcp_render::yaml::ParseLimits::default();
    let mut checked = 0;
    for doc in bcp_render::yaml::parse_stream(&all.stdout, &limits).unwrap() {
        let annotations = &doc.value["metadata"]["annotations"];
        let Some(hash) = annotations["bcp-render.dev/config-hash"].as_str() else { continue };
        let names: Vec<&str> = annotations["bcp-render.dev/clusters"].as_str().unwrap().split(',').collect();
        let text = names.iter().map(|n| printed[*n].as_str()).collect::<Vec<_>>().join("---\n");
        let expected: String = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash, format!("sha256:{expected}"), "{names:?}");
        checked += 1;
    }
    assert!(checked >= 3, "{checked} hashes checked");
}
