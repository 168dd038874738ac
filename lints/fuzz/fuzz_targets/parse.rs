//! Fuzz target: any bytes go through the parser and the reference dump without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(dockerfile) = rbuild_lints::syntax::parse_bytes(data) {
        let _ = rbuild_lints::syntax::buildkit_dump(&dockerfile);
    }
});
