//! `lint --fix`: applies the findings' fixes to a fixpoint.
//!
//! Each pass lints the text, takes the fixes allowed (safe ones, and unsafe ones on request)
//! whose edits neither overlap nor touch, applies them together on the text of that pass, and
//! lints again. A fix whose result fails to parse or has an error-level finding the text did
//! not have is dropped (and said); the others stay. Passes stop when nothing is left to apply,
//! or after [`MAX_PASSES`].

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Diagnostic, Edit, Fix, Safety, Severity};
use crate::edits;
use crate::linter::{lint, LintResult, RuleSettings};
use crate::rule::{LintOptions, Rule};
use crate::syntax::Position;

/// Passes before giving up on reaching a fixpoint: fixes that keep producing new fixable
/// findings would otherwise loop for ever.
pub const MAX_PASSES: usize = 16;

/// Which fixes to apply.
#[derive(Debug, Clone, Copy, Default)]
pub struct FixOptions<'a> {
    /// Apply unsafe fixes too (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
    /// Only the fixes of these rules (codes); `None`: every rule's.
    pub only: Option<&'a [&'a str]>,
}

impl FixOptions<'_> {
    fn allows(&self, diagnostic: &Diagnostic, fix: &Fix) -> bool {
        (self.unsafe_fixes || fix.safety == Safety::Safe)
            && self
                .only
                .is_none_or(|codes| codes.contains(&diagnostic.rule.code))
    }
}

/// A fix that was applied.
#[derive(Debug, Clone)]
pub struct AppliedFix {
    pub rule: &'static Rule,
    pub message: String,
    pub safety: Safety,
}

/// A fix that was not applied because of what it would have done.
#[derive(Debug, Clone)]
pub struct DroppedFix {
    pub rule: &'static Rule,
    pub message: String,
    /// Where its finding was, in the text of the pass that tried it.
    pub position: Position,
    pub reason: String,
}

/// The result of fixing one file.
#[derive(Debug)]
pub struct FixResult {
    /// The fixed text (the original when nothing was applied; lossily decoded when the input
    /// is not UTF-8, in which case nothing is ever applied).
    pub source: String,
    /// The lint of `source`: what is left.
    pub remaining: LintResult,
    pub applied: Vec<AppliedFix>,
    pub dropped: Vec<DroppedFix>,
    /// [`MAX_PASSES`] passes ran and fixes were still being applied.
    pub unfinished: bool,
}

impl FixResult {
    pub fn changed(&self) -> bool {
        !self.applied.is_empty()
    }
}

/// Lints `bytes` and applies the allowed fixes to a fixpoint.
pub fn fix(
    bytes: &[u8],
    options: &LintOptions,
    settings: &RuleSettings,
    fix_options: FixOptions<'_>,
) -> FixResult {
    let mut current = lint(bytes, options, settings);
    // Edits apply to the text as read: a file the parser had to decode or repair (not UTF-8)
    // is left alone rather than rewritten with what was lost.
    let Some(dockerfile) = current
        .dockerfile
        .as_ref()
        .filter(|d| d.source.as_bytes() == bytes)
    else {
        return FixResult {
            source: String::from_utf8_lossy(bytes).into_owned(),
            remaining: current,
            applied: Vec::new(),
            dropped: Vec::new(),
            unfinished: false,
        };
    };
    let mut source = dockerfile.source.clone();
    let mut applied = Vec::new();
    let mut dropped = Vec::new();
    // Fixes already found harmful, by what they do (their spans move between passes).
    let mut refused: HashSet<FixKey> = HashSet::new();
    let mut unfinished = true;
    for _ in 0..MAX_PASSES {
        let candidates = pick_candidates(&current, &source, fix_options, &refused);
        if candidates.is_empty() {
            unfinished = false;
            break;
        }
        let errors = error_counts(&current.diagnostics);
        let outcome = apply_checked(&source, &candidates, &errors, options, settings);
        for (candidate, reason) in outcome.refused {
            refused.insert(candidate.key.clone());
            let position = current
                .dockerfile
                .as_ref()
                .map_or(Position { line: 1, column: 1 }, |d| {
                    d.position(candidate.diagnostic_start)
                });
            dropped.push(DroppedFix {
                rule: candidate.rule,
                message: candidate.message.clone(),
                position,
                reason,
            });
        }
        let Some((text, result, accepted)) = outcome.accepted else {
            // Every candidate of this pass was refused; the next pass offers the rest.
            continue;
        };
        applied.extend(accepted.into_iter().map(|candidate| AppliedFix {
            rule: candidate.rule,
            message: candidate.message,
            safety: candidate.safety,
        }));
        source = text;
        current = result;
    }
    FixResult {
        source,
        remaining: current,
        applied,
        dropped,
        unfinished,
    }
}

/// What identifies a fix across passes: its rule, message and the text it replaces with what.
type FixKey = (&'static str, String, Vec<(String, String)>);

/// One fix of the current pass, its edits ready to apply.
#[derive(Debug, Clone)]
struct Candidate {
    rule: &'static Rule,
    message: String,
    safety: Safety,
    edits: Vec<Edit>,
    diagnostic_start: usize,
    key: FixKey,
}

/// The allowed fixes of `result` that were not refused before, in file order, leaving out
/// those whose edits overlap or touch an earlier one's (the next pass gets them).
fn pick_candidates(
    result: &LintResult,
    source: &str,
    fix_options: FixOptions<'_>,
    refused: &HashSet<FixKey>,
) -> Vec<Candidate> {
    let mut taken: Vec<Edit> = Vec::new();
    let mut candidates = Vec::new();
    for diagnostic in &result.diagnostics {
        let Some(fix) = diagnostic
            .fix
            .as_ref()
            .filter(|fix| fix_options.allows(diagnostic, fix) && !fix.edits.is_empty())
        else {
            continue;
        };
        let candidate = Candidate::new(diagnostic, fix, source);
        let (edits, key) = (&candidate.edits, &candidate.key);
        if refused.contains(key)
            || candidates.iter().any(|c: &Candidate| &c.key == key)
            || edits.iter().any(|e| taken.iter().any(|t| touches(e, t)))
        {
            continue;
        }
        taken.extend(edits.iter().cloned());
        candidates.push(candidate);
    }
    candidates
}

impl Candidate {
    /// The fix of `diagnostic`, its inserted line feeds written as the file's line endings.
    fn new(diagnostic: &Diagnostic, fix: &Fix, source: &str) -> Candidate {
        let edits: Vec<Edit> = fix
            .edits
            .iter()
            .map(|edit| Edit {
                span: edit.span,
                replacement: with_newline(&edit.replacement, newline_at(source, edit.span.start)),
            })
            .collect();
        let key: FixKey = (
            diagnostic.rule.code,
            fix.message.clone(),
            edits
                .iter()
                .map(|e| {
                    let original = source.get(e.span.range()).unwrap_or("").to_string();
                    (original, e.replacement.clone())
                })
                .collect(),
        );
        Candidate {
            rule: diagnostic.rule,
            message: fix.message.clone(),
            safety: fix.safety,
            edits,
            diagnostic_start: diagnostic.span.start,
            key,
        }
    }
}

/// The edits of one diagnostic's fix, applied alone to `source` (whose findings are `linted`), as a
/// pass of [`fix`] would apply them: line endings matched to the file, and refused (with the
/// reason) when the result would not parse or would have an error the text does not have. The
/// language server offers each fix this way.
pub fn checked_edits(
    source: &str,
    linted: &[Diagnostic],
    diagnostic: &Diagnostic,
    options: &LintOptions,
    settings: &RuleSettings,
) -> Result<Vec<Edit>, String> {
    let fix = diagnostic
        .fix
        .as_ref()
        .filter(|fix| !fix.edits.is_empty())
        .ok_or_else(|| "it has no fix".to_string())?;
    let candidate = Candidate::new(diagnostic, fix, source);
    let outcome = apply_checked(
        source,
        std::slice::from_ref(&candidate),
        &error_counts(linted),
        options,
        settings,
    );
    match (outcome.accepted, outcome.refused.into_iter().next()) {
        (Some(_), _) => Ok(candidate.edits),
        (None, Some((_, reason))) => Err(reason),
        (None, None) => Err("its edits overlap".to_string()),
    }
}

/// True when two edits share bytes or a boundary: applied together, their order would matter.
fn touches(a: &Edit, b: &Edit) -> bool {
    a.span.start <= b.span.end && b.span.start <= a.span.end
}

/// The line ending of the line holding `offset` (of the line before, for a last line without
/// one): files mixing LF and CRLF keep each line's.
pub(crate) fn newline_at(source: &str, offset: usize) -> &'static str {
    let ending = match source[offset..].find('\n') {
        Some(i) => Some(offset + i),
        None => source[..offset].rfind('\n'),
    };
    match ending {
        Some(i) if i > 0 && source.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// `text` with every line feed that is not part of a CRLF written as `newline`.
fn with_newline(text: &str, newline: &str) -> String {
    if newline == "\n" || !text.contains('\n') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\n', newline)
}

struct Outcome {
    /// The new text, its lint, and the candidates it applies; `None` when none could be.
    accepted: Option<(String, LintResult, Vec<Candidate>)>,
    refused: Vec<(Candidate, String)>,
}

/// Applies the candidates together when the result is acceptable; otherwise tries each alone,
/// refuses the harmful ones and applies the others together (or, should their combination
/// still be harmful, the first of them alone).
fn apply_checked(
    source: &str,
    candidates: &[Candidate],
    errors: &HashMap<&'static str, usize>,
    options: &LintOptions,
    settings: &RuleSettings,
) -> Outcome {
    let attempt = |chosen: &[&Candidate]| -> Result<(String, LintResult), String> {
        let all: Vec<Edit> = chosen
            .iter()
            .flat_map(|c| c.edits.iter().cloned())
            .collect();
        let text = edits::apply(source, &all).map_err(|_| "its edits overlap".to_string())?;
        let result = lint(text.as_bytes(), options, settings);
        if result.dockerfile.is_none() {
            let message = result
                .diagnostics
                .first()
                .map_or(String::new(), |d| format!(" ({})", d.message));
            return Err(format!("the file would no longer parse{message}"));
        }
        if let Some(code) = new_error(errors, &error_counts(&result.diagnostics)) {
            return Err(format!("it would add an error ({code})"));
        }
        Ok((text, result))
    };
    let all: Vec<&Candidate> = candidates.iter().collect();
    if let Ok((text, result)) = attempt(&all) {
        return Outcome {
            accepted: Some((text, result, candidates.to_vec())),
            refused: Vec::new(),
        };
    }
    let mut good = Vec::new();
    let mut refused = Vec::new();
    for candidate in candidates {
        match attempt(&[candidate]) {
            Ok(_) => good.push(candidate),
            Err(reason) => refused.push((candidate.clone(), reason)),
        }
    }
    let accepted = match attempt(&good) {
        Ok((text, result)) if !good.is_empty() => {
            Some((text, result, good.into_iter().cloned().collect()))
        }
        _ => good.first().and_then(|first| {
            let (text, result) = attempt(&[first]).ok()?;
            Some((text, result, vec![(*first).clone()]))
        }),
    };
    Outcome { accepted, refused }
}

fn error_counts(diagnostics: &[Diagnostic]) -> HashMap<&'static str, usize> {
    let mut counts = HashMap::new();
    for diagnostic in diagnostics {
        if diagnostic.severity == Severity::Error {
            *counts.entry(diagnostic.rule.code).or_insert(0) += 1;
        }
    }
    counts
}

/// A rule with more error-level findings `after` than `before`.
fn new_error(
    before: &HashMap<&'static str, usize>,
    after: &HashMap<&'static str, usize>,
) -> Option<&'static str> {
    let mut codes: Vec<_> = after
        .iter()
        .filter(|(code, count)| before.get(*code).copied().unwrap_or(0) < **count)
        .map(|(code, _)| *code)
        .collect();
    codes.sort_unstable();
    codes.first().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(source: &str, unsafe_fixes: bool) -> FixResult {
        fix(
            source.as_bytes(),
            &LintOptions::default(),
            &RuleSettings::default(),
            FixOptions {
                unsafe_fixes,
                only: None,
            },
        )
    }

    #[test]
    fn applies_safe_fixes_to_a_fixpoint_and_reports_what_is_left() {
        let result = fixed(
            "from alpine:3.19 AS build\nRUN echo hi\nrun true\nEXPOSE 80/TCP\nCMD redis-server\n",
            false,
        );
        assert_eq!(
            result.source,
            "FROM alpine:3.19 AS build\nRUN echo hi\nRUN true\nEXPOSE 80/tcp\nCMD redis-server\n"
        );
        // Pass 1 upper-cases `from` and (for the `from` it saw) lower-cases `AS`; pass 2 puts
        // `AS` back in the case of the new `FROM`.
        let codes: Vec<&str> = result.applied.iter().map(|a| a.rule.code).collect();
        assert_eq!(codes, ["RB701", "RB702", "RB701", "RB704", "RB702"]);
        assert!(result.changed() && !result.unfinished);
        let remaining: Vec<&str> = result
            .remaining
            .diagnostics
            .iter()
            .map(|d| d.rule.code)
            .collect();
        assert!(remaining.contains(&"RB201"), "{remaining:?}");
        let again = fixed(&result.source, false);
        assert!(!again.changed(), "a second pass changes nothing");
    }

    #[test]
    fn unsafe_fixes_only_on_request() {
        let source = "FROM alpine:3.19\nCMD redis-server\n";
        assert!(!fixed(source, false).changed());
        let result = fixed(source, true);
        assert_eq!(result.source, "FROM alpine:3.19\nCMD [\"redis-server\"]\n");
        assert_eq!(result.applied[0].rule.code, "RB201");
        assert_eq!(result.applied[0].safety, Safety::Unsafe);
    }

    #[test]
    fn keeps_crlf_bom_and_a_missing_final_newline() {
        let source = "\u{feff}from alpine:3.19\r\nRUN true\r\nrun true";
        let result = fixed(source, false);
        assert_eq!(
            result.source,
            "\u{feff}from alpine:3.19\r\nrun true\r\nrun true"
        );
    }

    #[test]
    fn inserted_lines_take_the_file_s_line_ending() {
        assert_eq!(with_newline("a\nb\r\nc", "\r\n"), "a\r\nb\r\nc");
        assert_eq!(with_newline("a\nb", "\n"), "a\nb");
        let mixed = "FROM a\r\nRUN b\nRUN c\r\nCMD d";
        assert_eq!(newline_at(mixed, 0), "\r\n");
        assert_eq!(newline_at(mixed, 9), "\n");
        assert_eq!(newline_at(mixed, 15), "\r\n");
        assert_eq!(
            newline_at(mixed, 24),
            "\r\n",
            "the last line takes the one before"
        );
        assert_eq!(newline_at("FROM a", 2), "\n");
    }

    #[test]
    fn added_continuation_lines_use_the_file_s_escape_character() {
        let source = "# escape=`\nFROM centos:7\nRUN yum install -y `\n    httpd-2.4.6\n";
        assert_eq!(
            fixed(source, false).source,
            "# escape=`\nFROM centos:7\nRUN yum install -y `\n    httpd-2.4.6 `\n    && yum clean all\n"
        );
    }

    #[test]
    fn a_file_that_does_not_parse_is_left_alone() {
        let result = fixed("FROM alpine\nNOPE x\n", true);
        assert!(!result.changed());
        assert_eq!(result.source, "FROM alpine\nNOPE x\n");
        let invalid = fix(
            b"FROM alpine\n\xff\n",
            &LintOptions::default(),
            &RuleSettings::default(),
            FixOptions::default(),
        );
        assert!(!invalid.changed());
    }

    fn candidate(rule: &'static Rule, start: usize, end: usize, replacement: &str) -> Candidate {
        Candidate {
            rule,
            message: format!("write {replacement:?}"),
            safety: Safety::Safe,
            edits: vec![Edit {
                span: crate::syntax::Span::new(start, end),
                replacement: replacement.to_string(),
            }],
            diagnostic_start: start,
            key: (rule.code, replacement.to_string(), Vec::new()),
        }
    }

    #[test]
    fn fixes_that_break_the_file_or_add_an_error_are_dropped_and_the_others_applied() {
        let source = "FROM alpine:3.19\nRUN true\nrun true\n";
        let rule = crate::rules::find("RB701").unwrap();
        let candidates = [
            // Not an instruction any more: the file would not parse.
            candidate(rule, 0, 4, "FRM"),
            // A network mode the builder rejects is an error (RB001).
            candidate(rule, 21, 25, "--network=bridge true"),
            candidate(rule, 26, 29, "RUN"),
        ];
        let before = error_counts(
            &lint(
                source.as_bytes(),
                &LintOptions::default(),
                &RuleSettings::default(),
            )
            .diagnostics,
        );
        let outcome = apply_checked(
            source,
            &candidates,
            &before,
            &LintOptions::default(),
            &RuleSettings::default(),
        );
        let (text, _, accepted) = outcome.accepted.expect("the good fix is applied");
        assert_eq!(text, "FROM alpine:3.19\nRUN true\nRUN true\n");
        assert_eq!(accepted.len(), 1);
        let reasons: Vec<&str> = outcome.refused.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(reasons.len(), 2);
        assert!(
            reasons[0].starts_with("the file would no longer parse"),
            "{reasons:?}"
        );
        assert_eq!(reasons[1], "it would add an error (RB001)");
    }

    #[test]
    fn touching_edits_wait_for_the_next_pass() {
        let edit = |start, end| Edit {
            span: crate::syntax::Span::new(start, end),
            replacement: String::new(),
        };
        assert!(touches(&edit(0, 3), &edit(3, 3)));
        assert!(touches(&edit(2, 5), &edit(0, 3)));
        assert!(!touches(&edit(0, 3), &edit(4, 6)));
    }
}
