//! RB512: COPY or ADD of a path that `.dockerignore` leaves out of the context.

use crate::diagnostic::{Finding, Severity};
use crate::dockerignore::{clean_path, DockerIgnore};
use crate::files;
use crate::rule::{Check, Checker, Docs, Equivalents, FixAvailability, Fixtures, Rule};

use super::support::context_sources;

pub static RULE: Rule = Rule {
    code: "RB512",
    name: "copy-ignored-file",
    severity: Severity::Error,
    severity_reason: "the file is not in the context the daemon receives: the COPY fails for certain",
    summary: "COPY or ADD of a file that .dockerignore excludes from the context",
    docs: Docs {
        what_it_does: "Reads the `.dockerignore` of the build context (when the context is known: \
the Dockerfile's directory for `lint`, the real context for a build) and finds COPY and ADD \
sources that it excludes, with the same matching rules as docker. Sources with variables or \
wildcards are not checked, as they may legitimately match nothing that is excluded.",
        why_is_this_bad: "Excluded files are never sent to the builder, so the instruction fails with \
\"not found\" after the context upload (or, for a directory whose parts are excluded, copies \
less than expected).",
        example: "FROM scratch\nCOPY ./tmp/helloworld.txt /helloworld.txt\n# with a .dockerignore containing: tmp/*\n",
        use_instead: "FROM scratch\nCOPY ./forever/helloworld.txt /helloworld.txt\n",
    },
    equivalents: Equivalents {
        hadolint: &[],
        buildkit: Some("CopyIgnoredFile"),
    },
    fix: FixAvailability::None,
    // Run by the tests below, in a context whose .dockerignore is `CONTEXT_IGNORE_FILE`.
    fixtures: Fixtures {
        fail: &[
            "FROM scratch\nCOPY secret.env /\n",
            "FROM alpine\nADD --chown=1:1 [\"docs/draft.md\", \"/srv/\"]\n",
        ],
        pass: &[
            "FROM scratch\nCOPY a.txt tmp ./.dockerignore /\n",
            "FROM scratch\nCOPY tmp/*.txt docs /srv/\nCOPY --from=build tmp/out /\n",
        ],
    },
    check: Checker::Context(check),
};

fn check(check: &Check<'_>, findings: &mut Vec<Finding>) {
    let Some(context_dir) = &check.options.context_dir else {
        return;
    };
    let sources: Vec<_> = check
        .dockerfile
        .instructions
        .iter()
        .flat_map(|instruction| {
            context_sources(instruction)
                .into_iter()
                .map(move |source| (instruction, source))
        })
        .filter(|(_, source)| !source.value.contains(['$', '*', '?', '[', '"', '\'']))
        .collect();
    // The ignore file is read only when there is a source to check against it. An unreadable,
    // invalid or irregular one (a FIFO, a device) is reported by the build itself.
    let listed_without_ignore_file =
        (check.options.context_listing.as_ref()).is_some_and(|listing| !listing.dockerignore);
    if sources.is_empty() || listed_without_ignore_file {
        return;
    }
    let Ok(bytes) = files::read_file(&context_dir.join(".dockerignore")) else {
        return;
    };
    let Ok(Ok(ignore)) = std::str::from_utf8(&bytes).map(DockerIgnore::parse) else {
        return;
    };
    findings.extend(sources.into_iter().filter_map(|(instruction, source)| {
            let path = clean_path(&source.value);
            // The ignore file itself is always sent (as the docker CLI does).
            let excluded = path != ".dockerignore"
                && ignore.is_excluded(&path)
                && !ignore.may_reinclude_under(&path);
            excluded.then(|| {
                Finding::new(
                    source.span,
                    format!(
                        "`{}` is excluded by .dockerignore, so {} will not find it in the build context",
                        source.value,
                        instruction.kind.as_str()
                    ),
                )
                .with_help("remove the pattern that excludes it from .dockerignore, or stop copying it")
            })
        }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linter::{lint, RuleSettings};
    use crate::rule::LintOptions;

    const CONTEXT_IGNORE_FILE: &str = "tmp/*\nsecret.env\ndocs\n!docs/keep.md\n.dockerignore\n";

    fn fires(dockerfile: &str, context: &std::path::Path) -> bool {
        fires_with(dockerfile, context, None)
    }

    fn fires_with(
        dockerfile: &str,
        context: &std::path::Path,
        listing: Option<crate::rule::ContextListing>,
    ) -> bool {
        let options = LintOptions {
            context_dir: Some(context.to_path_buf()),
            context_listing: listing.map(std::sync::Arc::new),
            ..LintOptions::default()
        };
        lint(dockerfile.as_bytes(), &options, &RuleSettings::default())
            .diagnostics
            .iter()
            .any(|d| d.rule.code == RULE.code)
    }

    #[test]
    fn fires_on_excluded_sources_only() {
        let context =
            std::env::temp_dir().join(format!("rbuild-copy-ignored-{}", std::process::id()));
        std::fs::create_dir_all(&context).unwrap();
        std::fs::write(context.join(".dockerignore"), CONTEXT_IGNORE_FILE).unwrap();
        let failing = std::iter::once(RULE.docs.example).chain(RULE.fixtures.fail.iter().copied());
        let passing =
            std::iter::once(RULE.docs.use_instead).chain(RULE.fixtures.pass.iter().copied());
        let wrong: Vec<&str> = failing
            .filter(|d| !fires(d, &context))
            .chain(passing.filter(|d| fires(d, &context)))
            .collect();
        // A listing of the context says whether the ignore file is there.
        let listed = |dockerignore| {
            let listing = crate::rule::ContextListing {
                subdirs: Vec::new(),
                dockerignore,
            };
            fires_with(RULE.docs.example, &context, Some(listing))
        };
        let listing_heeded = listed(true) && !listed(false);
        let without_ignore_file = context.with_extension("none");
        std::fs::create_dir_all(&without_ignore_file).unwrap();
        let quiet = !fires(RULE.docs.example, &without_ignore_file);
        std::fs::remove_dir_all(&context).unwrap();
        std::fs::remove_dir_all(&without_ignore_file).unwrap();
        assert!(wrong.is_empty(), "wrong result for {wrong:#?}");
        assert!(quiet, "fires without a .dockerignore");
        assert!(
            listing_heeded,
            "a listing without a .dockerignore is not heeded"
        );
        assert!(!fires(
            RULE.docs.example,
            std::path::Path::new("/nonexistent")
        ));
    }

    /// An ignore file that is a FIFO or a device is skipped, not read (which would block or
    /// never end).
    #[test]
    fn irregular_ignore_files_are_not_read() {
        let context =
            std::env::temp_dir().join(format!("rbuild-copy-ignored-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&context).unwrap();
        let ignore_file = context.join(".dockerignore");
        std::os::unix::fs::symlink("/dev/zero", &ignore_file).unwrap();
        let device = fires(RULE.docs.example, &context);
        std::fs::remove_file(&ignore_file).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(&ignore_file)
            .status()
            .unwrap();
        let fifo = fires(RULE.docs.example, &context);
        std::fs::remove_dir_all(&context).unwrap();
        assert!(made.success());
        assert!(!device && !fifo);
    }
}
