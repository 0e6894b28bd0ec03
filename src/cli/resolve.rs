//! Where each option's value comes from: the flag, the Argo CD parameter of the same name
//! (`ARGOCD_APP_PARAMETERS`), `ARGOCD_ENV_BCP_RENDER_<NAME>`, `BCP_RENDER_<NAME>`, the
//! option's further environment variables, then its default; and the typed [`Options`].
//! Operator-only options skip the two sources an application controls (and refuse them).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::cli::table::{OPTIONS, OptKind};
use crate::core::diag::Diagnostic;
use crate::core::options::Options;

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
        if spec.operator_only {
            let app_set = if params.contains_key(spec.name) {
                Some(Source::Parameter)
            } else {
                env.var(&argo_env).map(|_| Source::Env(argo_env.clone()))
            };
            if let Some(source) = app_set {
                return Err(Diagnostic::error(format!(
                    "{}: {} may only be set by the operator, not by an application",
                    source.describe(spec.name),
                    spec.name
                ))
                .hint(format!("set {env_var} on the sidecar container, or pass --{} on the command line", spec.name)));
            }
        }
        let app = !spec.operator_only;
        let found = flags
            .get(spec.name)
            .map(|v| (v.clone(), Source::Flag))
            .or_else(|| params.get(spec.name).filter(|_| app).map(|v| (v.clone(), Source::Parameter)))
            .or_else(|| env.var(&argo_env).filter(|_| app).map(|v| (v, Source::Env(argo_env.clone()))))
            .or_else(|| env.var(&env_var).map(|v| (v, Source::Env(env_var.clone()))))
            .or_else(|| {
                spec.extra_env
                    .iter()
                    .find_map(|e| env.var(e).filter(|v| !v.is_empty()).map(|v| (v, Source::Env(e.to_string()))))
            })
            .or_else(|| spec.default.map(|d| (d.to_string(), Source::Default)));
        let found = match found {
            // An empty value of such an option is its default, not the next source.
            Some((value, _)) if value.is_empty() && spec.empty_is_default => {
                spec.default.map(|d| (d.to_string(), Source::Default))
            }
            found => found,
        };
        if let Some((value, source)) = found {
            let values = spec.allowed();
            let known = |v: &&str| if spec.ignore_case { v.eq_ignore_ascii_case(&value) } else { *v == value };
            if !values.is_empty() && !values.iter().any(known) {
                return Err(Diagnostic::error(format!(
                    "{}: invalid value {value:?} for {}",
                    source.describe(spec.name),
                    spec.name
                ))
                .hint(format!("expected one of {}", values.join(", "))));
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

/// Type the resolved values: each option present sets its field.
pub fn typed(raw: &RawOptions) -> Result<Options, Diagnostic> {
    let mut o = Options::unset();
    for spec in OPTIONS {
        let Some((value, source)) = raw.values.get(spec.name) else { continue };
        (spec.set)(&mut o, value).map_err(|e| {
            Diagnostic::error(format!("{}: invalid {} {value:?}", source.describe(spec.name), e.noun)).hint(e.expected)
        })?;
    }
    Ok(o)
}

/// The options from flags (by option name) and the environment.
pub fn options(flags: &BTreeMap<&'static str, String>, env: &dyn Env) -> Result<Options, Diagnostic> {
    typed(&resolve(flags, env)?)
}

/// `ARGOCD_APP_NAME` is `<name>` or, for apps outside the control-plane namespace,
/// `<appNamespace>_<name>`. Returns (namespace, name).
pub fn argocd_app_name(raw: &str) -> (Option<&str>, &str) {
    match raw.split_once('_') {
        Some((ns, name)) if !ns.is_empty() && !name.is_empty() => (Some(ns), name),
        _ => (None, raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::release::Release;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn resolved(flags: &[(&'static str, &str)], e: &[(&str, &str)]) -> Result<Options, Diagnostic> {
        let flags = flags.iter().map(|(k, v)| (*k, v.to_string())).collect();
        typed(&resolve(&flags, &env(e))?)
    }

    #[test]
    fn operator_only_options_refuse_what_an_application_sets() {
        // An application (or its repository's .argocd-source.yaml) must not pick the program
        // bcp-render runs, nor widen the root it reads.
        for name in ["kustomize-command", "root"] {
            let param = format!(r#"[{{"name": "{name}", "string": "/bin/sh x"}}]"#);
            let e = resolved(&[], &[("ARGOCD_APP_PARAMETERS", &param)]).unwrap_err();
            assert!(e.message.contains("may only be set by the operator"), "{}", e.message);
            let var = format!("ARGOCD_ENV_{}", env_name(name));
            let e = resolved(&[], &[(var.as_str(), "/")]).unwrap_err();
            assert!(e.message.contains(&var), "{}", e.message);
        }
        let o = resolved(&[], &[("BCP_RENDER_KUSTOMIZE_COMMAND", "/usr/bin/kubectl kustomize")]).unwrap();
        assert_eq!(o.kustomize_command, Some(vec!["/usr/bin/kubectl".to_string(), "kustomize".to_string()]));
        let o = resolved(&[("root", "/srv")], &[]).unwrap();
        assert_eq!(o.root.as_deref(), Some(std::path::Path::new("/srv")));
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
    fn every_option_with_a_default_sets_its_field() {
        // Options::unset() holds placeholders; the defaults come from the table alone.
        let o = resolved(&[], &[]).unwrap();
        let unset = Options::unset();
        assert_ne!(o.release, unset.release);
        assert_ne!(o.dns_lookup_family, unset.dns_lookup_family);
        assert_eq!((o.max_documents, o.max_depth), (200_000, 64));
        assert_eq!(o.global_service_domain, "mesh.internal");
    }

    #[test]
    fn empty_values_mean_the_default_for_names() {
        let o = resolved(&[("namespace", ""), ("configmap-name", ""), ("global-policy-namespace", "")], &[]).unwrap();
        assert_eq!((o.namespace.as_str(), o.configmap_name.as_str()), ("default", "envoy-clusters"));
        assert_eq!(o.global_policy_namespace, None);
        assert!(resolved(&[("max-depth", "")], &[]).is_err());
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
