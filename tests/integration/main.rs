//! One integration-test binary: the real executable on fixture repositories.

mod argocd;
mod determinism;
mod errors;
mod explain_diff;
mod fields;
mod render;
mod util;
mod yaml11;
