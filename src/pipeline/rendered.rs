//! What the pipeline produces: every object, every policy, and one row per cluster with
//! everything every command presents. Built once, complete, by [`crate::pipeline::run`].

use serde_json::Value;

use crate::core::diag::Diagnostics;
use crate::core::index::{ClusterIdx, ObjectIdx, PolicyIdx, Table};
use crate::core::object::Object;
use crate::core::value::NULL;
use crate::pipeline::attach::{Attachment, PolicyRef};
use crate::pipeline::backends::Backend;
use crate::pipeline::fields::ctx::Cluster;
use crate::pipeline::merge::Merged;
use crate::pipeline::translate::print::PrintedCluster;
use crate::pipeline::translate::{Ignored, PolicyError};

/// Everything known after rendering, for every presentation.
pub struct Rendered {
    pub objects: Table<ObjectIdx, Object>,
    /// Every BackendConfigPolicy, in merge order.
    pub policies: Table<PolicyIdx, PolicyRef>,
    /// Per policy, its spec with CRD defaults when a default applies (see [`Rendered::spec`]).
    pub(crate) defaulted: Table<PolicyIdx, Option<Value>>,
    /// One row per cluster, in cluster-name order.
    pub clusters: Table<ClusterIdx, ClusterRow>,
    /// Warnings (and, with `--allow-invalid`, downgraded translation errors).
    pub diagnostics: Diagnostics,
    /// (policy reference, backend) pairs attachment examined (tested to grow linearly).
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the scale test"))]
    pub candidates_examined: usize,
}

impl Rendered {
    /// The spec, with CRD defaults, of a policy.
    pub fn spec(&self, p: PolicyIdx) -> &Value {
        self.defaulted[p].as_ref().unwrap_or_else(|| self.objects[self.policies[p].object].spec().unwrap_or(&NULL))
    }
}

/// One backend and its cluster.
pub struct ClusterRow {
    pub backend: Backend,
    /// The policies attached to it, in merge order.
    pub attachments: Vec<Attachment>,
    /// The BackendTLSPolicy applied, if any.
    pub backend_tls: Option<ObjectIdx>,
    /// Who won each merged field.
    pub merged: Merged<PolicyIdx>,
    pub cluster: ClusterOut,
    /// Non-empty means the cluster is kgateway's blackhole.
    pub errors: Vec<PolicyError>,
    /// Why kgateway rejects the backend itself (field, message): also the blackhole.
    pub backend_errors: Vec<(String, String)>,
    pub ignored: Vec<Ignored>,
    /// Policies whose `tls` yielded to the BackendTLSPolicy.
    pub tls_overridden: Vec<PolicyIdx>,
}

/// A cluster as a tree, or already printed (by a render made to be printed).
pub enum ClusterOut {
    Tree(Cluster),
    Printed(PrintedCluster),
}
