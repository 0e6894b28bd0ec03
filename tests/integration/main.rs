//! One integration-test binary: the real executable on fixture repositories.

mod argocd;
mod errors;
mod render;
mod util;
