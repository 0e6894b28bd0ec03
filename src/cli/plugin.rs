//! What the options table gives Argo CD and the README: `plugin.yaml` and the option list.

use serde_json::Value;

use crate::cli::resolve::env_name;
use crate::cli::table::OPTIONS;

/// The Argo CD `plugin.yaml`, generated from the table (a test keeps the file in sync).
pub fn plugin_manifest() -> Value {
    let params: Vec<Value> = OPTIONS
        .iter()
        .filter(|o| !o.operator_only)
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
        if o.operator_only {
            env = vec![format!("`{}` only (operator: no Argo CD parameter)", env_name(o.name))];
        }
        env.extend(o.extra_env.iter().map(|e| format!("`{e}`")));
        let default = o.default.map(|d| format!("`{d}`")).unwrap_or_else(|| "–".into());
        let mut help = o.help.to_string();
        let values = o.allowed();
        if !values.is_empty() {
            help.push_str(&format!(
                " (one of {})",
                values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
            ));
        }
        let flag = if o.operator_only { format!("`--{}` (flag only)", o.name) } else { format!("`--{}`", o.name) };
        out.push_str(&format!("| {flag} | {} | {} | {} |\n", env.join(", "), default, help));
    }
    out
}
