//! Diagnostics: errors and warnings that point at a file, a line, an object and a field.
//!
//! Stages collect diagnostics instead of bailing on the first problem; the command decides
//! at the end whether anything may be printed (all or nothing).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// Where a diagnostic points. Every part is optional because some problems (a bad option,
/// an unreadable directory) have no object or line.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// Path relative to the repository root, or `<stdin>`.
    pub file: Option<String>,
    /// 1-based line and column.
    pub line: Option<usize>,
    pub col: Option<usize>,
}

/// What a diagnostic is about, for code that treats some findings differently. The message
/// is for people; code branches on this.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiagKind {
    #[default]
    General,
    /// A field the schema does not know.
    UnknownField,
    /// A field the schema requires is absent.
    MissingField,
    /// A field the chosen kgateway release does not have.
    NotInRelease,
    /// A kustomize feature the built-in kustomize does not build exactly.
    Unsupported,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    pub kind: DiagKind,
    pub location: Location,
    /// `Kind ns/name` of the object concerned, if any.
    pub object: Option<String>,
    /// Dotted field path inside the object (`spec.connectTimeout`), if any.
    pub field: Option<String>,
    pub message: String,
    /// How to fix it, when known.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            kind: DiagKind::General,
            location: Location::default(),
            object: None,
            field: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message) }
    }

    pub fn kind(mut self, kind: DiagKind) -> Self {
        self.kind = kind;
        self
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = location;
        self
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.location.file = Some(file.into());
        self
    }

    pub fn line(mut self, line: usize, col: usize) -> Self {
        self.location.line = Some(line);
        self.location.col = Some(col);
        self
    }

    pub fn object(mut self, object: impl Into<String>) -> Self {
        self.object = Some(object.into());
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Text as it may appear in a one-line message: control characters (newlines, ANSI escapes...)
/// escaped as Rust's `{:?}` writes them, so that a file or object name cannot forge a line of
/// output or drive the terminal.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return s.into();
    }
    s.chars()
        .map(|c| if c.is_control() { c.escape_debug().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

/// Compiler style: `file:line:col: error: Kind ns/name: field: message (hint)`, on one line
/// whatever its parts hold.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.location.file {
            write!(f, "{}", printable(file))?;
            if let Some(line) = self.location.line {
                write!(f, ":{line}")?;
                if let Some(col) = self.location.col {
                    write!(f, ":{col}")?;
                }
            }
            write!(f, ": ")?;
        }
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}: ")?;
        if let Some(obj) = &self.object {
            write!(f, "{}: ", printable(obj))?;
        }
        if let Some(field) = &self.field {
            write!(f, "{}: ", printable(field))?;
        }
        write!(f, "{}", printable(&self.message))?;
        if let Some(hint) = &self.hint {
            write!(f, " ({})", printable(hint))?;
        }
        Ok(())
    }
}

/// A set of diagnostics gathered over a run.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// Sorted by file, line, then message, deduplicated: stable whatever order stages ran in.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.items.iter().collect();
        v.sort_by(|a, b| {
            (&a.location.file, a.location.line, a.location.col, a.severity, &a.object, &a.field, &a.message).cmp(&(
                &b.location.file,
                b.location.line,
                b.location.col,
                b.severity,
                &b.object,
                &b.field,
                &b.message,
            ))
        });
        v.dedup();
        v
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.items
    }

    /// The diagnostics after the first `len`, to amend.
    pub fn since_mut(&mut self, len: usize) -> &mut [Diagnostic] {
        &mut self.items[len..]
    }

    /// Drop the diagnostics after the first `len`.
    pub fn truncate(&mut self, len: usize) {
        self.items.truncate(len);
    }

    /// Turn every warning into an error (`--strict`).
    pub fn make_strict(&mut self) {
        for d in &mut self.items {
            d.severity = Severity::Error;
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics { items: vec![d] }
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(items: Vec<Diagnostic>) -> Self {
        Diagnostics { items }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_compiler_style() {
        let d = Diagnostic::error("invalid duration value \"1.5s\"")
            .in_file("apps/a.yaml")
            .line(7, 3)
            .object("BackendConfigPolicy app/bad")
            .field("spec.connectTimeout")
            .hint("integers with h, m, s, ms; e.g. 1500ms");
        assert_eq!(
            d.to_string(),
            "apps/a.yaml:7:3: error: BackendConfigPolicy app/bad: spec.connectTimeout: \
             invalid duration value \"1.5s\" (integers with h, m, s, ms; e.g. 1500ms)"
        );
    }

    #[test]
    fn sorted_orders_by_file_then_line_and_dedups() {
        let mut ds = Diagnostics::new();
        ds.push(Diagnostic::error("b").in_file("b.yaml").line(1, 1));
        ds.push(Diagnostic::error("a").in_file("a.yaml").line(9, 1));
        ds.push(Diagnostic::error("a").in_file("a.yaml").line(2, 1));
        ds.push(Diagnostic::error("a").in_file("a.yaml").line(2, 1));
        let files: Vec<_> = ds.sorted().iter().map(|d| (d.location.file.clone(), d.location.line)).collect();
        assert_eq!(
            files,
            vec![(Some("a.yaml".into()), Some(2)), (Some("a.yaml".into()), Some(9)), (Some("b.yaml".into()), Some(1))]
        );
    }
}
