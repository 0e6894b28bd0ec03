//! The one table of options: for each, its name, help, default, accepted values and how its
//! value sets the typed [`Options`]. It feeds clap, the Argo CD parameters of `plugin.yaml`
//! and the README's option list (`cli::plugin`), and the resolution of values (`cli::resolve`).

use crate::core::options::{Choice, DnsLookupFamily, Format, KustomizeEngine, Options, OutputKind, ValidationMode};
use crate::core::release::Release;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptKind {
    /// Takes a value.
    Value,
    /// A boolean switch: `--flag` on the command line, `true`/`false` elsewhere.
    Switch,
}

/// Why a value was refused: what it is not (`number`, `value`) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub noun: &'static str,
    pub expected: String,
}

/// Sets an option's field from its value.
type Setter = fn(&mut Options, &str) -> Result<(), Invalid>;

#[derive(Debug, Clone, Copy)]
pub struct OptSpec {
    /// Flag name without dashes, and the Argo CD parameter name.
    pub name: &'static str,
    pub title: &'static str,
    pub help: &'static str,
    pub kind: OptKind,
    pub default: Option<&'static str>,
    /// Allowed values, when the option is an enumeration.
    pub values: fn() -> Vec<&'static str>,
    /// The values are matched in either case (as kgateway decodes its own setting).
    pub ignore_case: bool,
    /// Further environment variables read after the `BCP_RENDER_` one.
    pub extra_env: &'static [&'static str],
    /// An empty value means the default (or, without one, that the option is unset).
    pub empty_is_default: bool,
    /// Only the operator may set it (flag, or `BCP_RENDER_<NAME>` on the sidecar): neither an
    /// Argo CD parameter nor `ARGOCD_ENV_`, which an application (or its repository, through
    /// `.argocd-source.yaml`) controls. For options that choose a program or widen what is read.
    pub operator_only: bool,
    pub set: Setter,
}

fn any() -> Vec<&'static str> {
    Vec::new()
}

fn ignore(_: &mut Options, _: &str) -> Result<(), Invalid> {
    Ok(())
}

fn put<T>(field: &mut T, value: Result<T, Invalid>) -> Result<(), Invalid> {
    *field = value?;
    Ok(())
}

fn text(v: &str) -> Result<String, Invalid> {
    Ok(v.to_string())
}

const fn opt(name: &'static str, title: &'static str, help: &'static str) -> OptSpec {
    OptSpec {
        name,
        title,
        help,
        kind: OptKind::Value,
        default: None,
        values: any,
        ignore_case: false,
        extra_env: &[],
        empty_is_default: false,
        operator_only: false,
        set: ignore,
    }
}

fn choice<C: Choice>(v: &str) -> Result<C, Invalid> {
    C::parse(v).ok_or_else(|| Invalid { noun: "value", expected: format!("expected one of {}", C::names().join(", ")) })
}

fn release(v: &str) -> Result<Release, Invalid> {
    v.parse().map_err(|e| Invalid { noun: "value", expected: e })
}

/// A command line split on white space (no shell: no quoting, globbing or variables).
fn command(v: &str) -> Result<Option<Vec<String>>, Invalid> {
    let words: Vec<String> = v.split_whitespace().map(str::to_string).collect();
    if words.first().is_some_and(|p| p.contains('/') && !p.starts_with('/')) {
        return Err(Invalid {
            noun: "command",
            expected: "the program must be an absolute path or a name on PATH".into(),
        });
    }
    Ok(Some(words).filter(|w| !w.is_empty()))
}

fn selectors(v: &str) -> Result<Vec<crate::core::selector::LabelSelector>, Invalid> {
    crate::core::selector::parse_list(v).map_err(|e| Invalid { noun: "value", expected: e })
}

fn number<N: std::str::FromStr>(v: &str) -> Result<N, Invalid> {
    v.trim().parse().map_err(|_| Invalid { noun: "number", expected: "expected a whole number".into() })
}

pub const OPTIONS: &[OptSpec] = &[
    OptSpec {
        default: Some("2.4"),
        values: Release::names,
        set: |o, v| put(&mut o.release, release(v)),
        ..opt("kgateway-version", "kgateway version", "kgateway release whose translation to reproduce")
    },
    OptSpec {
        extra_env: &["KGW_GLOBAL_POLICY_NAMESPACE"],
        empty_is_default: true,
        set: |o, v| put(&mut o.global_policy_namespace, text(v).map(Some)),
        ..opt(
            "global-policy-namespace",
            "Global policy namespace",
            "namespace whose targetSelectors policies apply to backends in every namespace (kgateway's KGW_GLOBAL_POLICY_NAMESPACE)",
        )
    },
    OptSpec {
        extra_env: &["ARGOCD_APP_NAMESPACE"],
        default: Some("default"),
        empty_is_default: true,
        set: |o, v| put(&mut o.namespace, text(v)),
        ..opt(
            "namespace",
            "Default namespace",
            "namespace for objects that set none (else ARGOCD_APP_NAMESPACE, else default)",
        )
    },
    OptSpec {
        default: Some("all"),
        values: OutputKind::names,
        set: |o, v| put(&mut o.output, choice(v)),
        ..opt(
            "output",
            "Output",
            "all: input manifests annotated, plus cluster ConfigMaps; clusters: Envoy clusters only",
        )
    },
    OptSpec {
        values: Format::names,
        set: |o, v| put(&mut o.format, choice(v).map(Some)),
        ..opt(
            "format",
            "Format",
            "output format: render yaml (default) or json; check, explain and diff text (default) or json; diff also markdown",
        )
    },
    OptSpec {
        default: Some("envoy-clusters"),
        empty_is_default: true,
        set: |o, v| put(&mut o.configmap_name, text(v)),
        ..opt("configmap-name", "ConfigMap name", "name of the per-namespace ConfigMap holding rendered clusters")
    },
    OptSpec {
        default: Some("mesh.internal"),
        empty_is_default: true,
        set: |o, v| put(&mut o.global_service_domain, text(v)),
        ..opt(
            "global-service-domain",
            "Global service domain",
            "domain of the host <name>.<ns>.<domain> the mesh creates for Services labelled solo.io/service-scope: global",
        )
    },
    OptSpec {
        default: Some("V4_PREFERRED"),
        values: DnsLookupFamily::names,
        extra_env: &["KGW_DNS_LOOKUP_FAMILY"],
        set: |o, v| put(&mut o.dns_lookup_family, choice(v)),
        ..opt("dns-lookup-family", "DNS lookup family", "kgateway's global DNS lookup family for DNS clusters")
    },
    OptSpec {
        default: Some("STANDARD"),
        values: ValidationMode::names,
        ignore_case: ValidationMode::IGNORE_CASE,
        extra_env: &["KGW_VALIDATION_MODE"],
        set: |o, v| put(&mut o.validation_mode, choice(v)),
        ..opt(
            "validation-mode",
            "Validation mode",
            "kgateway's ValidationMode: STANDARD pushes a cluster Envoy would reject (bcp-render refuses it, naming the field); STRICT renders kgateway's blackhole cluster instead",
        )
    },
    OptSpec {
        extra_env: &["KGW_DISCOVERY_NAMESPACE_SELECTORS"],
        set: |o, v| put(&mut o.discovery_namespace_selectors, selectors(v)),
        ..opt(
            "discovery-namespace-selectors",
            "Discovery namespace selectors",
            "kgateway's DiscoveryNamespaceSelectors: a JSON list of label selectors; kgateway watches only the namespaces whose Namespace matches one (default: all)",
        )
    },
    OptSpec {
        kind: OptKind::Switch,
        default: Some("true"),
        extra_env: &["KGW_ENABLE_ISTIO_INTEGRATION"],
        set: |o, v| put(&mut o.istio_integration, Ok(v == "true")),
        ..opt(
            "istio-integration",
            "Istio integration",
            "kgateway's EnableIstioIntegration: from 2.3 ServiceEntries become clusters only with it (kgateway's default is off; bcp-render's is on, for repositories that hold ServiceEntries)",
        )
    },
    OptSpec {
        kind: OptKind::Switch,
        default: Some("false"),
        extra_env: &["KGW_ENABLE_AWS_EC2_DISCOVERY"],
        set: |o, v| put(&mut o.aws_ec2_discovery, Ok(v == "true")),
        ..opt(
            "aws-ec2-discovery",
            "AWS EC2 discovery",
            "kgateway's EnableAwsEc2Discovery (2.4+): AWS EC2 Backends get an EDS cluster; off, kgateway rejects them",
        )
    },
    OptSpec {
        kind: OptKind::Switch,
        default: Some("false"),
        set: |o, v| put(&mut o.allow_invalid, Ok(v == "true")),
        ..opt(
            "allow-invalid",
            "Allow invalid policies",
            "render kgateway's blackhole cluster for a backend whose policy fails to translate, instead of failing",
        )
    },
    OptSpec {
        kind: OptKind::Switch,
        default: Some("false"),
        set: |o, v| put(&mut o.strict, Ok(v == "true")),
        ..opt("strict", "Strict", "treat warnings as errors")
    },
    OptSpec {
        empty_is_default: true,
        operator_only: true,
        set: |o, v| put(&mut o.root, Ok(Some(v.into()))),
        ..opt(
            "root",
            "Repository root",
            "repository root; nothing outside it is read (default: the git top-level, the Argo CD repository root, or the path itself)",
        )
    },
    OptSpec {
        default: Some("auto"),
        values: KustomizeEngine::names,
        set: |o, v| put(&mut o.kustomize_engine, choice(v)),
        ..opt(
            "kustomize-engine",
            "Kustomize engine",
            "what builds a kustomization: builtin (bcp-render's own, refusing what it cannot build exactly), exec (the real kustomize), or auto (builtin where exact, else the real kustomize if installed)",
        )
    },
    OptSpec {
        empty_is_default: true,
        operator_only: true,
        set: |o, v| put(&mut o.kustomize_command, command(v)),
        ..opt(
            "kustomize-command",
            "Kustomize command",
            "the real kustomize, as a program and its first arguments, split on spaces, no shell (default: kustomize build, else kubectl kustomize, from PATH)",
        )
    },
    OptSpec {
        default: Some("60"),
        set: |o, v| put(&mut o.kustomize_timeout, number(v)),
        ..opt("kustomize-timeout", "Kustomize timeout", "seconds the real kustomize may run before it is stopped")
    },
    OptSpec {
        default: Some("268435456"),
        set: |o, v| put(&mut o.max_input_bytes, number(v)),
        ..opt("max-input-bytes", "Max input bytes", "total bytes of input read, checked before reading")
    },
    OptSpec {
        default: Some("67108864"),
        set: |o, v| put(&mut o.max_file_bytes, number(v)),
        ..opt("max-file-bytes", "Max file bytes", "bytes of any one input file")
    },
    OptSpec {
        default: Some("200000"),
        set: |o, v| put(&mut o.max_documents, number(v)),
        ..opt("max-documents", "Max documents", "number of YAML documents in the input")
    },
    OptSpec {
        default: Some("64"),
        set: |o, v| put(&mut o.max_depth, number(v)),
        ..opt("max-depth", "Max nesting depth", "nesting depth of any YAML document")
    },
    OptSpec {
        default: Some("64"),
        set: |o, v| put(&mut o.max_dir_depth, number(v)),
        // A bound against hostile trees: the repository it protects against must not lift it.
        operator_only: true,
        ..opt("max-dir-depth", "Max directory depth", "directory levels below an input directory that are read")
    },
    OptSpec {
        default: Some("94371840"),
        set: |o, v| put(&mut o.max_output_bytes, number(v)),
        ..opt("max-output-bytes", "Max output bytes", "bytes of output; must stay below Argo CD's 100 MiB gRPC limit")
    },
];

impl OptSpec {
    /// The allowed values, when the option is an enumeration.
    pub fn allowed(&self) -> Vec<&'static str> {
        (self.values)()
    }
}
