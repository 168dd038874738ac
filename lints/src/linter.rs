//! Runs the rules over one Dockerfile and applies ignore comments and rule settings.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::LazyLock;

use crate::diagnostic::{Diagnostic, Edit, Finding, Severity};
use crate::rule::{Check, CheckFn, Checker, LintOptions, Rule};
use crate::rules::{self, IGNORE_COMMENT, INVALID_UTF8, SYNTAX_ERROR};
use crate::syntax::{self, Dockerfile, Instruction, Span};

/// Which rules run and at what severity, after configuration and command-line flags.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    /// Codes of rules that are switched off.
    pub ignored: BTreeSet<&'static str>,
    /// Severity overrides by rule code.
    pub severities: HashMap<&'static str, Severity>,
    /// External checkers' ids (ShellCheck's `SC2086`, upper-cased) switched off.
    pub ignored_external: HashSet<String>,
    /// Severity overrides by external checker id; they win over the reporting rule's.
    pub external_severities: HashMap<String, Severity>,
}

/// The rules in [`rules::OFF_BY_DEFAULT`] are switched off.
impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            ignored: rules::OFF_BY_DEFAULT.iter().copied().collect(),
            severities: HashMap::new(),
            ignored_external: HashSet::new(),
            external_severities: HashMap::new(),
        }
    }
}

/// What a configuration's `ignore` and `severity` can name: one of our rules, or a check of an
/// external checker reported through one of our rules (ShellCheck's `SC2086`, through RB901).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckCode {
    Rule(&'static str),
    External(String),
}

impl CheckCode {
    /// A rule by code or name (case-insensitive), or a ShellCheck code `SCnnnn`.
    pub fn find(name: &str) -> Option<CheckCode> {
        if let Some(rule) = rules::find(name) {
            return Some(CheckCode::Rule(rule.code));
        }
        is_shellcheck_id(name).then(|| CheckCode::External(name.to_ascii_uppercase()))
    }

    /// What an id names: the rules of [`rules::find_all`] (our codes and names, hadolint ids,
    /// Docker build-check names), or a ShellCheck code; an unknown id is an error message with
    /// a suggestion.
    pub fn resolve(name: &str) -> Result<Vec<CheckCode>, String> {
        if is_shellcheck_id(name) {
            return Ok(vec![CheckCode::External(name.to_ascii_uppercase())]);
        }
        Ok(rules::resolve(name)?
            .into_iter()
            .map(|rule| CheckCode::Rule(rule.code))
            .collect())
    }

    pub fn as_str(&self) -> &str {
        match self {
            CheckCode::Rule(code) => code,
            CheckCode::External(id) => id,
        }
    }
}

impl RuleSettings {
    /// Switches off the rule or external check `code`.
    pub fn ignore(&mut self, code: &CheckCode) {
        match code {
            CheckCode::Rule(code) => {
                self.ignored.insert(code);
            }
            CheckCode::External(id) => {
                self.ignored_external.insert(id.clone());
            }
        }
    }

    /// Reports the rule or external check `code` at `severity`.
    pub fn set_severity(&mut self, code: &CheckCode, severity: Severity) {
        match code {
            CheckCode::Rule(code) => {
                self.severities.insert(code, severity);
            }
            CheckCode::External(id) => {
                self.external_severities.insert(id.clone(), severity);
            }
        }
    }

    fn severity(&self, rule: &Rule) -> Severity {
        self.severities
            .get(rule.code)
            .copied()
            .unwrap_or(rule.severity)
    }
}

/// The result of linting one file.
#[derive(Debug)]
pub struct LintResult {
    /// The parsed file, when it parsed.
    pub dockerfile: Option<Dockerfile>,
    /// Sorted by position, then code.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses `bytes` and runs every enabled rule.
///
/// Cost: parsing is linear in the file; each rule makes one pass over the instructions (or the
/// RUN commands, split once for all rules by [`Check`]) and carries what it needs from earlier
/// instructions forward instead of looking back, so a file costs O(size × rules). Ignore
/// comments are looked up by binary search, and the final sort is O(d log d) in the findings.
pub fn lint(bytes: &[u8], options: &LintOptions, settings: &RuleSettings) -> LintResult {
    // BuildKit reads bytes: a file that is not UTF-8 is linted as `parse_bytes` reads it, and
    // said so once.
    let invalid_utf8 = rules::first_invalid_utf8(bytes);
    let replaced = invalid_utf8.is_some();
    let not_utf8 =
        invalid_utf8.and_then(|finding| make_diagnostic(&INVALID_UTF8, finding, settings));
    let dockerfile = match syntax::parse_bytes(bytes) {
        Ok(dockerfile) => dockerfile,
        Err(error) => {
            let finding = Finding::new(error.span, error.message);
            let mut diagnostics: Vec<Diagnostic> =
                make_diagnostic(&SYNTAX_ERROR, finding, settings)
                    .into_iter()
                    .chain(not_utf8)
                    .collect();
            diagnostics.sort_by_key(|d| d.span.start);
            return LintResult {
                dockerfile: None,
                diagnostics,
            };
        }
    };
    let ignores = IgnoreComments::scan(&dockerfile);
    // `# check=experimental=` switches on BuildKit's experimental checks, which are off by default.
    let with_experimental;
    let settings = if ignores.experimental.is_empty() {
        settings
    } else {
        let mut adjusted = settings.clone();
        adjusted.ignored.retain(|code| {
            !(ignores.experimental.contains(code) && rules::OFF_BY_DEFAULT.contains(code))
        });
        with_experimental = adjusted;
        &with_experimental
    };
    let check = Check::new(&dockerfile, options);
    let mut diagnostics = Vec::new();
    let mut findings = Vec::new();
    let mut switched_off = vec![false; rules::RULES.len()];
    for code in settings.ignored.iter().chain(&ignores.file_wide) {
        if let Some(index) = rules::index_of(code) {
            switched_off[index] = true;
        }
    }
    for &(index, check_fn) in CHECKS.iter() {
        if switched_off[index] {
            continue;
        }
        check_fn(&check, &mut findings);
        let rule = rules::RULES[index];
        for finding in findings.drain(..) {
            if !ignores.silences(rule.code, finding.span) {
                diagnostics.extend(make_diagnostic(rule, finding, settings));
            }
        }
    }
    for finding in ignores.problems {
        diagnostics.extend(make_diagnostic(&IGNORE_COMMENT, finding, settings));
    }
    diagnostics.extend(not_utf8.filter(|_| !ignores.file_wide.contains(INVALID_UTF8.code)));
    if replaced {
        // Edits of the replaced text would write U+FFFD over the file's own bytes.
        diagnostics.iter_mut().for_each(|d| d.fix = None);
    }
    if checks_are_errors(&dockerfile) {
        // `# check=error=true`: the builder fails the build on any build-check warning.
        for diagnostic in &mut diagnostics {
            if diagnostic.rule.equivalents.buildkit.is_some() {
                diagnostic.severity = Severity::Error;
            }
        }
    }
    diagnostics.sort_by(|a, b| {
        (a.span.start, a.rule.code, a.span.end).cmp(&(b.span.start, b.rule.code, b.span.end))
    });
    LintResult {
        dockerfile: Some(dockerfile),
        diagnostics,
    }
}

/// The checks `lint` runs, by index in [`rules::RULES`]: a few bytes a rule, where each rule's
/// `check` and `code` in its registry entry are hundreds of bytes apart, and reading them for
/// every file took a tenth of the data-cache misses of a run over many files.
static CHECKS: LazyLock<Vec<(usize, CheckFn)>> = LazyLock::new(|| {
    rules::RULES
        .iter()
        .enumerate()
        .filter_map(|(index, rule)| match rule.check {
            Checker::Static(check_fn) | Checker::Context(check_fn) => Some((index, check_fn)),
            _ => None,
        })
        .collect()
});

/// `# check=error=true` (any case of a Go boolean), which makes build-check warnings fail the build.
fn checks_are_errors(dockerfile: &Dockerfile) -> bool {
    dockerfile.directive("check").is_some_and(|check| {
        check.value.split(';').any(|option| {
            option.split_once('=').is_some_and(|(key, value)| {
                key.trim().eq_ignore_ascii_case("error")
                    && matches!(value.trim(), "1" | "t" | "T" | "TRUE" | "true" | "True")
            })
        })
    })
}

/// The diagnostic for a finding of `rule` under `settings`; `None` when the rule is off.
/// The plugin uses it for the findings of daemon rules.
pub fn make_diagnostic(
    rule: &'static Rule,
    finding: Finding,
    settings: &RuleSettings,
) -> Option<Diagnostic> {
    if settings.ignored.contains(rule.code) {
        return None;
    }
    Some(Diagnostic {
        rule,
        severity: settings.severity(rule),
        span: finding.span,
        message: finding.message,
        labels: finding.labels,
        help: finding.help,
        fix: finding.fix,
    })
}

/// A finding of an external checker under the checker's own id (`SC2086`) and level.
#[derive(Debug, Clone)]
pub struct ExternalFinding {
    pub id: String,
    pub severity: Severity,
    pub finding: Finding,
}

/// The diagnostics of `rule` for an external checker's findings in `dockerfile`: the settings
/// and the file's ignore comments (naming the rule or the checker's id) apply. A configured
/// severity of the checker's id wins, then one of the rule, then the checker's own level.
pub fn external_diagnostics(
    dockerfile: &Dockerfile,
    rule: &'static Rule,
    findings: Vec<ExternalFinding>,
    settings: &RuleSettings,
) -> Vec<Diagnostic> {
    let ignores = IgnoreComments::scan(dockerfile);
    if ignores.file_wide.contains(rule.code) {
        return Vec::new();
    }
    findings
        .into_iter()
        .filter(|external| {
            !settings.ignored_external.contains(&external.id)
                && !ignores.silences(rule.code, external.finding.span)
                && !ignores.silences_foreign(&external.id, external.finding.span)
        })
        .filter_map(|external| {
            let mut diagnostic = make_diagnostic(rule, external.finding, settings)?;
            if let Some(severity) = settings.external_severities.get(&external.id) {
                diagnostic.severity = *severity;
            } else if !settings.severities.contains_key(rule.code) {
                diagnostic.severity = external.severity;
            }
            Some(diagnostic)
        })
        .collect()
}

/// What the file's own comments switch off.
#[derive(Debug, Default)]
struct IgnoreComments {
    /// `# rbuild global ignore=`, `# hadolint global ignore=`, `# check=skip=`.
    file_wide: HashSet<&'static str>,
    /// Experimental BuildKit checks switched on by `# check=experimental=`.
    experimental: HashSet<&'static str>,
    /// (the instruction's span, codes silenced in it) for `# rbuild ignore=`, `# hadolint
    /// ignore=` and `# check=skip=` comments before it.
    next_instruction: Vec<(Span, Vec<&'static str>)>,
    /// Other tools' ids (ShellCheck's `SC2086`), upper-cased: file-wide, and per instruction.
    foreign_file_wide: HashSet<String>,
    foreign_next_instruction: Vec<(Span, Vec<String>)>,
    /// Ignore comments naming codes that do not exist.
    problems: Vec<Finding>,
}

impl IgnoreComments {
    fn scan(dockerfile: &Dockerfile) -> IgnoreComments {
        let mut ignores = IgnoreComments::default();
        if let Some(check) = dockerfile.directive("check") {
            ignores.read_check_directive(&check.value, check.value_span);
        }
        let instructions = &dockerfile.instructions;
        for &comment in &dockerfile.comments {
            // Instructions are in file order: the first one that ends after the comment either
            // contains it (a comment inside a continued instruction) or comes next.
            let next = instructions.partition_point(|i| i.span.end <= comment.start);
            if instructions
                .get(next)
                .is_some_and(|i| i.span.start <= comment.start)
            {
                continue;
            }
            let text = dockerfile.text(comment);
            if let Some(value) = check_comment(text) {
                // BuildKit also honours a `# check=skip=` comment right before an instruction.
                if let Some(instruction) = instructions.get(next) {
                    let mut skipped = IgnoreComments::default();
                    skipped.read_check_directive(value, comment);
                    ignores.problems.append(&mut skipped.problems);
                    ignores
                        .next_instruction
                        .push((instruction.span, skipped.file_wide.into_iter().collect()));
                }
                continue;
            }
            let Some(ignore) = text
                .trim_start()
                .strip_prefix('#')
                .and_then(IgnoreComment::parse)
            else {
                continue;
            };
            let codes = ignores.resolve(&ignore.codes, ignore.tool, comment);
            let foreign: Vec<String> = ignore
                .codes
                .iter()
                .filter(|code| is_shellcheck_id(code))
                .map(|code| code.to_ascii_uppercase())
                .collect();
            if ignore.global {
                ignores.file_wide.extend(codes);
                ignores.foreign_file_wide.extend(foreign);
            } else if let Some(instruction) = instructions.get(next) {
                ignores.next_instruction.push((instruction.span, codes));
                ignores
                    .foreign_next_instruction
                    .push((instruction.span, foreign));
            }
        }
        ignores
    }

    /// `# check=skip=A,B;experimental=C;error=true`: BuildKit's rule names, or `all`.
    fn read_check_directive(&mut self, value: &str, span: Span) {
        for part in value.split(';') {
            let Some((key, list)) = part.trim().split_once('=') else {
                continue;
            };
            let key = key.trim();
            let skip = key.eq_ignore_ascii_case("skip");
            if !skip && !key.eq_ignore_ascii_case("experimental") {
                continue;
            }
            let names: Vec<&str> = list.split(',').map(str::trim).collect();
            let codes = if names.iter().any(|n| n.eq_ignore_ascii_case("all")) {
                rules::RULES
                    .iter()
                    .filter(|r| r.equivalents.buildkit.is_some())
                    .map(|r| r.code)
                    .collect()
            } else {
                self.resolve(&names, Tool::Buildkit, span)
            };
            if skip {
                self.file_wide.extend(codes);
            } else {
                self.experimental.extend(codes);
            }
        }
    }

    fn resolve(&mut self, names: &[&str], tool: Tool, span: Span) -> Vec<&'static str> {
        let mut codes = Vec::new();
        for name in names.iter().filter(|n| !n.is_empty()) {
            let found: Vec<&'static str> = match tool {
                Tool::Rbuild => rules::find(name).map(|r| r.code).into_iter().collect(),
                Tool::Hadolint => rules::RULES
                    .iter()
                    .filter(|r| {
                        r.equivalents
                            .hadolint
                            .iter()
                            .any(|id| id.eq_ignore_ascii_case(name))
                    })
                    .map(|r| r.code)
                    .collect(),
                Tool::Buildkit => rules::RULES
                    .iter()
                    .filter(|r| {
                        r.equivalents
                            .buildkit
                            .is_some_and(|id| id.eq_ignore_ascii_case(name))
                    })
                    .map(|r| r.code)
                    .collect(),
            };
            if found.is_empty() && !tool.is_foreign_id(name) {
                self.problems.push(
                    Finding::new(span, format!("ignore comment names unknown rule `{name}`"))
                        .with_help("`docker rbuild rules` lists the rule codes and names"),
                );
            }
            codes.extend(found);
        }
        codes
    }

    fn silences(&self, code: &str, span: Span) -> bool {
        covering(&self.next_instruction, span).any(|codes| codes.contains(&code))
    }

    fn silences_foreign(&self, id: &str, span: Span) -> bool {
        self.foreign_file_wide.contains(id)
            || covering(&self.foreign_next_instruction, span).any(|ids| ids.iter().any(|i| i == id))
    }
}

/// The codes of the entries (in file order, as comments come) whose instruction covers
/// `span`'s start (an empty instruction span covers its start): a binary search, so that
/// checking every finding stays O(log n) however many ignore comments the file has.
fn covering<T>(entries: &[(Span, Vec<T>)], span: Span) -> impl Iterator<Item = &Vec<T>> {
    let end = |instruction: &Span| instruction.end.max(instruction.start + 1);
    let first = entries.partition_point(|(instruction, _)| end(instruction) <= span.start);
    entries[first..]
        .iter()
        .take_while(move |(instruction, _)| instruction.start <= span.start)
        .filter(move |(instruction, _)| span.start < end(instruction))
        .map(|(_, codes)| codes)
}

/// `SC` and four digits: a ShellCheck code, which ignore comments may name.
fn is_shellcheck_id(name: &str) -> bool {
    let digits = name.get(2..).unwrap_or("");
    name.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("SC"))
        && digits.len() == 4
        && digits.bytes().all(|b| b.is_ascii_digit())
}

#[derive(Debug, Clone, Copy)]
enum Tool {
    Rbuild,
    Hadolint,
    Buildkit,
}

impl Tool {
    /// A well-formed id of another tool's check we have no equivalent for is not an error:
    /// a project switching from hadolint keeps its comments.
    fn is_foreign_id(self, name: &str) -> bool {
        match self {
            Tool::Rbuild => is_shellcheck_id(name),
            Tool::Hadolint => {
                let digits = name.get(2..).unwrap_or("");
                is_shellcheck_id(name)
                    || (name.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("DL"))
                        && digits.len() == 4
                        && digits.bytes().all(|b| b.is_ascii_digit()))
            }
            Tool::Buildkit => KNOWN_BUILDKIT_CHECKS
                .iter()
                .any(|c| c.eq_ignore_ascii_case(name)),
        }
    }
}

/// Docker's build-check names, so that `# check=skip=` naming one we do not implement yet is
/// not mistaken for a typo.
const KNOWN_BUILDKIT_CHECKS: &[&str] = &[
    "ConsistentInstructionCasing",
    "CopyIgnoredFile",
    "DuplicateStageName",
    "ExposeInvalidFormat",
    "ExposeProtoCasing",
    "FromAsCasing",
    "FromPlatformFlagConstDisallowed",
    "InvalidBaseImagePlatform",
    "InvalidDefaultArgInFrom",
    "JSONArgsRecommended",
    "LegacyKeyValueFormat",
    "MaintainerDeprecated",
    "MultipleInstructionsDisallowed",
    "NoEmptyContinuation",
    "RedundantTargetPlatform",
    "ReservedStageName",
    "SecretsUsedInArgOrEnv",
    "StageNameCasing",
    "UndefinedArgInFrom",
    "UndefinedVar",
    "WorkdirRelativePath",
];

/// The value of a `# check=...` comment (BuildKit's directive syntax: blanks around `=` allowed).
fn check_comment(comment: &str) -> Option<&str> {
    let rest = comment.trim().strip_prefix('#')?.trim_start();
    let rest = rest.strip_prefix("check")?.trim_start();
    Some(rest.strip_prefix('=')?.trim())
}

/// True for a comment line (`# ...`) that is an ignore comment of ours or hadolint's.
pub(crate) fn is_ignore_comment(comment: &str) -> bool {
    comment
        .trim_start()
        .strip_prefix('#')
        .and_then(IgnoreComment::parse)
        .is_some()
}

/// The instruction a finding at `offset` belongs to, as ignore comments see it (an empty
/// instruction covers its start).
pub fn instruction_at(dockerfile: &Dockerfile, offset: usize) -> Option<&Instruction> {
    let instructions = &dockerfile.instructions;
    let end = |i: &Instruction| i.span.end.max(i.span.start + 1);
    let next = instructions.partition_point(|i| end(i) <= offset);
    instructions
        .get(next)
        .filter(|instruction| instruction.span.start <= offset)
}

/// The edit that silences rule `code` for `instruction`: the code added to the
/// `# rbuild ignore=` comment on the line right above it, or such a comment inserted there, with
/// the instruction's indentation and the file's line ending.
pub fn ignore_edit(dockerfile: &Dockerfile, instruction: &Instruction, code: &str) -> Edit {
    let source = dockerfile.source.as_str();
    let line = dockerfile.position(instruction.span.start).line;
    let line_start = dockerfile.lines.line_start(line).unwrap_or(0);
    let above = dockerfile
        .comments
        .iter()
        .rev()
        .find(|comment| comment.end <= line_start)
        .filter(|comment| source[comment.end..line_start].trim().is_empty())
        .filter(|comment| dockerfile.position(comment.start).line + 1 == line);
    if let Some(comment) = above {
        let text = dockerfile.text(*comment);
        let parsed = text
            .trim_start()
            .strip_prefix('#')
            .and_then(IgnoreComment::parse);
        if let (
            Some(IgnoreComment {
                tool: Tool::Rbuild,
                global: false,
                ..
            }),
            Some(list),
        ) = (parsed, text.find("ignore="))
        {
            let list_start = list + "ignore=".len();
            let list_end = text[list_start..]
                .find(char::is_whitespace)
                .map_or(text.len(), |i| list_start + i);
            let at = comment.start + list_end;
            return Edit {
                span: Span::new(at, at),
                replacement: format!(",{code}"),
            };
        }
    }
    let indent = &source[line_start..instruction.span.start];
    let indent = if indent.trim().is_empty() { indent } else { "" };
    Edit {
        span: Span::new(line_start, line_start),
        replacement: format!(
            "{indent}# rbuild ignore={code}{}",
            crate::fix::newline_at(source, line_start)
        ),
    }
}

/// One parsed `# rbuild [global] ignore=A,B [-- reason]` or `# hadolint [global] ignore=...`.
struct IgnoreComment<'a> {
    tool: Tool,
    global: bool,
    codes: Vec<&'a str>,
}

impl<'a> IgnoreComment<'a> {
    fn parse(comment: &'a str) -> Option<IgnoreComment<'a>> {
        let mut words = comment.split_whitespace();
        let tool = match words.next()? {
            "rbuild" => Tool::Rbuild,
            "hadolint" => Tool::Hadolint,
            _ => return None,
        };
        let mut word = words.next()?;
        let global = word == "global";
        if global {
            word = words.next()?;
        }
        let list = word.strip_prefix("ignore=")?;
        Some(IgnoreComment {
            tool,
            global,
            codes: list.split(',').map(str::trim).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignored(source: &str, at: &str, code: &str) -> String {
        let dockerfile = syntax::parse(source).unwrap();
        let instruction = instruction_at(&dockerfile, source.find(at).unwrap()).unwrap();
        let edit = ignore_edit(&dockerfile, instruction, code);
        crate::edits::apply(source, &[edit]).unwrap()
    }

    #[test]
    fn ignore_edits_keep_the_line_ending_and_the_indentation() {
        assert_eq!(
            ignored("FROM alpine\r\n  RUN sudo ls\r\n", "sudo", "RB415"),
            "FROM alpine\r\n  # rbuild ignore=RB415\r\n  RUN sudo ls\r\n"
        );
    }

    #[test]
    fn ignore_edits_extend_only_an_instruction_comment_of_ours_right_above() {
        assert_eq!(
            ignored(
                "FROM a\n# rbuild ignore=RB201\nRUN sudo ls\n",
                "sudo",
                "RB415"
            ),
            "FROM a\n# rbuild ignore=RB201,RB415\nRUN sudo ls\n"
        );
        for other in [
            "# rbuild global ignore=RB201\n",
            "# hadolint ignore=DL3004\n",
            "# rbuild ignore=RB201\n\n",
        ] {
            let source = format!("FROM a\n{other}RUN sudo ls\n");
            assert_eq!(
                ignored(&source, "sudo", "RB415"),
                format!("FROM a\n{other}# rbuild ignore=RB415\nRUN sudo ls\n")
            );
        }
    }
}
