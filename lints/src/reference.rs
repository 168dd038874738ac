//! Image references as docker reads them: `[domain[:port]/]path[:tag][@digest]`.

use std::sync::OnceLock;

use regex::Regex;

const NAME_TOTAL_MAX: usize = 255;

/// The parts of a valid image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference<'a> {
    /// Everything before the tag and digest, domain included.
    pub name: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

impl Reference<'_> {
    /// The registry host when the first path component names one (has `.` or `:`, or is
    /// `localhost`), as docker decides.
    pub fn domain(&self) -> Option<&str> {
        let (first, _) = self.name.split_once('/')?;
        (first.contains(['.', ':']) || first == "localhost" || first.starts_with('['))
            .then_some(first)
    }
}

fn grammar() -> &'static Regex {
    static GRAMMAR: OnceLock<Regex> = OnceLock::new();
    GRAMMAR.get_or_init(|| {
        let domain_component = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        let domain = format!(
            r"(?:{domain_component}(?:\.{domain_component})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
        );
        let path_component = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
        let tag = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
        let digest = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}";
        Regex::new(&format!(
            r"^(?P<name>(?:{domain}/)?{path_component}(?:/{path_component})*)(?::(?P<tag>{tag}))?(?:@(?P<digest>{digest}))?$"
        ))
        .expect("the reference grammar is a valid regex")
    })
}

/// Parses `reference`; the error says what is wrong with it, in docker's terms.
///
/// The grammar only says whether the reference is valid (a search without capture groups,
/// several times cheaper, and every FROM is checked by several rules); the parts are then
/// where the grammar puts them: the digest after the only `@`, the tag after a `:` in the last
/// path component (path components have no `:`; a port's colon comes before a `/`).
pub fn parse(reference: &str) -> Result<Reference<'_>, String> {
    if reference.is_empty() {
        return Err("the image name is empty".into());
    }
    if !grammar().is_match(reference) {
        let name = name_part(reference);
        return Err(
            if name != name.to_lowercase() && grammar().is_match(&reference.to_lowercase()) {
                "repository name must be lowercase".into()
            } else {
                "invalid reference format: expected [registry[:port]/]name[:tag][@digest] with a lowercase name and a tag of letters, digits, '_', '.', '-' (at most 128)".into()
            },
        );
    }
    let (named, digest) = match reference.split_once('@') {
        Some((named, digest)) => (named, Some(digest)),
        None => (reference, None),
    };
    let name = name_part(named);
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
    Ok(Reference {
        name,
        tag: named.get(name.len() + 1..),
        digest,
    })
}

/// The part of `reference` before its tag and digest.
fn name_part(reference: &str) -> &str {
    let reference = reference.split('@').next().unwrap_or(reference);
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
            "Registry.example.com/redis",
            "localhost:5000/team/app:v1",
            "registry.example.com/a/b/c",
            "my_app__x.y-z:latest",
            "[::1]:5000/app:1",
            "alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "alpine:3.19@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(parse(good).is_ok(), "{good}");
        }
        let parsed = parse("localhost:5000/team/app:v1").unwrap();
        assert_eq!(parsed.name, "localhost:5000/team/app");
        assert_eq!(parsed.tag, Some("v1"));
        assert_eq!(parsed.domain(), Some("localhost:5000"));
        let parts = |r| {
            let parsed = parse(r).unwrap();
            (parsed.name, parsed.tag, parsed.digest)
        };
        assert_eq!(parts("localhost:5000"), ("localhost", Some("5000"), None));
        assert_eq!(parts("[::1]:5000/app"), ("[::1]:5000/app", None, None));
        assert_eq!(
            parts("r.io:443/a/b:1.0@sha256:0123456789abcdef0123456789abcdef"),
            (
                "r.io:443/a/b",
                Some("1.0"),
                Some("sha256:0123456789abcdef0123456789abcdef")
            )
        );
        assert_eq!(
            parts("redis@sha256:0123456789abcdef0123456789abcdef").1,
            None
        );
        assert_eq!(parse("library/redis").unwrap().domain(), None);
    }

    #[test]
    fn rejects_bad_references_with_reasons() {
        assert_eq!(
            parse("leon/Redis").unwrap_err(),
            "repository name must be lowercase"
        );
        for bad in [
            "redis:",
            "-redis",
            "redis:bad tag",
            "alpine@sha256:xyz",
            "busybox:${TAG}",
        ] {
            assert!(
                parse(bad)
                    .unwrap_err()
                    .starts_with("invalid reference format"),
                "{bad}"
            );
        }
        assert!(parse(&format!("r:{}", "a".repeat(129))).is_err());
        assert!(parse(&"a".repeat(64)).unwrap_err().contains("hexadecimal"));
        assert_eq!(parse("").unwrap_err(), "the image name is empty");
    }
}
