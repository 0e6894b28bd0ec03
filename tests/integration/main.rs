//! One integration-test binary: the real executable on fixture repositories.

mod argocd;
mod check;
mod determinism;
mod errors;
mod explain_diff;
mod fields;
mod profiles;
mod render;
mod scale;
mod util;
mod yaml11;
