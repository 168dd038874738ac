//! Fuzz target: any bytes go through the parser, the reference dump and every rule (the
//! off-by-default ones and the configuration-driven ones included) without panicking.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rbuild_lints::label_format::LabelFormat;
use rbuild_lints::linter::{lint, RuleSettings};
use rbuild_lints::rule::LintOptions;

/// Every rule on, and options that switch on the rules that need configuration.
fn configuration() -> &'static (LintOptions, RuleSettings) {
    static CONFIGURATION: OnceLock<(LintOptions, RuleSettings)> = OnceLock::new();
    CONFIGURATION.get_or_init(|| {
        let options = LintOptions {
            trusted_registries: vec!["docker.io".into(), "*.example.com".into()],
            label_schema: LabelFormat::ALL
                .iter()
                .enumerate()
                .map(|(index, format)| (format!("label{index}"), *format))
                .collect(),
            strict_labels: true,
            target: Some("build".into()),
            context_dir: Some(context_dir()),
            ..LintOptions::default()
        };
        let settings = RuleSettings {
            ignored: Default::default(),
            ..RuleSettings::default()
        };
        (options, settings)
    })
}

/// A build context with a `.dockerignore`, so that the rules reading the context run too.
fn context_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rbuild-fuzz-context-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).expect("cannot make the fuzz context");
    for (name, text) in [
        (".dockerignore", "*.log\nnode_modules\n!keep.log\nsecret*\n"),
        ("package-lock.json", "{}"),
        ("src/main.c", ""),
    ] {
        std::fs::write(dir.join(name), text).expect("cannot write the fuzz context");
    }
    dir
}

fuzz_target!(|data: &[u8]| {
    if let Ok(dockerfile) = rbuild_lints::syntax::parse_bytes(data) {
        let _ = rbuild_lints::syntax::buildkit_dump(&dockerfile);
    }
    let (options, settings) = configuration();
    let _ = lint(data, options, settings);
});
