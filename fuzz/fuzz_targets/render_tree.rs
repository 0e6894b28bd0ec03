//! The whole render on a generated tree: the input is split on `\0` into up to 8 files
//! (`f0.yaml`...), rendered with the default options; never panics, and the output of a
//! successful render parses back.
//!
//! The body lives in the library (`bcp_render::fuzzing`), so that every build compiles it
//! and the integration tests run it on seed inputs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bcp_render::fuzzing::render_tree(data);
});
