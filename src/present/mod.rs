//! How results read: only commands import this layer.
//!
//! * [`manifests`]: the annotated manifests, cluster ConfigMaps and `--output clusters`;
//! * [`explain`]: why each cluster field has its value, why a policy attaches to nothing;
//! * [`diff`]: Envoy changes between two results, with what caused each (the engine, and the
//!   data `--format json` prints); [`diff_text`]: its text and Markdown;
//! * [`diagnostics`]: diagnostics as text and as JSON.

pub mod diagnostics;
pub mod diff;
pub mod diff_text;
pub mod explain;
pub mod manifests;
