//! Attachment is indexed, not a scan: on the generated monorepo the number of (policy,
//! backend) candidates examined grows with backends + policies, not backends × policies.

use std::collections::BTreeMap;

use crate::pipeline::load::Input;
use crate::pipeline::{Purpose, run};

#[path = "../../../tests/support/bench_repo.rs"]
#[allow(dead_code)]
mod bench_repo;

#[test]
fn attachment_examines_a_linear_number_of_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let namespaces = 50;
    bench_repo::write(dir.path(), namespaces).unwrap();
    let flags = BTreeMap::from([
        ("global-policy-namespace", bench_repo::GLOBAL_NAMESPACE.to_string()),
        ("root", dir.path().display().to_string()),
    ]);
    let opts = crate::cli::resolve::options(&flags, &BTreeMap::<String, String>::new()).unwrap();
    // As for a command that prints no manifests: Deployments are dropped once loaded.
    let r = run(&[Input::Path(dir.path().to_path_buf())], &opts, Purpose::Inspect).unwrap();

    let policies = r.policies.len();
    let backends = r.clusters.len();
    assert_eq!(policies, namespaces * bench_repo::POLICIES_PER_NAMESPACE + bench_repo::teams(namespaces));
    assert_eq!(backends, namespaces * bench_repo::SERVICES_PER_NAMESPACE * 2);
    // Every backend does attach to something (the repository exercises attachment).
    assert!(r.clusters.iter().all(|row| !row.attachments.is_empty()));

    let linear = 4 * (backends + policies);
    assert!(
        r.candidates_examined <= linear,
        "{} candidates examined for {backends} backends and {policies} policies (linear bound {linear})",
        r.candidates_examined,
    );
    assert!(r.candidates_examined * 20 < backends * policies);
}
