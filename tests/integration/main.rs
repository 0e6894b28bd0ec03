//! One integration-test binary: the real executable on fixture repositories.

mod argo_reading;
mod argocd;
mod backend_tls;
mod check;
mod concurrency;
mod determinism;
mod errors;
mod explain_diff;
mod fields;
mod fuzzing;
mod gateway_cert;
mod hostile;
mod key_material;
mod kustomize_diff;
mod layers;
mod nacks;
mod profiles;
mod render;
mod settings;
mod util;
mod yaml11;
mod yaml_safety;
