//! The reference lexer's own test data, read from `../shared/conformance/buildkit-shell/` at
//! test time (see its FORMAT.md): every case must pass. Also every line of `../shared/corpus/`
//! goes through the lexer without a panic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rbuild_lints::shell::{CaseInsensitiveEnv, Env, Lexer};

/// `$RBUILD_SHARED`, or `../shared` beside the workspace root.
fn shared_dir(subdir: &str) -> PathBuf {
    let shared = match std::env::var_os("RBUILD_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    };
    let dir = shared.join(subdir);
    assert!(
        dir.is_dir(),
        "shared test material is missing: {} does not exist \
         (set RBUILD_SHARED to the shared/ folder)",
        dir.display()
    );
    dir
}

fn read_case_file(name: &str) -> String {
    let path = shared_dir("conformance/buildkit-shell").join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// The environment of the reference's `envVarTest` run.
const ENV_VAR_TEST_ENV: [(&str, &str); 4] = [
    ("PWD", "/home"),
    ("SHELL", "bash"),
    ("KOREAN", "한국어"),
    ("NULL", ""),
];

/// Runs one `expected` line (`error` or a value) and describes a mismatch.
fn check_word(lexer: Lexer, env: &dyn Env, input: &str, expected: &str) -> Option<String> {
    match (lexer.expand_word(input, env), expected) {
        (Err(_), "error") => None,
        (Ok(expansion), "error") => Some(format!(
            "{input:?}: expected an error, got {:?}",
            expansion.value
        )),
        (Ok(expansion), _) if expansion.value == expected => None,
        (Ok(expansion), _) => Some(format!(
            "{input:?}: expected {expected:?}, got {:?}",
            expansion.value
        )),
        (Err(error), _) => Some(format!(
            "{input:?}: expected {expected:?}, got error: {error}"
        )),
    }
}

#[test]
fn env_var_test_all_platform_lines_pass() {
    let text = read_case_file("envVarTest");
    let lexer = Lexer::new('\\');
    let unix_env: HashMap<String, String> = ENV_VAR_TEST_ENV
        .iter()
        .map(|&(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    let windows_env = CaseInsensitiveEnv::new(ENV_VAR_TEST_ENV);
    let mut failures = Vec::new();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('|').map(str::trim).collect();
        let [platform, input, expected] = fields[..] else {
            panic!("envVarTest:{}: not `P|input|expected`: {line:?}", index + 1);
        };
        let env: &dyn Env = match platform {
            "A" | "U" => &unix_env,
            "W" => &windows_env,
            _ => panic!("envVarTest:{}: unknown platform {platform:?}", index + 1),
        };
        *counts.entry(platform).or_default() += 1;
        if let Some(failure) = check_word(lexer, env, input, expected) {
            failures.push(format!("envVarTest:{}: {failure}", index + 1));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Guards against a truncated or misread file passing vacuously.
    assert!(
        counts["A"] > 200 && counts["U"] >= 2 && counts["W"] >= 2,
        "{counts:?}"
    );
}

#[test]
fn words_test_all_lines_pass() {
    let text = read_case_file("wordsTest");
    let lexer = Lexer::new('\\');
    // `ENV name=value` lines add to the environment of every later line.
    let mut env: Vec<(String, String)> = Vec::new();
    let mut failures = Vec::new();
    let mut cases = 0;
    for (index, line) in text.lines().enumerate() {
        if line.starts_with('#') {
            continue;
        }
        if let Some(assignment) = line.strip_prefix("ENV ") {
            let assignment = assignment.trim_start_matches(' ');
            let (name, value) = assignment.split_once('=').unwrap_or((assignment, ""));
            env.push((name.to_owned(), value.to_owned()));
            continue;
        }
        let Some((input, expected)) = line.split_once('|') else {
            panic!("wordsTest:{}: no `|` in {line:?}", index + 1);
        };
        let input = input.trim();
        // Only the left side is trimmed: trailing spaces of the last word are significant.
        let expected: Vec<&str> = expected.trim_start_matches(' ').split(',').collect();
        let actual = match lexer.expand_words(input, &env) {
            Ok(words) => words,
            Err(_) => vec!["error".to_owned()],
        };
        cases += 1;
        if actual != expected {
            failures.push(format!(
                "wordsTest:{}: {input:?}: expected {expected:?}, got {actual:?}",
                index + 1
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(cases > 20, "only {cases} cases read");
}

fn corpus_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            corpus_files(&path, files);
        } else if path.file_name().is_some_and(|name| name != "MANIFEST.tsv") {
            files.push(path);
        }
    }
}

/// Every line of the real-world corpus, as one word and split into words, with both escape
/// characters: no panic, and both entry points accept or reject the same lines.
#[test]
fn corpus_lines_expand_without_panic() {
    let mut files = Vec::new();
    corpus_files(&shared_dir("corpus"), &mut files);
    assert!(
        files.len() > 1000,
        "only {} corpus files found",
        files.len()
    );
    let env = [("HOME", "/root"), ("VERSION", "1.2.3"), ("EMPTY", "")];
    let mut lines = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("readable corpus file");
        let text = String::from_utf8_lossy(&bytes);
        for line in text.lines() {
            lines += 1;
            for escape in ['\\', '`'] {
                let lexer = Lexer::new(escape);
                let single = lexer.expand_word(line, &env);
                let split = lexer.expand_words(line, &env);
                assert_eq!(
                    single.is_ok(),
                    split.is_ok(),
                    "{}: {line:?}",
                    path.display()
                );
            }
        }
    }
    assert!(lines > 50_000, "only {lines} corpus lines read");
}
