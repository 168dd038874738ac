//! `docker rbuild parse [--format json|buildkit] FILE|-`: print the parsed Dockerfile.
//!
//! `json` prints our model (schema in README, "docker rbuild parse"); `buildkit` prints the
//! reference parser's AST dump so the two parsers can be compared file by file.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use rbuild_lints::syntax::{self, Arguments, Dockerfile, Instruction, Span, Word};
use serde_json::{json, Value};

use crate::error::input_error;
use crate::report::Streamed;

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The Dockerfile to parse; `-` reads standard input
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Output format: `json` (our model, with spans) or `buildkit` (the reference parser's dump)
    #[arg(long, value_enum, default_value_t = ParseFormat::Json)]
    pub format: ParseFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ParseFormat {
    /// The parsed model as one JSON object
    Json,
    /// One `(keyword ["--flag"] "arg" ...)` line per instruction, as BuildKit's parser dumps it
    Buildkit,
}

/// Where the Dockerfile comes from.
#[derive(Debug)]
enum Input {
    Stdin,
    File(PathBuf),
}

/// The validated command line.
#[derive(Debug)]
struct ParseConfig {
    input: Input,
    format: ParseFormat,
}

impl ParseConfig {
    fn from_args(args: ParseArgs) -> anyhow::Result<Self> {
        let input = if args.file.as_os_str() == "-" {
            Input::Stdin
        } else if args.file.as_os_str().is_empty() {
            return Err(input_error("the Dockerfile path is empty"));
        } else {
            Input::File(args.file)
        };
        Ok(ParseConfig {
            input,
            format: args.format,
        })
    }

    /// How the input is named in messages.
    fn display_name(&self) -> String {
        match &self.input {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(path) => path.display().to_string(),
        }
    }

    fn read(&self) -> anyhow::Result<Vec<u8>> {
        match &self.input {
            Input::Stdin => crate::input::read_stream(std::io::stdin().lock())
                .map_err(|reason| input_error(format!("cannot read standard input: {reason}"))),
            Input::File(path) => crate::input::read_input(path)
                .map_err(|reason| input_error(format!("cannot read {}: {reason}", path.display()))),
        }
    }
}

pub fn run(args: ParseArgs) -> anyhow::Result<ExitCode> {
    let config = ParseConfig::from_args(args)?;
    let bytes = config.read()?;
    let dockerfile = syntax::parse_bytes(&bytes)
        .map_err(|e| input_error(format!("{}:{e}", config.display_name())))?;
    // BuildKit reads bytes, so this is no error; offsets after it are into the replaced text.
    if let Some(finding) = rbuild_lints::rules::first_invalid_utf8(&bytes) {
        let at = dockerfile.position(finding.span.start);
        eprintln!(
            "warning: {}:{}:{}: {}",
            config.display_name(),
            at.line,
            at.column,
            finding.message
        );
    }
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    match config.format {
        ParseFormat::Buildkit => stdout.write_all(syntax::buildkit_dump(&dockerfile).as_bytes()),
        ParseFormat::Json => write_model(&dockerfile, &mut stdout),
    }
    .and_then(|()| stdout.flush())
    .context("cannot write to standard output")?;
    Ok(ExitCode::SUCCESS)
}

/// The documented JSON schema of `parse --format json`. The instructions (most of the output)
/// are made and written one at a time, so the output's size is not held in memory.
fn write_model(dockerfile: &Dockerfile, out: &mut impl Write) -> std::io::Result<()> {
    // Keys in alphabetical order, as the model's other objects have them.
    #[derive(serde::Serialize)]
    #[serde(bound(serialize = "I: Iterator<Item = Value>"))]
    struct Model<I> {
        comments: Vec<Value>,
        directives: Vec<Value>,
        escape: String,
        global_args: Vec<Value>,
        instructions: Streamed<I>,
        stages: Vec<Value>,
        warnings: Vec<Value>,
    }
    let line = |offset: usize| dockerfile.position(offset).line;
    let model = Model {
        comments: dockerfile.comments.iter().map(|c| json!({
            "line": line(c.start),
            "start": c.start,
            "end": c.end,
        })).collect(),
        directives: dockerfile.directives.iter().map(|d| json!({
            "name": d.name,
            "value": d.value,
            "line": line(d.span.start),
            "start": d.span.start,
            "end": d.span.end,
        })).collect(),
        escape: dockerfile.escape.to_string(),
        global_args: dockerfile.global_args.iter().map(|a| json!({
            "name": a.name,
            "default": a.default,
            "instruction": a.instruction,
        })).collect(),
        instructions: Streamed::new(
            dockerfile
                .instructions
                .iter()
                .map(|i| instruction_json(dockerfile, i)),
        ),
        stages: dockerfile.stages.iter().map(|s| json!({
            "index": s.index,
            "name": s.name.as_ref().map(|n| &n.value),
            "base": s.base.value,
            "base_span": span_json(s.base.span),
            "platform": s.platform,
            "from_instruction": s.from,
            "instructions": [s.instructions.start, s.instructions.end],
            "args": s.args.iter().map(|a| json!({"name": a.name, "default": a.default, "instruction": a.instruction})).collect::<Vec<_>>(),
        })).collect(),
        warnings: dockerfile.warnings.iter().map(|w| json!({
            "kind": "empty-continuation-line",
            "message": w.message,
            "start_line": line(w.span.start),
            "lines": w.locations.iter().map(|l| line(l.start)).collect::<Vec<_>>(),
        })).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &model)?;
    writeln!(out)
}

fn span_json(span: Span) -> Value {
    json!({"start": span.start, "end": span.end})
}

fn instruction_json(dockerfile: &Dockerfile, instruction: &Instruction) -> Value {
    let (form, args, arg_spans) = arguments_json(dockerfile, &instruction.args);
    json!({
        "keyword": instruction.kind.as_str(),
        "start_line": instruction.start_line,
        "end_line": instruction.end_line,
        "start": instruction.span.start,
        "end": instruction.span.end,
        "keyword_span": span_json(instruction.keyword_span),
        "flags": instruction.flags.iter().map(|f| json!({
            "name": f.name,
            "value": f.value,
            "start": f.span.start,
            "end": f.span.end,
        })).collect::<Vec<_>>(),
        "form": form,
        "args": args,
        "arg_spans": arg_spans,
        "heredocs": instruction.heredocs.iter().map(|h| json!({
            "name": h.name,
            "file_descriptor": h.file_descriptor,
            "expand": h.expand,
            "chomp": h.chomp,
            "content": h.content,
            "word": span_json(h.word_span),
            "body": span_json(h.body_span),
            "terminator": span_json(h.terminator_span),
        })).collect::<Vec<_>>(),
    })
}

/// `(form, args, arg_spans)`; `arg_spans` mirrors the shape of `args` with `{start, end}` objects.
fn arguments_json(dockerfile: &Dockerfile, args: &Arguments) -> (&'static str, Value, Value) {
    let values = |words: &[Word]| words.iter().map(|w| json!(w.value)).collect::<Value>();
    let spans = |words: &[Word]| words.iter().map(|w| span_json(w.span)).collect::<Value>();
    match args {
        Arguments::None => ("none", Value::Null, Value::Null),
        Arguments::Exec(words) => ("exec", values(words), spans(words)),
        Arguments::Shell(word) => ("shell", json!(word.value), span_json(word.span)),
        Arguments::Words(words) => ("words", values(words), spans(words)),
        Arguments::Text(word) => ("text", json!(word.value), span_json(word.span)),
        Arguments::KeyValues(pairs) => (
            "key-values",
            pairs
                .iter()
                .map(|p| json!({"key": p.key.value, "value": p.value.value, "legacy": p.legacy}))
                .collect(),
            pairs
                .iter()
                .map(|p| json!({"key": span_json(p.key.span), "value": span_json(p.value.span)}))
                .collect(),
        ),
        Arguments::Healthcheck { kind, command } => {
            let (form, command, command_spans) = arguments_json(dockerfile, command);
            (
                "healthcheck",
                json!({"type": kind.value, "form": form, "command": command}),
                json!({"type": span_json(kind.span), "command": command_spans}),
            )
        }
        Arguments::Onbuild(trigger) => (
            "onbuild",
            instruction_json(dockerfile, trigger),
            span_json(trigger.span),
        ),
    }
}
