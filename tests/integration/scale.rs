//! Attachment is indexed, not a scan: on the generated monorepo the number of (policy,
//! backend) candidates examined grows with backends + policies, not backends × policies.

use bcp_render::attach::attach;
use bcp_render::backends::{BackendOptions, collect};
use bcp_render::bench_repo::{self, GLOBAL_NAMESPACE};
use bcp_render::source::{self, Input, LoadOptions, Passthrough};
use bcp_render::yaml::ParseLimits;

#[test]
fn attachment_examines_a_linear_number_of_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let namespaces = 50;
    bench_repo::write(dir.path(), namespaces).unwrap();
    let opts = LoadOptions {
        root: Some(dir.path().to_path_buf()),
        default_namespace: "default".into(),
        parse: ParseLimits::default(),
        max_total_bytes: 1 << 30,
        max_file_bytes: 1 << 30,
        // As for a command that prints no manifests: Deployments are dropped once loaded.
        passthrough: Passthrough::Drop,
    };
    let loaded = source::load(&[Input::Path(dir.path().to_path_buf())], &opts).unwrap();
    let (backends, _) = collect(&loaded.objects, &BackendOptions { global_service_domain: "mesh.internal" });
    let a = attach(&loaded.objects, &backends, Some(GLOBAL_NAMESPACE));

    let policies = a.policies.len();
    assert_eq!(policies, namespaces * bench_repo::POLICIES_PER_NAMESPACE + bench_repo::teams(namespaces));
    assert_eq!(backends.len(), namespaces * bench_repo::SERVICES_PER_NAMESPACE * 2);
    // Every backend does attach to something (the repository exercises attachment).
    assert!(a.by_backend.iter().all(|atts| !atts.is_empty()));

    let linear = 4 * (backends.len() + policies);
    assert!(
        a.candidates_examined <= linear,
        "{} candidates examined for {} backends and {} policies (linear bound {linear})",
        a.candidates_examined,
        backends.len(),
        policies
    );
    assert!(a.candidates_examined * 20 < backends.len() * policies);
}
