//! Validation of image names given to `-t/--tag`, following the docker reference grammar:
//! `[domain[:port]/]path-component[/path-component...][:tag]`.

use std::sync::OnceLock;

use regex::Regex;

const NAME_TOTAL_MAX: usize = 255;

fn grammar() -> &'static Regex {
    static GRAMMAR: OnceLock<Regex> = OnceLock::new();
    GRAMMAR.get_or_init(|| {
        let domain_component = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        let domain = format!(
            r"(?:{domain_component}(?:\.{domain_component})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
        );
        let path_component = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
        // ASCII classes, not `\w`: the Unicode tables would make compiling this cost ~40 ms.
        let tag = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
        Regex::new(&format!(
            r"^(?P<name>(?:{domain}/)?{path_component}(?:/{path_component})*)(?::(?P<tag>{tag}))?$"
        ))
        .expect("the reference grammar is a valid regex")
    })
}

/// Checks `reference` as an image name for a build; the error says what is wrong with it.
pub fn validate_tag(reference: &str) -> Result<(), String> {
    if reference.is_empty() {
        return Err("the name is empty".into());
    }
    if reference.contains('@') {
        return Err("a tag cannot contain a digest (`@sha256:...`)".into());
    }
    let Some(captures) = grammar().captures(reference) else {
        let name = name_part(reference);
        return Err(
            if name != name.to_lowercase() && grammar().is_match(&reference.to_lowercase()) {
                "repository name must be lowercase".into()
            } else {
                "invalid reference format: expected [registry[:port]/]name[:tag] with a lowercase name and a tag of letters, digits, '_', '.', '-' (at most 128)".into()
            },
        );
    };
    let name = &captures["name"];
    if name.len() > NAME_TOTAL_MAX {
        return Err(format!(
            "repository name must not be longer than {NAME_TOTAL_MAX} characters"
        ));
    }
    if name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(
            "repository name cannot be a 64-character hexadecimal string (an image ID)".into(),
        );
    }
    Ok(())
}

/// The part of `reference` before its tag: the last `:` after the last `/`.
fn name_part(reference: &str) -> &str {
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[last_slash..].rfind(':') {
        Some(colon) => &reference[..last_slash + colon],
        None => reference,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_docker_references() {
        for good in [
            "redis",
            "leon/redis",
            "leon/redis:7.2-alpine",
            "Registry/redis",
            "localhost:5000/team/app:v1",
            "registry.example.com/a/b/c",
            "my_app__x.y-z:latest",
            "[::1]:5000/app:1",
        ] {
            assert_eq!(validate_tag(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn rejects_bad_references_with_reasons() {
        assert_eq!(
            validate_tag("leon/Redis").unwrap_err(),
            "repository name must be lowercase"
        );
        assert!(validate_tag("redis:")
            .unwrap_err()
            .starts_with("invalid reference format"));
        assert!(validate_tag("-redis")
            .unwrap_err()
            .starts_with("invalid reference format"));
        assert!(validate_tag("redis:bad tag")
            .unwrap_err()
            .starts_with("invalid reference format"));
        assert!(validate_tag(&format!("r:{}", "a".repeat(129))).is_err());
        assert!(validate_tag("redis@sha256:abc")
            .unwrap_err()
            .contains("digest"));
        assert!(validate_tag(&"a".repeat(64))
            .unwrap_err()
            .contains("hexadecimal"));
        assert_eq!(validate_tag("").unwrap_err(), "the name is empty");
    }
}
