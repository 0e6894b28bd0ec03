//! What a cluster is built from: one [`Backend`] per cluster, its kind, endpoints and
//! protocol. (Shared by the collectors of `backends` and `backends::kgw`.)

use serde_json::Value;

use crate::core::index::ObjectIdx;
use crate::core::kind::{AppProtocol, TargetKind};
use crate::core::object::ObjectId;
use crate::core::release::Release;
use crate::core::value::Labels;

/// How the cluster finds its endpoints, and what its backend's type adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoints {
    /// Endpoints come from EDS over ADS (Services, workload-selector ServiceEntries, AWS EC2
    /// Backends).
    Eds,
    /// Inline endpoints (static Backends, STATIC ServiceEntries). `hostname` is set on the
    /// endpoint (static Backends) or not (ServiceEntries).
    Inline { hosts: Vec<InlineHost>, resolution: Resolution },
    /// A priority-groups Backend: its members' static endpoints, one group per priority.
    Priorities { groups: Vec<Vec<InlineHost>>, resolution: Resolution },
    /// An AWS Lambda Backend.
    Lambda(Box<Lambda>),
    /// A GCP Backend: `host:443` over TLS, the audience in the cluster's metadata.
    Gcp { host: String, audience: String },
    /// A dynamic-forward-proxy Backend, with TLS to the system CAs or not.
    DynamicForwardProxy { tls: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineHost {
    pub address: String,
    pub port: u32,
    /// Static Backends name the endpoint and its health check after the host.
    pub hostname: bool,
    /// A ServiceEntry endpoint's own `weight`, when it sets one.
    pub weight: Option<u32>,
    /// A ServiceEntry endpoint's locality: region, zone, subzone (empty when unset).
    pub locality: [String; 3],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Static,
    Dns,
    /// DNS with all addresses in a single endpoint (ServiceEntry DNS_ROUND_ROBIN).
    DnsRoundRobin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BackendKind {
    Service,
    KgwBackend,
    ServiceEntry,
    /// Synthesized from a global Service.
    GlobalService,
}

impl BackendKind {
    /// What policies name it as in `targetRefs` and `targetSelectors`.
    pub fn target_kind(self) -> TargetKind {
        match self {
            BackendKind::Service => TargetKind::Service,
            BackendKind::KgwBackend => TargetKind::Backend,
            BackendKind::ServiceEntry | BackendKind::GlobalService => TargetKind::Hostname,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Backend {
    pub cluster_name: String,
    pub kind: BackendKind,
    /// The object this cluster comes from (the Service for global services).
    pub object: ObjectIdx,
    /// The object policies target and status reports (for ServiceEntries, the SE).
    pub target: ObjectId,
    pub namespace: String,
    /// Labels matched by targetSelectors (the Service's, Backend's or ServiceEntry's).
    pub labels: Labels,
    /// Hostname aliases (ServiceEntry hosts), attachable as `networking.istio.io/Hostname`.
    pub hostnames: Vec<String>,
    pub protocol: AppProtocol,
    /// Service trafficDistribution (or Istio annotation) other than Any.
    pub locality_aware: bool,
    pub endpoints: Endpoints,
    pub port: u32,
    /// The Service port's name (BackendTLSPolicy `sectionName`).
    pub port_name: Option<String>,
    /// Why kgateway rejects the backend itself (a missing Secret, a priority group member
    /// that is not static...): non-empty means its cluster is the blackhole. (Field below
    /// the object, message.)
    pub errors: Vec<(String, String)>,
    /// The Gateway client certificate of a Gateway-scoped clone (kgateway 2.3+).
    pub client_cert: Option<std::rc::Rc<ClientCert>>,
}

/// A Gateway's `spec.tls.backend.clientCertificateRef`, resolved: what kgateway puts into the
/// TLS context of each Gateway-scoped clone cluster.
#[derive(Clone)]
pub struct ClientCert {
    /// `namespace/name` of the Gateway and of the Secret.
    pub gateway: String,
    pub secret: String,
    /// The certificate chain as kgateway cleans it; the private key as the Secret holds it
    /// (only ever printed redacted).
    pub cert_chain: String,
    pub private_key: String,
}

impl std::fmt::Debug for ClientCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCert")
            .field("gateway", &self.gateway)
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

pub(crate) fn cluster_name(prefix: &str, ns: &str, name: &str, extra: Option<&str>, port: u32) -> String {
    match extra {
        Some(extra) => format!("{prefix}_{ns}_{name}_{extra}_{port}"),
        None => format!("{prefix}_{ns}_{name}_{port}"),
    }
}

pub(crate) fn port_number(v: Option<&Value>) -> Option<u32> {
    v.and_then(Value::as_u64).and_then(|p| u32::try_from(p).ok()).filter(|p| (1..=65535).contains(p))
}

pub struct BackendOptions<'a> {
    pub global_service_domain: &'a str,
    pub release: Release,
    /// kgateway's `EnableAwsEc2Discovery`.
    pub aws_ec2_discovery: bool,
    /// kgateway's `EnableIstioIntegration` (from 2.3, ServiceEntries become clusters only with it).
    pub istio_integration: bool,
}

/// An AWS Lambda function behind a Backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lambda {
    pub host: String,
    pub port: u32,
    /// `https` (the default endpoint) or an `http` endpoint URL.
    pub tls: bool,
    pub arn: String,
    pub asynchronous: bool,
    /// `payloadTransformMode: None`.
    pub passthrough: bool,
    pub region: String,
    pub auth: LambdaAuth,
}

/// Where the Lambda request signer's credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LambdaAuth {
    /// Envoy's default credential chain.
    Default,
    /// A Secret of the Backend's namespace (`accessKey`, `secretKey`, `sessionToken`).
    Secret(String),
    /// `assume_role_credential_provider` with this role ARN (2.4+).
    AssumeRole(String),
}
