//! How a [`Diff`] reads: text (its `Display`) and Markdown for pull-request comments (its
//! JSON is its `Serialize`).

use std::fmt;

use serde_json::Value;

use crate::present::diff::{ClusterDiff, Diff};

fn show(v: &Option<Value>) -> String {
    match v {
        None => "(unset)".into(),
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
    }
}

fn list(v: &[String]) -> String {
    if v.is_empty() { "nothing".into() } else { v.join(", ") }
}

/// The text layout.
impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&text(self))
    }
}

fn text(d: &Diff) -> String {
    let mut out = String::new();
    for c in &d.clusters {
        match c {
            ClusterDiff::Added { name, responsible } => {
                out.push_str(&format!("+ cluster {name}  ({})\n", responsible.join("; ")))
            }
            ClusterDiff::Removed { name, responsible } => {
                out.push_str(&format!("- cluster {name}  ({})\n", responsible.join("; ")))
            }
            ClusterDiff::Changed { name, changes } => {
                out.push_str(&format!("~ cluster {name}\n"));
                for ch in changes {
                    out.push_str(&format!(
                        "    {}: {} -> {}  ({})\n",
                        ch.path,
                        show(&ch.old),
                        show(&ch.new),
                        ch.responsible.join("; ")
                    ));
                }
            }
        }
    }
    if !d.attachments.is_empty() {
        out.push_str("policy attachments:\n");
        for a in &d.attachments {
            out.push_str(&format!("  {}: {} -> {}\n", a.policy, list(&a.before), list(&a.after)));
        }
    }
    out
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown layout, for pull-request comments.
pub struct Markdown<'d>(pub &'d Diff);

impl fmt::Display for Markdown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&markdown(self.0))
    }
}

fn markdown(d: &Diff) -> String {
    let mut out = String::from("### bcp-render: Envoy cluster changes\n\n");
    let (mut added, mut removed, mut changed) = (0, 0, 0);
    for c in &d.clusters {
        match c {
            ClusterDiff::Added { .. } => added += 1,
            ClusterDiff::Removed { .. } => removed += 1,
            ClusterDiff::Changed { .. } => changed += 1,
        }
    }
    out.push_str(&format!(
        "{added} added, {removed} removed, {changed} changed cluster(s); {} policy attachment change(s).\n\n",
        d.attachments.len()
    ));
    if !d.clusters.is_empty() {
        out.push_str("| cluster | change | fields | caused by |\n|---|---|---|---|\n");
        for c in &d.clusters {
            let (kind, fields, who) = match c {
                ClusterDiff::Added { responsible, .. } => ("added", String::new(), responsible.clone()),
                ClusterDiff::Removed { responsible, .. } => ("removed", String::new(), responsible.clone()),
                ClusterDiff::Changed { changes, .. } => {
                    let mut who: Vec<String> = Vec::new();
                    for ch in changes {
                        for w in &ch.responsible {
                            if !who.contains(w) {
                                who.push(w.clone());
                            }
                        }
                    }
                    ("changed", format!("{}", changes.len()), who)
                }
            };
            out.push_str(&format!("| `{}` | {kind} | {fields} | {} |\n", c.name(), md_cell(&who.join("<br>"))));
        }
        out.push('\n');
    }
    for c in &d.clusters {
        if let ClusterDiff::Changed { name, changes } = c {
            out.push_str(&format!("<details><summary><code>{name}</code>: {} field(s)</summary>\n\n", changes.len()));
            out.push_str("| Envoy field | before | after | caused by |\n|---|---|---|---|\n");
            for ch in changes {
                out.push_str(&format!(
                    "| `{}` | `{}` | `{}` | {} |\n",
                    md_cell(&ch.path),
                    md_cell(&show(&ch.old)),
                    md_cell(&show(&ch.new)),
                    md_cell(&ch.responsible.join("<br>"))
                ));
            }
            out.push_str("\n</details>\n\n");
        }
    }
    if !d.attachments.is_empty() {
        out.push_str("**Policy attachments**\n\n| policy | before | after |\n|---|---|---|\n");
        for a in &d.attachments {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                md_cell(&a.policy),
                md_cell(&list(&a.before)),
                md_cell(&list(&a.after))
            ));
        }
    }
    out
}
