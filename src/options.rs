//! The one table of options.
//!
//! Every option is a long flag, an Argo CD parameter of the same name (from
//! `ARGOCD_APP_PARAMETERS`), then `ARGOCD_ENV_BCP_RENDER_<NAME>`, then `BCP_RENDER_<NAME>`,
//! then any legacy environment names listed in the table. The same table feeds clap,
//! `plugin.yaml` (a test asserts the file matches) and the README's option list.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::diag::Diagnostic;
use crate::profile::Release;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptKind {
    /// Takes a value.
    Value,
    /// A boolean switch: `--flag` on the command line, `true`/`false` elsewhere.
    Switch,
}

#[derive(Debug, Clone, Copy)]
pub struct OptSpec {
    /// Flag name without dashes, and the Argo CD parameter name.
    pub name: &'static str,
    pub title: &'static str,
    pub help: &'static str,
    pub kind: OptKind,
    pub default: Option<&'static str>,
    /// Allowed values, when the option is an enumeration.
    pub values: &'static [&'static str],
    /// Further environment variables read after the `BCP_RENDER_` one.
    pub extra_env: &'static [&'static str],
}

const fn opt(name: &'static str, title: &'static str, help: &'static str) -> OptSpec {
    OptSpec { name, title, help, kind: OptKind::Value, default: None, values: &[], extra_env: &[] }
}

pub const OPTIONS: &[OptSpec] = &[
    OptSpec {
        default: Some("2.4"),
        values: &["2.1", "2.2", "2.3", "2.4", "main"],
        ..opt("kgateway-version", "kgateway version", "kgateway release whose translation to reproduce")
    },
    OptSpec {
        extra_env: &["KGW_GLOBAL_POLICY_NAMESPACE"],
        ..opt(
            "global-policy-namespace",
            "Global policy namespace",
            "namespace whose targetSelectors policies apply to backends in every namespace (kgateway's KGW_GLOBAL_POLICY_NAMESPACE)",
        )
    },
    OptSpec {
        extra_env: &["ARGOCD_APP_NAMESPACE"],
        default: Some("default"),
        ..opt(
            "namespace",
            "Default namespace",
            "namespace for objects that set none (else ARGOCD_APP_NAMESPACE, else default)",
        )
    },
    OptSpec {
        default: Some("all"),
        values: &["all", "clusters"],
        ..opt(
            "output",
            "Output",
            "all: input manifests annotated, plus cluster ConfigMaps; clusters: Envoy clusters only",
        )
    },
    OptSpec {
        values: &["yaml", "json", "text", "markdown"],
        ..opt(
            "format",
            "Format",
            "output format: render yaml (default) or json; check, explain and diff text (default) or json; diff also markdown",
        )
    },
    OptSpec {
        default: Some("envoy-clusters"),
        ..opt("configmap-name", "ConfigMap name", "name of the per-namespace ConfigMap holding rendered clusters")
    },
    OptSpec {
        default: Some("mesh.internal"),
        ..opt(
            "global-service-domain",
            "Global service domain",
            "domain of the host <name>.<ns>.<domain> the mesh creates for Services labelled solo.io/service-scope: global",
        )
    },
    OptSpec {
        default: Some("V4_PREFERRED"),
        values: &["V4_PREFERRED", "V4_ONLY", "V6_ONLY", "AUTO", "ALL"],
        extra_env: &["KGW_DNS_LOOKUP_FAMILY"],
        ..opt("dns-lookup-family", "DNS lookup family", "kgateway's global DNS lookup family for DNS clusters")
    },
    OptSpec {
        kind: OptKind::Switch,
        default: Some("false"),
        ..opt(
            "allow-invalid",
            "Allow invalid policies",
            "render kgateway's blackhole cluster for a backend whose policy fails to translate, instead of failing",
        )
    },
    OptSpec { kind: OptKind::Switch, default: Some("false"), ..opt("strict", "Strict", "treat warnings as errors") },
    OptSpec {
        ..opt(
            "root",
            "Repository root",
            "repository root; nothing outside it is read (default: the git top-level, the Argo CD repository root, or the path itself)",
        )
    },
    OptSpec {
        default: Some("268435456"),
        ..opt("max-input-bytes", "Max input bytes", "total bytes of input read, checked before reading")
    },
    OptSpec { default: Some("67108864"), ..opt("max-file-bytes", "Max file bytes", "bytes of any one input file") },
    OptSpec {
        default: Some("200000"),
        ..opt("max-documents", "Max documents", "number of YAML documents in the input")
    },
    OptSpec { default: Some("64"), ..opt("max-depth", "Max nesting depth", "nesting depth of any YAML document") },
    OptSpec {
        default: Some("94371840"),
        ..opt("max-output-bytes", "Max output bytes", "bytes of output; must stay below Argo CD's 100 MiB gRPC limit")
    },
];

pub fn spec(name: &str) -> &'static OptSpec {
    OPTIONS.iter().find(|o| o.name == name).unwrap_or_else(|| panic!("option {name} is not in the table"))
}

/// `kgateway-version` → `BCP_RENDER_KGATEWAY_VERSION`.
pub fn env_name(name: &str) -> String {
    format!("BCP_RENDER_{}", name.to_ascii_uppercase().replace('-', "_"))
}

/// Where a value came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag,
    Parameter,
    Env(String),
    Default,
}

impl Source {
    fn describe(&self, name: &str) -> String {
        match self {
            Source::Flag => format!("flag --{name}"),
            Source::Parameter => format!("Argo CD parameter {name:?}"),
            Source::Env(var) => format!("environment variable {var}"),
            Source::Default => format!("default of --{name}"),
        }
    }
}

/// Raw option values as strings, before typing.
#[derive(Debug, Clone, Default)]
pub struct RawOptions {
    pub values: BTreeMap<&'static str, (String, Source)>,
}

/// The environment, passed in so tests need not mutate the process environment.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Env for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// Parse `ARGOCD_APP_PARAMETERS`: unset, `null` and `[]` mean none.
pub fn argocd_parameters(raw: Option<&str>) -> Result<BTreeMap<String, String>, Diagnostic> {
    let mut out = BTreeMap::new();
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(out) };
    let parsed: Value = serde_json::from_str(raw).map_err(|e| {
        Diagnostic::error(format!("ARGOCD_APP_PARAMETERS is not valid JSON: {e}"))
            .hint("it must be a JSON list of {\"name\": ..., \"string\": ...} objects")
    })?;
    let items = match &parsed {
        Value::Null => return Ok(out),
        Value::Array(items) => items,
        _ => return Err(Diagnostic::error("ARGOCD_APP_PARAMETERS must be a JSON list")),
    };
    for item in items {
        let Some(name) = item.get("name").and_then(Value::as_str) else {
            return Err(Diagnostic::error("ARGOCD_APP_PARAMETERS has an entry without a name"));
        };
        if !OPTIONS.iter().any(|o| o.name == name) {
            return Err(Diagnostic::error(format!("unknown Argo CD parameter {name:?}"))
                .hint(format!("known parameters: {}", OPTIONS.iter().map(|o| o.name).collect::<Vec<_>>().join(", "))));
        }
        match item.get("string") {
            Some(Value::String(s)) => {
                out.insert(name.to_string(), s.clone());
            }
            Some(_) => return Err(Diagnostic::error(format!("Argo CD parameter {name:?} must be a string"))),
            None if item.get("array").is_some() || item.get("map").is_some() => {
                return Err(Diagnostic::error(format!(
                    "Argo CD parameter {name:?} must be a string, not an array or map"
                )));
            }
            None => {}
        }
    }
    Ok(out)
}

/// Resolve every option: flag, parameter, `ARGOCD_ENV_BCP_RENDER_*`, `BCP_RENDER_*`, extra env,
/// default.
pub fn resolve(flags: &BTreeMap<&'static str, String>, env: &dyn Env) -> Result<RawOptions, Diagnostic> {
    let params = argocd_parameters(env.var("ARGOCD_APP_PARAMETERS").as_deref())?;
    let mut raw = RawOptions::default();
    for spec in OPTIONS {
        let env_var = env_name(spec.name);
        let argo_env = format!("ARGOCD_ENV_{env_var}");
        let found = flags
            .get(spec.name)
            .map(|v| (v.clone(), Source::Flag))
            .or_else(|| params.get(spec.name).map(|v| (v.clone(), Source::Parameter)))
            .or_else(|| env.var(&argo_env).map(|v| (v, Source::Env(argo_env.clone()))))
            .or_else(|| env.var(&env_var).map(|v| (v, Source::Env(env_var.clone()))))
            .or_else(|| {
                spec.extra_env
                    .iter()
                    .find_map(|e| env.var(e).filter(|v| !v.is_empty()).map(|v| (v, Source::Env(e.to_string()))))
            })
            .or_else(|| spec.default.map(|d| (d.to_string(), Source::Default)));
        if let Some((value, source)) = found {
            if !spec.values.is_empty() && !spec.values.contains(&value.as_str()) {
                return Err(Diagnostic::error(format!(
                    "{}: invalid value {value:?} for {}",
                    source.describe(spec.name),
                    spec.name
                ))
                .hint(format!("expected one of {}", spec.values.join(", "))));
            }
            if spec.kind == OptKind::Switch && !matches!(value.as_str(), "true" | "false") {
                return Err(Diagnostic::error(format!("{}: invalid value {value:?}", source.describe(spec.name)))
                    .hint("expected true or false"));
            }
            raw.values.insert(spec.name, (value, source));
        }
    }
    Ok(raw)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    All,
    Clusters,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Text,
    Markdown,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Text => "text",
            Format::Markdown => "markdown",
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
    pub dns_lookup_family: String,
    pub allow_invalid: bool,
    pub strict: bool,
    pub root: Option<PathBuf>,
    pub max_input_bytes: u64,
    pub max_file_bytes: u64,
    pub max_documents: usize,
    pub max_depth: usize,
    pub max_output_bytes: u64,
}

impl Options {
    pub fn from_raw(raw: &RawOptions) -> Result<Options, Diagnostic> {
        let get = |name: &str| raw.values.get(name).map(|(v, _)| v.as_str());
        let num = |name: &str| -> Result<u64, Diagnostic> {
            let (v, src) = &raw.values[name];
            v.trim().parse::<u64>().map_err(|_| {
                Diagnostic::error(format!("{}: invalid number {v:?}", src.describe(name)))
                    .hint("expected a whole number")
            })
        };
        let non_empty = |name: &str| get(name).filter(|s| !s.is_empty()).map(str::to_string);
        Ok(Options {
            release: get("kgateway-version").unwrap_or("2.4").parse().map_err(Diagnostic::error)?,
            global_policy_namespace: non_empty("global-policy-namespace"),
            namespace: non_empty("namespace").unwrap_or_else(|| "default".into()),
            output: if get("output") == Some("clusters") { OutputKind::Clusters } else { OutputKind::All },
            format: match get("format") {
                Some("yaml") => Some(Format::Yaml),
                Some("json") => Some(Format::Json),
                Some("text") => Some(Format::Text),
                Some("markdown") => Some(Format::Markdown),
                _ => None,
            },
            configmap_name: non_empty("configmap-name").unwrap_or_else(|| "envoy-clusters".into()),
            global_service_domain: non_empty("global-service-domain").unwrap_or_else(|| "mesh.internal".into()),
            dns_lookup_family: get("dns-lookup-family").unwrap_or("V4_PREFERRED").to_string(),
            allow_invalid: get("allow-invalid") == Some("true"),
            strict: get("strict") == Some("true"),
            root: non_empty("root").map(PathBuf::from),
            max_input_bytes: num("max-input-bytes")?,
            max_file_bytes: num("max-file-bytes")?,
            max_documents: num("max-documents")? as usize,
            max_depth: num("max-depth")? as usize,
            max_output_bytes: num("max-output-bytes")?,
        })
    }
}

/// `ARGOCD_APP_NAME` is `<name>` or, for apps outside the control-plane namespace,
/// `<appNamespace>_<name>`. Returns (namespace, name).
pub fn argocd_app_name(raw: &str) -> (Option<&str>, &str) {
    match raw.split_once('_') {
        Some((ns, name)) if !ns.is_empty() && !name.is_empty() => (Some(ns), name),
        _ => (None, raw),
    }
}

/// The Argo CD `plugin.yaml`, generated from the table (a test keeps the file in sync).
pub fn plugin_manifest() -> Value {
    let params: Vec<Value> = OPTIONS
        .iter()
        .map(|o| {
            let mut p =
                serde_json::json!({"name": o.name, "title": o.title, "tooltip": o.help, "collectionType": "string"});
            if let Some(d) = o.default {
                p["string"] = Value::String(d.to_string());
            }
            p
        })
        .collect();
    serde_json::json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ConfigManagementPlugin",
        "metadata": {"name": "bcp-render"},
        "spec": {
            "version": "v1",
            "generate": {"command": ["/usr/local/bin/bcp-render", "render", "."]},
            "parameters": {"static": params},
            "preserveFileMode": false,
            "provideGitCreds": false,
        }
    })
}

/// The README's option table (between its `<!-- options -->` markers), from the table.
pub fn markdown_table() -> String {
    let mut out = String::from("| flag / Argo CD parameter | environment | default | meaning |\n|---|---|---|---|\n");
    for o in OPTIONS {
        let mut env = vec![format!("`ARGOCD_ENV_{}`", env_name(o.name)), format!("`{}`", env_name(o.name))];
        env.extend(o.extra_env.iter().map(|e| format!("`{e}`")));
        let default = o.default.map(|d| format!("`{d}`")).unwrap_or_else(|| "–".into());
        let mut help = o.help.to_string();
        if !o.values.is_empty() {
            help.push_str(&format!(
                " (one of {})",
                o.values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
            ));
        }
        out.push_str(&format!("| `--{}` | {} | {} | {} |\n", o.name, env.join(", "), default, help));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn resolved(flags: &[(&'static str, &str)], e: &[(&str, &str)]) -> Result<Options, Diagnostic> {
        let flags = flags.iter().map(|(k, v)| (*k, v.to_string())).collect();
        Options::from_raw(&resolve(&flags, &env(e))?)
    }

    #[test]
    fn defaults_apply_without_any_source() {
        let o = resolved(&[], &[]).unwrap();
        assert_eq!(o.release, Release::V2_4);
        assert_eq!(o.namespace, "default");
        assert_eq!(o.configmap_name, "envoy-clusters");
        assert!(!o.allow_invalid);
    }

    #[test]
    fn precedence_is_flag_parameter_argo_env_env_extra() {
        let all = [
            ("ARGOCD_APP_PARAMETERS", r#"[{"name":"namespace","string":"from-param"}]"#),
            ("ARGOCD_ENV_BCP_RENDER_NAMESPACE", "from-argo-env"),
            ("BCP_RENDER_NAMESPACE", "from-env"),
            ("ARGOCD_APP_NAMESPACE", "from-app"),
        ];
        assert_eq!(resolved(&[("namespace", "from-flag")], &all).unwrap().namespace, "from-flag");
        assert_eq!(resolved(&[], &all).unwrap().namespace, "from-param");
        assert_eq!(resolved(&[], &all[1..]).unwrap().namespace, "from-argo-env");
        assert_eq!(resolved(&[], &all[2..]).unwrap().namespace, "from-env");
        assert_eq!(resolved(&[], &all[3..]).unwrap().namespace, "from-app");
    }

    #[test]
    fn parameters_may_be_unset_null_or_empty() {
        for raw in [None, Some(""), Some("null"), Some("[]")] {
            assert!(argocd_parameters(raw).unwrap().is_empty());
        }
    }

    #[test]
    fn bad_values_name_the_parameter() {
        let e =
            resolved(&[], &[("ARGOCD_APP_PARAMETERS", r#"[{"name":"kgateway-version","string":"9.9"}]"#)]).unwrap_err();
        assert!(e.to_string().contains("Argo CD parameter \"kgateway-version\""), "{e}");
        let e = resolved(&[], &[("ARGOCD_APP_PARAMETERS", r#"[{"name":"nope","string":"x"}]"#)]).unwrap_err();
        assert!(e.to_string().contains("unknown Argo CD parameter \"nope\""), "{e}");
        let e = resolved(&[], &[("BCP_RENDER_MAX_DEPTH", "deep")]).unwrap_err();
        assert!(e.to_string().contains("BCP_RENDER_MAX_DEPTH"), "{e}");
        let e = resolved(&[], &[("ARGOCD_APP_PARAMETERS", "{")]).unwrap_err();
        assert!(e.to_string().contains("not valid JSON"), "{e}");
    }

    #[test]
    fn kgw_global_policy_namespace_is_read() {
        let o = resolved(&[], &[("KGW_GLOBAL_POLICY_NAMESPACE", "kgateway-system")]).unwrap();
        assert_eq!(o.global_policy_namespace.as_deref(), Some("kgateway-system"));
    }

    #[test]
    fn app_name_may_carry_a_namespace() {
        assert_eq!(argocd_app_name("team_payments"), (Some("team"), "payments"));
        assert_eq!(argocd_app_name("payments"), (None, "payments"));
    }
}
