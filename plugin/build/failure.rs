//! The report of a failed build step: a codespan diagnostic pointing at the failing
//! instruction in the Dockerfile, with the daemon's message, the exit code and the step's
//! last output lines.

use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::WriteColor};
use rbuild_lints::build_steps::{build_steps, buildkit_step};
use rbuild_lints::rule::LintOptions;
use rbuild_lints::syntax::Dockerfile;

use crate::build::progress::{Step, StepFailure, StepScope};

/// How many of the step's last output lines the report shows.
const SHOWN_OUTPUT_LINES: usize = 10;

/// Writes the diagnostic for `failure` in the Dockerfile `text` (shown as `name`).
pub fn emit(
    writer: &mut dyn WriteColor,
    failure: &StepFailure,
    name: &str,
    text: &str,
) -> std::io::Result<()> {
    let file = SimpleFile::new(name, text);
    // The step's output keeps the build's colours only where colours are shown.
    let diagnostic = diagnostic(failure, text, writer.supports_color());
    term::emit_to_write_style(writer, &term::Config::default(), &file, &diagnostic)
        .map_err(std::io::Error::other)
}

fn diagnostic(failure: &StepFailure, text: &str, color: bool) -> Diagnostic<()> {
    let mut diagnostic = Diagnostic::error().with_message(&failure.message);
    let Some(step) = &failure.step else {
        if let Some(span) = failure.line.and_then(|line| line_span(text, line)) {
            diagnostic = diagnostic.with_label(Label::primary((), span));
        }
        return diagnostic;
    };
    let code = match failure.exit_code {
        Some(code) => format!(" with exit code {code}"),
        None => String::new(),
    };
    let label = format!("step {}/{} failed{code}", step.number, step.total);
    match instruction_span(step, text) {
        Some(span) => {
            diagnostic = diagnostic.with_label(Label::primary((), span).with_message(label))
        }
        None => diagnostic = diagnostic.with_note(format!("{label}: {}", step.instruction)),
    }
    if !step.output.is_empty() {
        let skip = step.output.len().saturating_sub(SHOWN_OUTPUT_LINES);
        let lines: Vec<String> = step
            .output
            .iter()
            .skip(skip)
            .map(|line| crate::terminal::printable_output(line, color))
            .collect();
        diagnostic = diagnostic.with_note(format!("last output lines:\n{}", lines.join("\n")));
    }
    diagnostic
}

/// The byte range of line `line` (1-based), without its line break.
fn line_span(text: &str, line: usize) -> Option<Range<usize>> {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum();
    let rest = text.get(start..).filter(|rest| !rest.is_empty())?;
    let end = rest.find('\n').map_or(text.len(), |i| start + i);
    Some(start..end)
}

/// The byte range of the instruction behind a step. The classic builder numbers every
/// top-level instruction in file order, so step N is the Nth one; BuildKit numbers them per
/// stage (see [`rbuild_lints::build_steps`]). The keyword is checked so that a Dockerfile that
/// changed since the build started is not pointed at blindly.
fn instruction_span(step: &Step, text: &str) -> Option<Range<usize>> {
    let dockerfile: Dockerfile = rbuild_lints::syntax::parse(text).ok()?;
    let instruction = match &step.scope {
        StepScope::File => dockerfile.instructions.get(step.number.checked_sub(1)?)?,
        StepScope::Stage(name) => {
            let steps = build_steps(&dockerfile, &LintOptions::default());
            let found = buildkit_step(&dockerfile, &steps, name.as_deref(), step.number)?;
            &dockerfile.instructions[found.instruction]
        }
    };
    let step_keyword = step.instruction.split_whitespace().next()?;
    if !instruction.kind.as_str().eq_ignore_ascii_case(step_keyword) {
        return None;
    }
    // The instruction's first line: a heredoc body or continuation lines would bury the point.
    let span = instruction.span.range();
    let first_line_end = text
        .get(span.clone())?
        .find('\n')
        .map_or(span.end, |i| span.start + i);
    Some(span.start..first_line_end)
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::time::Instant;

    use super::*;
    use crate::build::progress::{DaemonMessage, Outcome, ProgressMode, Renderer};

    const DOCKERFILE: &str = "FROM rbuild-test/busybox:static\n\n# two lines of output, then fail\nRUN echo one && \\\n    echo two && exit 3\nCMD [\"sh\"]\n";

    fn failure(step_number: usize, instruction: &str, output: &[&str]) -> StepFailure {
        // A real step comes from the renderer; build one through it.
        let start = Instant::now();
        let mut renderer = Renderer::new(ProgressMode::Quiet, false, Vec::new(), Vec::new(), start);
        let mut text = format!("Step {step_number}/3 : {instruction}\n");
        for line in output {
            text.push_str(line);
            text.push('\n');
        }
        let messages = [
            DaemonMessage {
                stream: Some(text),
                ..Default::default()
            },
            serde_json::from_str(
                r#"{"errorDetail":{"code":3,"message":"The command '/bin/sh -c echo one \u0026\u0026 echo two \u0026\u0026 exit 3' returned a non-zero code: 3"}}"#,
            )
            .unwrap(),
        ];
        for message in &messages {
            renderer.handle(message, start).unwrap();
        }
        match renderer.finish(start).unwrap() {
            Outcome::Failed(failure) => failure,
            Outcome::Built(_) | Outcome::Exported => panic!("not failed"),
        }
    }

    fn render(failure: &StepFailure) -> String {
        let mut out = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
        emit(&mut out, failure, "Dockerfile", DOCKERFILE).unwrap();
        String::from_utf8(out.into_inner()).unwrap()
    }

    #[test]
    fn points_at_the_failing_instruction() {
        let failure = failure(2, "RUN echo one &&     echo two && exit 3", &["one", "two"]);
        assert_eq!(
            failure.step.as_ref().unwrap().output,
            VecDeque::from(["one".to_owned(), "two".to_owned()])
        );
        assert_eq!(
            render(&failure),
            "error: The command '/bin/sh -c echo one && echo two && exit 3' returned a non-zero code: 3\n  \
             ┌─ Dockerfile:4:1\n  │\n4 │ RUN echo one && \\\n  │ ^^^^^^^^^^^^^^^^^ step 2/3 failed with exit code 3\n  │\n  \
             = last output lines:\n    one\n    two\n\n"
        );
    }

    #[test]
    fn a_step_that_does_not_match_the_file_is_named_not_pointed_at() {
        let failure = failure(2, "COPY missing /", &[]);
        let text = render(&failure);
        assert!(
            text.contains("= step 2/3 failed with exit code 3: COPY missing /"),
            "{text}"
        );
        assert!(!text.contains("┌─"), "{text}");
    }

    fn buildkit_step(stage: Option<&str>, number: usize, total: usize, instruction: &str) -> Step {
        Step::finished(
            number,
            total,
            instruction.into(),
            StepScope::Stage(stage.map(str::to_owned)),
            false,
            VecDeque::new(),
        )
    }

    #[test]
    fn buildkit_steps_count_within_their_stage() {
        let text = "ARG V=1\nFROM rbuild-test/busybox:static AS builder\nENV X=1\nRUN one\nCOPY a /\n\nFROM builder\nCMD [\"x\"]\nRUN two\n\nFROM rbuild-test/busybox:static\nRUN three\n";
        let line_of = |step: &Step| {
            instruction_span(step, text).map(|span| text[..span.start].matches('\n').count() + 1)
        };
        // The FROM of an image is step 1; ENV makes no vertex and is not counted.
        assert_eq!(
            line_of(&buildkit_step(Some("builder"), 1, 3, "FROM x")),
            Some(2)
        );
        assert_eq!(
            line_of(&buildkit_step(Some("builder"), 3, 3, "COPY a /")),
            Some(5)
        );
        // A stage built on a stage has no FROM vertex.
        assert_eq!(
            line_of(&buildkit_step(Some("stage-1"), 1, 1, "RUN two")),
            Some(9)
        );
        assert_eq!(
            line_of(&buildkit_step(Some("stage-2"), 2, 2, "RUN three")),
            Some(12)
        );
        assert_eq!(
            line_of(&buildkit_step(Some("stage-2"), 2, 2, "COPY x /")),
            None
        );
        let single = "FROM rbuild-test/busybox:static\nRUN a\nRUN b\n";
        let step = buildkit_step(None, 3, 3, "RUN b");
        assert_eq!(instruction_span(&step, single), Some(38..43));
        // WORKDIR makes a vertex too.
        let workdir = "FROM rbuild-test/busybox:static\nWORKDIR /w\nRUN b\n";
        let step = buildkit_step(None, 3, 3, "RUN b");
        assert_eq!(instruction_span(&step, workdir), Some(43..48));
    }

    #[test]
    fn a_parse_error_line_is_pointed_at() {
        let failure = StepFailure {
            step: None,
            line: Some(6),
            message: "dockerfile parse error on line 6: unknown instruction: CMDX".into(),
            exit_code: None,
        };
        assert!(
            render(&failure).contains("┌─ Dockerfile:6:1\n  │\n6 │ CMD [\"sh\"]"),
            "{}",
            render(&failure)
        );
    }
}
