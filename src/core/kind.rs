//! What an object is: its [`Kind`], computed once from its API group and kind, and the
//! Kubernetes scope rules that depend on it.

/// API groups bcp-render reads objects of.
pub const KGATEWAY_GROUP: &str = "gateway.kgateway.dev";
pub const ISTIO_GROUP: &str = "networking.istio.io";
pub const GATEWAY_API_GROUP: &str = "gateway.networking.k8s.io";

/// The kinds the pipeline reads beyond their identity; every other object is only printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Namespace,
    Service,
    Secret,
    ConfigMap,
    BackendConfigPolicy,
    /// kgateway's `Backend`.
    Backend,
    ServiceEntry,
    BackendTlsPolicy,
    /// Gateway API objects read for a Gateway's backend client certificate (2.3+).
    Gateway,
    GatewayClass,
    HttpRoute,
    GrpcRoute,
    TcpRoute,
    TlsRoute,
    /// A ListenerSet (standard or experimental group): listeners attached to a Gateway.
    ListenerSet,
    /// Any other kind: passed through unread.
    Other,
}

impl Kind {
    /// The kind of an object of API group `group` and kind `kind`.
    pub fn of(group: &str, kind: &str) -> Kind {
        match (group, kind) {
            ("", "Namespace") => Kind::Namespace,
            ("", "Service") => Kind::Service,
            ("", "Secret") => Kind::Secret,
            ("", "ConfigMap") => Kind::ConfigMap,
            (KGATEWAY_GROUP, "BackendConfigPolicy") => Kind::BackendConfigPolicy,
            (KGATEWAY_GROUP, "Backend") => Kind::Backend,
            (ISTIO_GROUP, "ServiceEntry") => Kind::ServiceEntry,
            (GATEWAY_API_GROUP, "BackendTLSPolicy") => Kind::BackendTlsPolicy,
            (GATEWAY_API_GROUP, "Gateway") => Kind::Gateway,
            (GATEWAY_API_GROUP, "GatewayClass") => Kind::GatewayClass,
            (GATEWAY_API_GROUP, "HTTPRoute") => Kind::HttpRoute,
            (GATEWAY_API_GROUP, "GRPCRoute") => Kind::GrpcRoute,
            (GATEWAY_API_GROUP, "TCPRoute") => Kind::TcpRoute,
            (GATEWAY_API_GROUP, "TLSRoute") => Kind::TlsRoute,
            (GATEWAY_API_GROUP | "gateway.networking.x-k8s.io", "ListenerSet" | "XListenerSet") => Kind::ListenerSet,
            _ => Kind::Other,
        }
    }

    /// Whether the pipeline reads objects of this kind (others are sealed once final).
    pub fn is_read(self) -> bool {
        self != Kind::Other
    }
}

/// What a BackendConfigPolicy `targetRefs` or `targetSelectors` entry may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetKind {
    /// A Kubernetes Service (group `""`).
    Service,
    /// A kgateway Backend.
    Backend,
    /// An Istio ServiceEntry host (`networking.istio.io/Hostname`).
    Hostname,
}

impl TargetKind {
    pub const ALL: [TargetKind; 3] = [TargetKind::Service, TargetKind::Backend, TargetKind::Hostname];

    /// (group, kind) as written in a target reference.
    pub fn group_kind(self) -> (&'static str, &'static str) {
        match self {
            TargetKind::Service => ("", "Service"),
            TargetKind::Backend => (KGATEWAY_GROUP, "Backend"),
            TargetKind::Hostname => (ISTIO_GROUP, "Hostname"),
        }
    }

    /// The target kind a reference's group and kind name, if any.
    pub fn of(group: &str, kind: &str) -> Option<TargetKind> {
        TargetKind::ALL.into_iter().find(|t| t.group_kind() == (group, kind))
    }
}

/// Kinds that are cluster scoped, so they get no namespace. CRD kinds are namespaced unless
/// listed here, as in kustomize.
pub fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        ("", "Namespace")
            | ("", "Node")
            | ("", "PersistentVolume")
            | ("rbac.authorization.k8s.io", "ClusterRole")
            | ("rbac.authorization.k8s.io", "ClusterRoleBinding")
            | ("apiextensions.k8s.io", "CustomResourceDefinition")
            | ("storage.k8s.io", "StorageClass")
            | ("scheduling.k8s.io", "PriorityClass")
            | ("policy", "PodSecurityPolicy")
            | ("admissionregistration.k8s.io", "MutatingWebhookConfiguration")
            | ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration")
            | ("apiregistration.k8s.io", "APIService")
            | ("gateway.networking.k8s.io", "GatewayClass")
    )
}

/// The API group of an `apiVersion` (`""` for the core group).
pub fn group_of(api_version: &str) -> &str {
    match api_version.rsplit_once('/') {
        Some((group, _)) => group,
        None => "",
    }
}

/// The version of an `apiVersion`.
pub fn version_of(api_version: &str) -> &str {
    match api_version.rsplit_once('/') {
        Some((_, v)) => v,
        None => api_version,
    }
}

/// What a backend speaks, from kgateway's `ParseAppProtocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppProtocol {
    Http1,
    Http2,
    WebSocket,
}

impl AppProtocol {
    /// kgateway's `ParseAppProtocol`: lower-cased exact match.
    pub fn parse(s: &str) -> AppProtocol {
        match s.to_ascii_lowercase().as_str() {
            "http2" | "grpc" | "grpc-web" | "kubernetes.io/h2c" => AppProtocol::Http2,
            "kubernetes.io/ws" => AppProtocol::WebSocket,
            _ => AppProtocol::Http1,
        }
    }

    /// As `explain` names it.
    pub fn name(self) -> &'static str {
        match self {
            AppProtocol::Http2 => "HTTP/2",
            AppProtocol::Http1 => "HTTP/1",
            AppProtocol::WebSocket => "WebSocket",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_of_core_and_named_groups() {
        assert_eq!(group_of("v1"), "");
        assert_eq!(group_of("gateway.kgateway.dev/v1alpha1"), "gateway.kgateway.dev");
        assert_eq!(version_of("gateway.kgateway.dev/v1alpha1"), "v1alpha1");
        assert_eq!(version_of("v1"), "v1");
    }

    #[test]
    fn kinds_need_their_group() {
        assert_eq!(Kind::of("", "Service"), Kind::Service);
        assert_eq!(Kind::of("v1", "Service"), Kind::Other);
        assert_eq!(Kind::of(KGATEWAY_GROUP, "Backend"), Kind::Backend);
        assert!(!Kind::of("apps", "Deployment").is_read());
        assert_eq!(TargetKind::of(ISTIO_GROUP, "Hostname"), Some(TargetKind::Hostname));
        assert_eq!(TargetKind::of(ISTIO_GROUP, "Service"), None);
    }
}
