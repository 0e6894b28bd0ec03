//! Documents, errors and limits of a parsed stream, shared by the YAML and JSON readers.

use serde_json::Value;

/// Limits applied while parsing. Defaults are set by the caller from the options.
#[derive(Debug, Clone)]
pub struct ParseLimits {
    pub max_documents: usize,
    pub max_depth: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits { max_documents: 100_000, max_depth: 64 }
    }
}

/// One non-empty document of a stream.
#[derive(Debug, Clone)]
pub struct YamlDoc {
    pub value: Value,
    /// 1-based line of the document's first content line in the whole text.
    pub line: usize,
    /// Byte range of the document inside the whole text.
    pub span: (usize, usize),
    /// 1-based line of the span's first byte.
    pub span_line: usize,
    /// (`Schema::Kustomize`) An annotation value is kept as written in a form a JSON
    /// patch would re-type (`0x1F`): the document must not be patched by the built-in engine.
    pub retypable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line and column in the whole text.
    pub line: usize,
    pub col: usize,
    pub message: String,
    /// A limit (`--max-depth`, `--max-documents`) was hit, rather than a syntax error.
    pub limit: bool,
    /// Valid YAML that the chosen `Schema` cannot read exactly (the real tool may).
    pub unsupported: bool,
}

/// Whose reading of YAML to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schema {
    /// Kubernetes (kubectl, Argo CD): go-yaml v2, then JSON.
    #[default]
    Kubernetes,
    /// A kustomize resource file, as kustomize v5 reads it (goyaml.v3, then JSON): only
    /// `true`/`false` are booleans, timestamps are times, annotation values are the text
    /// written. What the built-in engine cannot reproduce is [`YamlError::unsupported`].
    Kustomize,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for YamlError {}

/// serde_json's own nesting limit, which JSON streams are read with.
pub(crate) const PARSER_DEPTH_LIMIT: usize = 128;

pub(crate) fn depth_message(limit: usize) -> String {
    format!("nesting deeper than {limit} levels (limit --max-depth)")
}

pub(crate) fn too_many_documents(limits: &ParseLimits) -> String {
    format!("more than {} documents (limit --max-documents)", limits.max_documents)
}

/// A key for an error message, never long.
pub(crate) fn short_key(key: &str) -> String {
    if key.chars().count() <= 40 {
        format!("{key:?}")
    } else {
        let head: String = key.chars().take(40).collect();
        format!("{head:?}...")
    }
}

/// serde_json's message without its trailing " at line L column C".
pub(crate) fn strip_position(msg: &str) -> String {
    let mut out = msg.to_string();
    while let Some(i) = out.find(" at line ") {
        let tail = &out[i + " at line ".len()..];
        let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let tail2 = &tail[digits..];
        let Some(tail3) = tail2.strip_prefix(" column ") else {
            break;
        };
        let digits2 = tail3.len() - tail3.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let end = i + " at line ".len() + digits + " column ".len() + digits2;
        out.replace_range(i..end, "");
    }
    out
}
