//! Kustomize path handling: each input line becomes a `resources` (or `components`, or patch
//! `path`) entry of a kustomization in a fixed tree next to a directory outside the root.
//! Loading never panics and never reads the outside file.
//!
//! The body lives in the library (`bcp_render::fuzzing`), so that every build compiles it
//! and the integration tests run it on seed inputs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bcp_render::fuzzing::kustomize_paths(data);
});
