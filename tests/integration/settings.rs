//! kgateway settings that change which clusters exist: discovery namespace selectors.

use crate::util::*;

fn namespace(name: &str, labels: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels: {labels}\n")
}

fn service(ns: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: {ns}\nspec:\n  ports:\n  - name: http\n    port: 80\n"
    )
}

fn render(files: &[(&str, String)], args: &[&str]) -> Run {
    let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    render_clusters_in(&files, args)
}

#[test]
fn discovery_selectors_hide_the_clusters_of_unwatched_namespaces() {
    let files = [
        ("ns.yaml", namespace("infra", "{watch: \"yes\"}") + "---\n" + &namespace("apps", "{}")),
        ("infra.yaml", service("infra")),
        ("apps.yaml", service("apps")),
    ];
    let all = render(&files, &[]);
    assert_ok(&all);
    assert!(all.stdout.contains("kube_infra_web_80") && all.stdout.contains("kube_apps_web_80"), "{}", all.stdout);

    let selector = "--discovery-namespace-selectors=[{\"matchLabels\":{\"watch\":\"yes\"}}]";
    let some = render(&files, &[selector]);
    assert_ok(&some);
    assert!(some.stdout.contains("kube_infra_web_80"), "{}", some.stdout);
    assert!(!some.stdout.contains("kube_apps_web_80"), "{}", some.stdout);
    assert!(some.stderr.contains("namespace apps is not watched by kgateway"), "{}", some.stderr);

    // matchExpressions, as kgateway's setting accepts them; the name label is always there.
    let expr = "--discovery-namespace-selectors=[{\"matchExpressions\":[{\"key\":\"kubernetes.io/metadata.name\",\"operator\":\"In\",\"values\":[\"apps\"]}]}]";
    let apps = render(&files, &[expr]);
    assert_ok(&apps);
    assert!(apps.stdout.contains("kube_apps_web_80") && !apps.stdout.contains("kube_infra_web_80"), "{}", apps.stdout);
}

#[test]
fn discovery_selectors_refuse_what_the_input_cannot_decide() {
    // No Namespace objects: a selector on other labels cannot be decided from the repository.
    let files = [("infra.yaml", service("infra"))];
    let r = render(&files, &["--discovery-namespace-selectors=[{\"matchLabels\":{\"watch\":\"yes\"}}]"]);
    assert_failed(&r, 1);
    assert!(
        r.stderr.contains("namespace infra") && r.stderr.contains("add the Namespace infra object"),
        "{}",
        r.stderr
    );
    // The name label alone needs no Namespace object.
    let r = render(
        &files,
        &["--discovery-namespace-selectors=[{\"matchLabels\":{\"kubernetes.io/metadata.name\":\"infra\"}}]"],
    );
    assert_ok(&r);
    assert!(r.stdout.contains("kube_infra_web_80"), "{}", r.stdout);
    // A malformed setting is refused as a bad option value.
    let r = render(&files, &["--discovery-namespace-selectors=[{\"matchLabel\":{}}]"]);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("unknown label selector field \"matchLabel\""), "{}", r.stderr);
}
