//! Diagnostics as people read them (compiler style, with a summary line) and as editors and
//! CI annotations read them (`check --format json`).

use std::fmt;

use serde::Serialize;

use crate::core::diag::{Diagnostic, Diagnostics, Severity};

/// Every diagnostic on its own line, sorted, then a summary line when there are errors.
pub struct Report<'d> {
    pub diagnostics: &'d Diagnostics,
    /// The Argo CD application being rendered (`ARGOCD_APP_NAME`: `<name>` or
    /// `<namespace>_<name>`), named in the summary.
    pub app: Option<(Option<&'d str>, &'d str)>,
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.diagnostics.sorted() {
            writeln!(f, "{d}")?;
        }
        if self.diagnostics.has_errors() {
            let app = match self.app {
                Some((Some(ns), name)) => format!(" for Argo CD application {ns}/{name}"),
                Some((None, name)) => format!(" for Argo CD application {name}"),
                None => String::new(),
            };
            writeln!(
                f,
                "bcp-render: {} error(s), {} warning(s){app}; nothing was rendered",
                self.diagnostics.error_count(),
                self.diagnostics.warning_count()
            )?;
        }
        Ok(())
    }
}

/// `check --format json`: the counts and every diagnostic.
#[derive(Debug, Serialize)]
pub struct JsonReport<'d> {
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<JsonDiagnostic<'d>>,
}

#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'d> {
    pub severity: &'static str,
    pub file: Option<&'d str>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub object: Option<&'d str>,
    pub field: Option<&'d str>,
    pub message: &'d str,
    pub hint: Option<&'d str>,
}

impl<'d> JsonReport<'d> {
    pub fn new(diags: &'d Diagnostics) -> Self {
        let diagnostics = diags.sorted().into_iter().map(JsonDiagnostic::new).collect();
        JsonReport { errors: diags.error_count(), warnings: diags.warning_count(), diagnostics }
    }
}

impl<'d> JsonDiagnostic<'d> {
    fn new(d: &'d Diagnostic) -> Self {
        JsonDiagnostic {
            severity: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            file: d.location.file.as_deref(),
            line: d.location.line,
            column: d.location.col,
            object: d.object.as_deref(),
            field: d.field.as_deref(),
            message: &d.message,
            hint: d.hint.as_deref(),
        }
    }
}
