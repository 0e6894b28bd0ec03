//! One integration-test binary: the real executable on fixture repositories.

mod argocd;
mod concurrency;
mod errors;
mod fields;
mod hostile;
mod render;
mod util;
mod yaml11;
mod yaml_safety;
