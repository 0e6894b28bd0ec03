//! JSON6902 patches: `[document, patch]` as JSON; applying any patch never panics.
//!
//! The body lives in the library (`bcp_render::fuzzing`), so that every build compiles it
//! and the integration tests run it on seed inputs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bcp_render::fuzzing::json_patch(data);
});
