//! The YAML/JSON stream parser with small limits: never panics, and whatever it accepts
//! survives our emitter and a second parse unchanged.
//!
//! The body lives in the library (`bcp_render::fuzzing`), so that every build compiles it
//! and the integration tests run it on seed inputs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bcp_render::fuzzing::yaml_stream(data);
});
