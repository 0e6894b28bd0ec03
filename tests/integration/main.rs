//! One integration-test binary: the real executable on fixture repositories.

mod argocd;
mod errors;
mod fields;
mod render;
mod scale;
mod util;
mod yaml11;
