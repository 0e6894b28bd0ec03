//! kustomize v5's built-in configuration, as data: which fields its transformers write (field
//! specs), which fields name which kinds (name references), and which kinds it knows to be
//! cluster-scoped. Written from kustomize's documented and observed behaviour
//! (`kubectl kustomize`, kustomize v5.5); the differential test against the real kustomize
//! keeps them honest.
//!
//! A [`Gvk`] part that is empty matches anything (there is no way to say "the core group").

/// A group/version/kind selector: empty parts match any value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gvk {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
}

impl Gvk {
    /// Whether it selects an object of this group, version and kind.
    pub(crate) fn selects(&self, group: &str, version: &str, kind: &str) -> bool {
        let part = |want: &str, have: &str| want.is_empty() || want == have;
        part(self.group, group) && part(self.version, version) && part(self.kind, kind)
    }
}

/// A field a transformer writes: `path` is `/`-separated (`\/` is a literal slash); `create`
/// makes what is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldSpec {
    pub gvk: Gvk,
    pub path: &'static str,
    pub create: bool,
}

const fn any() -> Gvk {
    Gvk { group: "", version: "", kind: "" }
}

const fn kind(kind: &'static str) -> Gvk {
    Gvk { group: "", version: "", kind }
}

const fn v1(kind: &'static str) -> Gvk {
    Gvk { group: "", version: "v1", kind }
}

const fn group(group: &'static str, kind: &'static str) -> Gvk {
    Gvk { group, version: "", kind }
}

const fn spec(gvk: Gvk, path: &'static str, create: bool) -> FieldSpec {
    FieldSpec { gvk, path, create }
}

/// `namespace:` besides `metadata.namespace` (which the transformer sets itself).
pub(crate) const NAMESPACE: &[FieldSpec] = &[
    spec(kind("Namespace"), "metadata/name", true),
    spec(group("apiregistration.k8s.io", "APIService"), "spec/service/namespace", true),
    spec(
        group("apiextensions.k8s.io", "CustomResourceDefinition"),
        "spec/conversion/webhook/clientConfig/service/namespace",
        false,
    ),
];

const AFFINITY: [&str; 4] = [
    "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
];
const SPREAD: &str = "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels";

/// Label selectors `commonLabels` (and `labels` with `includeSelectors`) write.
pub(crate) const SELECTOR_LABELS: &[FieldSpec] = &[
    spec(v1("Service"), "spec/selector", true),
    spec(v1("ReplicationController"), "spec/selector", true),
    spec(kind("Deployment"), "spec/selector/matchLabels", true),
    spec(group("apps", "Deployment"), AFFINITY[0], false),
    spec(group("apps", "Deployment"), AFFINITY[1], false),
    spec(group("apps", "Deployment"), AFFINITY[2], false),
    spec(group("apps", "Deployment"), AFFINITY[3], false),
    spec(group("apps", "Deployment"), SPREAD, false),
    spec(kind("ReplicaSet"), "spec/selector/matchLabels", true),
    spec(kind("DaemonSet"), "spec/selector/matchLabels", true),
    spec(group("apps", "StatefulSet"), "spec/selector/matchLabels", true),
    spec(group("apps", "StatefulSet"), AFFINITY[0], false),
    spec(group("apps", "StatefulSet"), AFFINITY[1], false),
    spec(group("apps", "StatefulSet"), AFFINITY[2], false),
    spec(group("apps", "StatefulSet"), AFFINITY[3], false),
    spec(group("apps", "StatefulSet"), SPREAD, false),
    spec(group("batch", "Job"), "spec/selector/matchLabels", false),
    spec(group("batch", "CronJob"), "spec/jobTemplate/spec/selector/matchLabels", false),
    spec(group("policy", "PodDisruptionBudget"), "spec/selector/matchLabels", false),
    spec(group("networking.k8s.io", "NetworkPolicy"), "spec/podSelector/matchLabels", false),
    spec(group("networking.k8s.io", "NetworkPolicy"), "spec/ingress/from/podSelector/matchLabels", false),
    spec(group("networking.k8s.io", "NetworkPolicy"), "spec/egress/to/podSelector/matchLabels", false),
];

/// Object and pod-template labels (`labels` with `includeTemplates`; part of `commonLabels`).
pub(crate) const TEMPLATE_LABELS: &[FieldSpec] = &[
    spec(any(), "metadata/labels", true),
    spec(v1("ReplicationController"), "spec/template/metadata/labels", true),
    spec(kind("Deployment"), "spec/template/metadata/labels", true),
    spec(kind("ReplicaSet"), "spec/template/metadata/labels", true),
    spec(kind("DaemonSet"), "spec/template/metadata/labels", true),
    spec(group("apps", "StatefulSet"), "spec/template/metadata/labels", true),
    spec(group("apps", "StatefulSet"), "spec/volumeClaimTemplates[]/metadata/labels", true),
    spec(group("batch", "Job"), "spec/template/metadata/labels", true),
    spec(group("batch", "CronJob"), "spec/jobTemplate/metadata/labels", true),
    spec(group("batch", "CronJob"), "spec/jobTemplate/spec/template/metadata/labels", true),
];

/// Only the object's own labels (`labels` without options).
pub(crate) const METADATA_LABELS: &[FieldSpec] = &[spec(any(), "metadata/labels", true)];

/// `commonAnnotations`.
pub(crate) const ANNOTATIONS: &[FieldSpec] = &[
    spec(any(), "metadata/annotations", true),
    spec(v1("ReplicationController"), "spec/template/metadata/annotations", true),
    spec(kind("Deployment"), "spec/template/metadata/annotations", true),
    spec(kind("ReplicaSet"), "spec/template/metadata/annotations", true),
    spec(kind("DaemonSet"), "spec/template/metadata/annotations", true),
    spec(kind("StatefulSet"), "spec/template/metadata/annotations", true),
    spec(group("batch", "Job"), "spec/template/metadata/annotations", true),
    spec(group("batch", "CronJob"), "spec/jobTemplate/metadata/annotations", true),
    spec(group("batch", "CronJob"), "spec/jobTemplate/spec/template/metadata/annotations", true),
];

/// `replicas`.
pub(crate) const REPLICAS: &[FieldSpec] = &[
    spec(kind("Deployment"), "spec/replicas", true),
    spec(kind("ReplicationController"), "spec/replicas", true),
    spec(kind("ReplicaSet"), "spec/replicas", true),
    spec(kind("StatefulSet"), "spec/replicas", true),
];

/// Objects namePrefix and nameSuffix never rename (matched on the original id).
pub(crate) const NOT_RENAMED: &[Gvk] =
    &[kind("CustomResourceDefinition"), group("apiregistration.k8s.io", "APIService"), kind("Namespace")];

/// A kind whose name other objects' fields hold, and those fields.
pub(crate) struct NameRef {
    pub target: Gvk,
    pub referrers: &'static [(Gvk, &'static [&'static str])],
}

/// The pod fields naming a ConfigMap, below a pod spec's parent.
const POD_CONFIGMAP: [&str; 6] = [
    "spec/volumes/configMap/name",
    "spec/containers/env/valueFrom/configMapKeyRef/name",
    "spec/initContainers/env/valueFrom/configMapKeyRef/name",
    "spec/containers/envFrom/configMapRef/name",
    "spec/initContainers/envFrom/configMapRef/name",
    "spec/volumes/projected/sources/configMap/name",
];
const TEMPLATE_CONFIGMAP: [&str; 6] = [
    "spec/template/spec/volumes/configMap/name",
    "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name",
    "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name",
    "spec/template/spec/containers/envFrom/configMapRef/name",
    "spec/template/spec/initContainers/envFrom/configMapRef/name",
    "spec/template/spec/volumes/projected/sources/configMap/name",
];
const POD_SECRET: [&str; 7] = [
    "spec/volumes/secret/secretName",
    "spec/containers/env/valueFrom/secretKeyRef/name",
    "spec/initContainers/env/valueFrom/secretKeyRef/name",
    "spec/containers/envFrom/secretRef/name",
    "spec/initContainers/envFrom/secretRef/name",
    "spec/imagePullSecrets/name",
    "spec/volumes/projected/sources/secret/name",
];
const TEMPLATE_SECRET: [&str; 7] = [
    "spec/template/spec/volumes/secret/secretName",
    "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
    "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name",
    "spec/template/spec/containers/envFrom/secretRef/name",
    "spec/template/spec/initContainers/envFrom/secretRef/name",
    "spec/template/spec/imagePullSecrets/name",
    "spec/template/spec/volumes/projected/sources/secret/name",
];
const SCALE_TARGET: &[&str] = &["spec/scaleTargetRef/name"];
const HPA: &[(Gvk, &[&str])] = &[(kind("HorizontalPodAutoscaler"), SCALE_TARGET)];
const RESOURCE_NAMES: &[&str] = &["rules/resourceNames"];
const SA_TEMPLATE: &[&str] = &["spec/template/spec/serviceAccountName"];
const PVC_TEMPLATE: &[&str] = &["spec/template/spec/volumes/persistentVolumeClaim/claimName"];
const PRIORITY_TEMPLATE: &[&str] = &["spec/template/spec/priorityClassName"];

/// kustomize's name references. (Its IngressClass row names the group
/// `networking.k8s.io/v1`, which no object has: `ingressClassName` is never rewritten.)
pub(crate) const NAME_REFERENCES: &[NameRef] = &[
    NameRef { target: kind("Deployment"), referrers: HPA },
    NameRef { target: kind("ReplicationController"), referrers: HPA },
    NameRef { target: kind("ReplicaSet"), referrers: HPA },
    NameRef { target: kind("StatefulSet"), referrers: HPA },
    NameRef {
        target: v1("ConfigMap"),
        referrers: &[
            (v1("Pod"), &POD_CONFIGMAP),
            (
                kind("PodTemplate"),
                &[
                    "template/spec/volumes/configMap/name",
                    "template/spec/containers/env/valueFrom/configMapKeyRef/name",
                    "template/spec/initContainers/env/valueFrom/configMapKeyRef/name",
                    "template/spec/containers/envFrom/configMapRef/name",
                    "template/spec/initContainers/envFrom/configMapRef/name",
                    "template/spec/volumes/projected/sources/configMap/name",
                ],
            ),
            (kind("Deployment"), &TEMPLATE_CONFIGMAP),
            (kind("ReplicaSet"), &TEMPLATE_CONFIGMAP),
            (kind("DaemonSet"), &TEMPLATE_CONFIGMAP),
            (kind("StatefulSet"), &TEMPLATE_CONFIGMAP),
            (kind("Job"), &TEMPLATE_CONFIGMAP),
            (
                kind("CronJob"),
                &[
                    "spec/jobTemplate/spec/template/spec/volumes/configMap/name",
                    "spec/jobTemplate/spec/template/spec/volumes/projected/sources/configMap/name",
                    "spec/jobTemplate/spec/template/spec/containers/env/valueFrom/configMapKeyRef/name",
                    "spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name",
                    "spec/jobTemplate/spec/template/spec/containers/envFrom/configMapRef/name",
                    "spec/jobTemplate/spec/template/spec/initContainers/envFrom/configMapRef/name",
                ],
            ),
            (kind("Node"), &["spec/configSource/configMap"]),
            (kind("Role"), RESOURCE_NAMES),
            (kind("ClusterRole"), RESOURCE_NAMES),
            (kind("Ingress"), &["metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap"]),
        ],
    },
    NameRef {
        target: v1("Secret"),
        referrers: &[
            (v1("Pod"), &POD_SECRET),
            (
                kind("PodTemplate"),
                &[
                    "template/spec/volumes/secret/secretName",
                    "template/spec/containers/env/valueFrom/secretKeyRef/name",
                    "template/spec/initContainers/env/valueFrom/secretKeyRef/name",
                    "template/spec/containers/envFrom/secretRef/name",
                    "template/spec/initContainers/envFrom/secretRef/name",
                    "template/spec/imagePullSecrets/name",
                    "template/spec/volumes/projected/sources/secret/name",
                ],
            ),
            (kind("Deployment"), &TEMPLATE_SECRET),
            (kind("ReplicaSet"), &TEMPLATE_SECRET),
            (kind("DaemonSet"), &TEMPLATE_SECRET),
            (kind("StatefulSet"), &TEMPLATE_SECRET),
            (kind("Job"), &TEMPLATE_SECRET),
            (
                kind("CronJob"),
                &[
                    "spec/jobTemplate/spec/template/spec/volumes/secret/secretName",
                    "spec/jobTemplate/spec/template/spec/volumes/projected/sources/secret/name",
                    "spec/jobTemplate/spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
                    "spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name",
                    "spec/jobTemplate/spec/template/spec/containers/envFrom/secretRef/name",
                    "spec/jobTemplate/spec/template/spec/initContainers/envFrom/secretRef/name",
                    "spec/jobTemplate/spec/template/spec/imagePullSecrets/name",
                ],
            ),
            (
                kind("Ingress"),
                &[
                    "spec/tls/secretName",
                    "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
                    "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
                    "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret",
                ],
            ),
            (kind("ServiceAccount"), &["imagePullSecrets/name"]),
            (
                kind("StorageClass"),
                &[
                    "parameters/secretName",
                    "parameters/adminSecretName",
                    "parameters/userSecretName",
                    "parameters/secretRef",
                ],
            ),
            (kind("Role"), RESOURCE_NAMES),
            (kind("ClusterRole"), RESOURCE_NAMES),
            (
                Gvk { group: "serving.knative.dev", version: "v1", kind: "Service" },
                &["spec/template/spec/containers/env/valueFrom/secretKeyRef/name"],
            ),
            (kind("PersistentVolume"), &["spec/azureFile/secretName"]),
        ],
    },
    NameRef {
        target: v1("Service"),
        referrers: &[
            (group("apps", "StatefulSet"), &["spec/serviceName"]),
            (
                kind("Ingress"),
                &[
                    "spec/rules/http/paths/backend/serviceName",
                    "spec/backend/serviceName",
                    "spec/rules/http/paths/backend/service/name",
                    "spec/defaultBackend/service/name",
                ],
            ),
            (group("apiregistration.k8s.io", "APIService"), &["spec/service/name"]),
            (
                group("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
                &["webhooks/clientConfig/service"],
            ),
            (group("admissionregistration.k8s.io", "MutatingWebhookConfiguration"), &["webhooks/clientConfig/service"]),
        ],
    },
    NameRef {
        target: group("rbac.authorization.k8s.io", "Role"),
        referrers: &[(group("rbac.authorization.k8s.io", "RoleBinding"), &["roleRef/name"])],
    },
    NameRef {
        target: group("rbac.authorization.k8s.io", "ClusterRole"),
        referrers: &[
            (group("rbac.authorization.k8s.io", "RoleBinding"), &["roleRef/name"]),
            (group("rbac.authorization.k8s.io", "ClusterRoleBinding"), &["roleRef/name"]),
        ],
    },
    NameRef {
        target: v1("ServiceAccount"),
        referrers: &[
            (group("rbac.authorization.k8s.io", "RoleBinding"), &["subjects"]),
            (group("rbac.authorization.k8s.io", "ClusterRoleBinding"), &["subjects"]),
            (kind("Pod"), &["spec/serviceAccountName"]),
            (kind("StatefulSet"), SA_TEMPLATE),
            (kind("Deployment"), SA_TEMPLATE),
            (kind("ReplicationController"), SA_TEMPLATE),
            (kind("CronJob"), &["spec/jobTemplate/spec/template/spec/serviceAccountName"]),
            (kind("Job"), SA_TEMPLATE),
            (kind("DaemonSet"), SA_TEMPLATE),
        ],
    },
    NameRef {
        target: v1("PersistentVolumeClaim"),
        referrers: &[
            (kind("Pod"), &["spec/volumes/persistentVolumeClaim/claimName"]),
            (kind("StatefulSet"), PVC_TEMPLATE),
            (kind("Deployment"), PVC_TEMPLATE),
            (kind("ReplicationController"), PVC_TEMPLATE),
            (kind("CronJob"), &["spec/jobTemplate/spec/template/spec/volumes/persistentVolumeClaim/claimName"]),
            (kind("Job"), PVC_TEMPLATE),
            (kind("DaemonSet"), PVC_TEMPLATE),
        ],
    },
    NameRef {
        target: v1("PersistentVolume"),
        referrers: &[(kind("PersistentVolumeClaim"), &["spec/volumeName"]), (kind("ClusterRole"), RESOURCE_NAMES)],
    },
    NameRef {
        target: Gvk { group: "storage.k8s.io", version: "v1", kind: "StorageClass" },
        referrers: &[
            (kind("PersistentVolume"), &["spec/storageClassName"]),
            (kind("PersistentVolumeClaim"), &["spec/storageClassName"]),
            (kind("StatefulSet"), &["spec/volumeClaimTemplates/spec/storageClassName"]),
        ],
    },
    NameRef {
        target: Gvk { group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass" },
        referrers: &[
            (kind("Pod"), &["spec/priorityClassName"]),
            (kind("StatefulSet"), PRIORITY_TEMPLATE),
            (kind("Deployment"), PRIORITY_TEMPLATE),
            (kind("ReplicationController"), PRIORITY_TEMPLATE),
            (kind("CronJob"), &["spec/jobTemplate/spec/template/spec/priorityClassName"]),
            (kind("Job"), PRIORITY_TEMPLATE),
            (kind("DaemonSet"), PRIORITY_TEMPLATE),
        ],
    },
    NameRef {
        target: Gvk { group: "networking.k8s.io/v1", version: "v1", kind: "IngressClass" },
        referrers: &[(kind("Ingress"), &["spec/ingressClassName"])],
    },
    NameRef {
        target: group("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        referrers: &[(group("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"), &["spec/policyName"])],
    },
];

/// The kinds kustomize knows to be cluster-scoped (its built-in schema, Kubernetes 1.21),
/// by exact apiVersion. Every other kind, CRDs' included, it treats as namespaced.
const CLUSTER_SCOPED: &[(&[&str], &[&str])] = &[
    (
        &["admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1"],
        &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"],
    ),
    (&["apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1"], &["CustomResourceDefinition"]),
    (&["apiregistration.k8s.io/v1", "apiregistration.k8s.io/v1beta1"], &["APIService"]),
    (&["certificates.k8s.io/v1", "certificates.k8s.io/v1beta1"], &["CertificateSigningRequest"]),
    (&["flowcontrol.apiserver.k8s.io/v1beta1"], &["FlowSchema", "PriorityLevelConfiguration"]),
    (&["networking.k8s.io/v1", "networking.k8s.io/v1beta1"], &["IngressClass"]),
    (&["node.k8s.io/v1", "node.k8s.io/v1beta1"], &["RuntimeClass"]),
    (&["policy/v1beta1"], &["PodSecurityPolicy"]),
    (&["rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1"], &["ClusterRole", "ClusterRoleBinding"]),
    (&["scheduling.k8s.io/v1", "scheduling.k8s.io/v1beta1"], &["PriorityClass"]),
    (&["storage.k8s.io/v1", "storage.k8s.io/v1beta1"], &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"]),
    (&["v1"], &["ComponentStatus", "Namespace", "Node", "NodeProxyOptions", "PersistentVolume"]),
];

/// Whether kustomize takes an object of this apiVersion and kind to be cluster-scoped.
pub(crate) fn cluster_scoped(api_version: &str, kind: &str) -> bool {
    CLUSTER_SCOPED.iter().any(|(versions, kinds)| versions.contains(&api_version) && kinds.contains(&kind))
}

/// Annotations kustomize removes from every object it prints (users' copies included).
pub(crate) const STRIPPED_ANNOTATIONS: &[&str] = &[
    "config.kubernetes.io/path",
    "config.kubernetes.io/index",
    "config.k8s.io/id",
    "config.kubernetes.io/origin",
    "alpha.config.kubernetes.io/transformations",
];

/// The prefix of kustomize's own bookkeeping annotations (a build's history).
pub(crate) const INTERNAL_PREFIX: &str = "internal.config.kubernetes.io/";
