//! RB801: a FROM image comes from a registry outside the configured trusted list.

use crate::diagnostic::{Finding, Severity};
use crate::reference;
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::support::earlier_stage;

pub static RULE: Rule = Rule {
    code: "RB801",
    name: "untrusted-registry",
    severity: Severity::Warning,
    severity_reason: "the build works; a project that forbids other registries makes it an error with `[severity] RB801 = \"error\"`",
    summary: "FROM image from a registry outside the trusted registries",
    docs: Docs {
        what_it_does: "When `trusted-registries` is configured, checks the registry of every \
FROM image against it. A name without a registry (`alpine`, `library/alpine`) comes from \
`docker.io`; `*.example.com` trusts every subdomain. Earlier stages, `scratch` and images \
named by a variable are not checked. Without a configured list the rule is quiet. (The \
examples assume `trusted-registries = [\"docker.io\", \"*.example.com\"]`.)",
        why_is_this_bad: "Images from an unvetted registry can change or disappear without \
review, and are a way in for compromised software. Organisations that mirror or vet images \
want every build to use those. A warning by default, since the build works; a project that \
forbids other registries makes it an error (`[severity] RB801 = \"error\"`) and the gate then stops \
such builds.",
        example: "FROM quay.io/prometheus/busybox:latest\n",
        use_instead: "FROM registry.example.com/mirror/busybox:1.36\n",
    },
    equivalents: Equivalents {
        hadolint: &["DL3026"],
        buildkit: None,
    },
    fix: FixAvailability::None,
    fixtures: Fixtures {
        fail: &[
            "FROM gcr.io/distroless/static\n",
            "FROM alpine AS base\nFROM localhost:5000/app\n",
            "FROM example.com.evil.io/app\n",
        ],
        pass: &[
            "FROM alpine:3.19\n",
            "FROM docker.io/library/alpine\n",
            "FROM index.docker.io/library/alpine\n",
            "FROM scratch\n",
            "FROM alpine AS base\nFROM base\n",
            "ARG REGISTRY=quay.io\nFROM ${REGISTRY}/app\n",
            "FROM mirror.Example.com:5000/app\n",
        ],
    },
    check: Checker::Static(check),
};

/// The registry that serves `image`: docker.io for names without one.
fn registry(image: &str) -> Option<String> {
    let parsed = reference::parse(image).ok()?;
    let domain = parsed.domain().unwrap_or("docker.io").to_ascii_lowercase();
    Some(match domain.as_str() {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".into(),
        _ => domain,
    })
}

/// Whether the trusted entry covers `registry`; a port is part of the registry's name.
fn trusts(entry: &str, registry: &str) -> bool {
    let entry = entry.trim().to_ascii_lowercase();
    match entry.strip_prefix("*.") {
        Some(suffix) => registry
            .split(':')
            .next()
            .and_then(|host| host.strip_suffix(suffix))
            .is_some_and(|prefix| prefix.ends_with('.')),
        None => entry == registry,
    }
}

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let trusted = &check.options.trusted_registries;
    if trusted.is_empty() {
        return;
    }
    for stage in &check.dockerfile.stages {
        let image = &stage.base.value;
        if image.contains('$')
            || image == "scratch"
            || earlier_stage(check.dockerfile, image, stage.index).is_some()
        {
            continue;
        }
        // Invalid references are another rule's business.
        let Some(registry) = registry(image) else {
            continue;
        };
        if !trusted.iter().any(|entry| trusts(entry, &registry)) {
            findings.push(
                Finding::new(
                    stage.base.span,
                    format!("`{image}` comes from `{registry}`, which is not a trusted registry"),
                )
                .with_help(format!(
                    "use an image from a trusted registry ({}), or add `{registry}` to \
`trusted-registries`",
                    trusted.join(", ")
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_subdomains_only() {
        assert!(trusts("*.example.com", "registry.example.com"));
        assert!(trusts("*.example.com", "a.b.example.com:5000"));
        assert!(!trusts("*.example.com", "example.com"));
        assert!(!trusts("*.example.com", "badexample.com"));
        assert!(trusts("Docker.io", "docker.io"));
        assert_eq!(registry("alpine").as_deref(), Some("docker.io"));
        assert_eq!(
            registry("localhost:5000/x").as_deref(),
            Some("localhost:5000")
        );
    }
}
