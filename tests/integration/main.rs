//! One integration-test binary: the real executable on fixture repositories.

mod argocd;
mod errors;
mod fields;
mod hostile;
mod render;
mod util;
mod yaml11;
