//! The typed settings every layer reads. `cli` builds them from the options table, where each
//! option's default, accepted values and parsing live; nothing here has a default.

use std::path::PathBuf;

use crate::core::release::Release;

/// An option whose value is one of a fixed set of names.
pub trait Choice: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn name(self) -> &'static str;

    /// Whether values are matched in either case (as kgateway decodes some of its settings).
    const IGNORE_CASE: bool = false;

    fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|c| c.name()).collect()
    }

    fn parse(s: &str) -> Option<Self> {
        let same = |c: &Self| if Self::IGNORE_CASE { c.name().eq_ignore_ascii_case(s) } else { c.name() == s };
        Self::ALL.iter().copied().find(same)
    }
}

/// What `render` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// The input manifests annotated, plus cluster ConfigMaps.
    All,
    /// Envoy clusters only.
    Clusters,
}

impl Choice for OutputKind {
    const ALL: &'static [Self] = &[OutputKind::All, OutputKind::Clusters];
    fn name(self) -> &'static str {
        match self {
            OutputKind::All => "all",
            OutputKind::Clusters => "clusters",
        }
    }
}

/// The format a command prints in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Text,
    Markdown,
}

impl Choice for Format {
    const ALL: &'static [Self] = &[Format::Yaml, Format::Json, Format::Text, Format::Markdown];
    fn name(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Text => "text",
            Format::Markdown => "markdown",
        }
    }
}

/// kgateway's `KGW_VALIDATION_MODE`: what it does with a cluster Envoy would reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationMode {
    /// Push it: Envoy NACKs the update (bcp-render refuses, or warns with --allow-invalid).
    Standard,
    /// Validate with Envoy first and send the blackhole cluster instead.
    Strict,
}

impl Choice for ValidationMode {
    const ALL: &'static [Self] = &[ValidationMode::Standard, ValidationMode::Strict];
    /// Either case, as kgateway's `ValidationMode.Decode` takes it.
    const IGNORE_CASE: bool = true;
    fn name(self) -> &'static str {
        match self {
            ValidationMode::Standard => "STANDARD",
            ValidationMode::Strict => "STRICT",
        }
    }
}

/// Envoy's `Cluster.DnsLookupFamily`, as kgateway's `KGW_DNS_LOOKUP_FAMILY` sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsLookupFamily {
    V4Preferred,
    V4Only,
    V6Only,
    Auto,
    All,
}

impl Choice for DnsLookupFamily {
    const ALL: &'static [Self] = &[
        DnsLookupFamily::V4Preferred,
        DnsLookupFamily::V4Only,
        DnsLookupFamily::V6Only,
        DnsLookupFamily::Auto,
        DnsLookupFamily::All,
    ];
    /// Envoy's enum value name.
    fn name(self) -> &'static str {
        match self {
            DnsLookupFamily::V4Preferred => "V4_PREFERRED",
            DnsLookupFamily::V4Only => "V4_ONLY",
            DnsLookupFamily::V6Only => "V6_ONLY",
            DnsLookupFamily::Auto => "AUTO",
            DnsLookupFamily::All => "ALL",
        }
    }
}

/// Which kustomize builds a kustomization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KustomizeEngine {
    /// bcp-render's own, std-only kustomize: what it cannot build exactly it refuses.
    Builtin,
    /// The real kustomize (`kustomize build`, or `kubectl kustomize`), run without a shell.
    Exec,
    /// The built-in engine where it can build the kustomization exactly, else the real one
    /// when it is installed, else a refusal naming both ways out.
    Auto,
}

impl Choice for KustomizeEngine {
    const ALL: &'static [Self] = &[KustomizeEngine::Auto, KustomizeEngine::Builtin, KustomizeEngine::Exec];
    fn name(self) -> &'static str {
        match self {
            KustomizeEngine::Builtin => "builtin",
            KustomizeEngine::Exec => "exec",
            KustomizeEngine::Auto => "auto",
        }
    }
}

/// Typed options, read by the rest of the program.
#[derive(Debug, Clone)]
pub struct Options {
    pub release: Release,
    pub global_policy_namespace: Option<String>,
    pub namespace: String,
    pub output: OutputKind,
    /// `None`: the command's own default.
    pub format: Option<Format>,
    pub configmap_name: String,
    pub global_service_domain: String,
    pub dns_lookup_family: DnsLookupFamily,
    pub allow_invalid: bool,
    /// kgateway's `EnableAwsEc2Discovery`.
    pub aws_ec2_discovery: bool,
    /// kgateway's `EnableIstioIntegration`.
    pub istio_integration: bool,
    /// kgateway's `ValidationMode`.
    pub validation_mode: ValidationMode,
    /// kgateway's `DiscoveryNamespaceSelectors` (empty: every namespace).
    pub discovery_namespace_selectors: Vec<crate::core::selector::LabelSelector>,
    pub strict: bool,
    pub root: Option<PathBuf>,
    pub kustomize_engine: KustomizeEngine,
    /// The real kustomize's command line (a program and its first arguments; the
    /// directory is appended); `None`: `kustomize build`, else `kubectl kustomize`, as found
    /// on `PATH`.
    pub kustomize_command: Option<Vec<String>>,
    /// Seconds the real kustomize may run.
    pub kustomize_timeout: u64,
    pub max_input_bytes: u64,
    pub max_file_bytes: u64,
    pub max_documents: usize,
    pub max_depth: usize,
    /// Directory levels a walk descends.
    pub max_dir_depth: usize,
    pub max_output_bytes: u64,
}

impl Options {
    /// Before the options table has set anything: every option with a default overwrites
    /// its field, so these values never reach a command.
    pub fn unset() -> Options {
        Options {
            release: Release::MAIN,
            global_policy_namespace: None,
            namespace: String::new(),
            output: OutputKind::All,
            format: None,
            configmap_name: String::new(),
            global_service_domain: String::new(),
            dns_lookup_family: DnsLookupFamily::Auto,
            allow_invalid: false,
            aws_ec2_discovery: false,
            istio_integration: false,
            validation_mode: ValidationMode::Standard,
            discovery_namespace_selectors: Vec::new(),
            strict: false,
            root: None,
            kustomize_engine: KustomizeEngine::Auto,
            kustomize_command: None,
            kustomize_timeout: 0,
            max_input_bytes: 0,
            max_file_bytes: 0,
            max_documents: 0,
            max_depth: 0,
            max_dir_depth: 0,
            max_output_bytes: 0,
        }
    }
}
