//! Rendering the daemon's build messages (the classic builder's step text, BuildKit's
//! status updates): plain text, a live terminal view, raw JSON, or nothing but the image ID. The renderer takes any stream of [`DaemonMessage`]s, so tests
//! feed it canned sequences.

use std::collections::VecDeque;
use std::fmt::Display;
use std::io::{self, Write};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bollard::moby::buildkit::v1::StatusResponse;
use bollard::models::{BuildInfo, BuildInfoAux, ErrorDetail, ImageId, ProgressDetail};
use futures_util::{Stream, StreamExt};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::build::buildkit::{self, Change, Vertex, Vertexes};

/// How progress is shown (`--progress` with `auto` resolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// The daemon's step text as it comes.
    Plain,
    /// A compact live view redrawn in place.
    Live,
    /// Only the image ID, on stdout.
    Quiet,
    /// The daemon's messages as JSON lines, on stdout.
    RawJson,
}

/// One message of the daemon's build stream, with the daemon's JSON field names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DaemonMessage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "progressDetail", skip_serializing_if = "Option::is_none")]
    pub progress_detail: Option<ProgressDetail>,
    #[serde(rename = "errorDetail", skip_serializing_if = "Option::is_none")]
    pub error_detail: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aux: Option<ImageId>,
    /// A BuildKit status update (`moby.buildkit.trace`), decoded by bollard from protobuf;
    /// rawjson prints it through [`crate::build::buildkit::status_json`].
    #[serde(skip)]
    pub buildkit: Option<StatusResponse>,
}

impl From<BuildInfo> for DaemonMessage {
    fn from(info: BuildInfo) -> DaemonMessage {
        let (aux, buildkit) = match info.aux {
            Some(BuildInfoAux::Default(image)) => (Some(image), None),
            Some(BuildInfoAux::BuildKit(status)) => (None, Some(status)),
            None => (None, None),
        };
        DaemonMessage {
            stream: info.stream,
            status: info.status,
            id: info.id,
            progress_detail: info.progress_detail,
            error_detail: info.error_detail,
            aux,
            buildkit,
        }
    }
}

/// Turns an item of bollard's build stream into a message. bollard reports the daemon's
/// `errorDetail` message as `Err(DockerStreamError)`; that is the build's failure, not a
/// broken stream, so it becomes a message again (the numeric code is lost on the way; the
/// exit code is read from the text).
pub fn from_bollard(
    item: Result<BuildInfo, bollard::errors::Error>,
) -> Result<DaemonMessage, bollard::errors::Error> {
    match item {
        Ok(info) => Ok(info.into()),
        Err(bollard::errors::Error::DockerStreamError { error }) => Ok(DaemonMessage {
            error_detail: Some(ErrorDetail {
                code: None,
                message: Some(error),
            }),
            ..DaemonMessage::default()
        }),
        Err(err) => Err(err),
    }
}

/// How many output lines of the running step the live view shows.
const LIVE_TAIL_LINES: usize = 5;
/// How many output lines of a step are kept for a failure report.
const KEPT_OUTPUT_LINES: usize = 12;
/// How often the live view refreshes the running step's clock.
const LIVE_REFRESH: Duration = Duration::from_millis(200);

/// One `Step N/M : INSTRUCTION` of the classic builder, or `[stage N/M] INSTRUCTION` of BuildKit.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub number: usize,
    pub total: usize,
    pub instruction: String,
    /// What `number` counts in.
    pub scope: StepScope,
    pub cached: bool,
    started: Instant,
    finished: Option<Instant>,
    /// The last lines the step printed.
    pub output: VecDeque<String>,
    /// Image pull progress by layer ID, in arrival order.
    pulls: Vec<(String, String)>,
}

/// What a step's number counts: the classic builder numbers every instruction of the file,
/// BuildKit those of a stage (its FROM is 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepScope {
    File,
    /// The stage's name (`builder`, or `stage-N` for an unnamed one); `None` when the
    /// Dockerfile has a single stage.
    Stage(Option<String>),
}

impl Step {
    /// A step known only after the fact (from a BuildKit vertex).
    pub fn finished(
        number: usize,
        total: usize,
        instruction: String,
        scope: StepScope,
        cached: bool,
        output: VecDeque<String>,
    ) -> Step {
        let now = Instant::now();
        Step {
            number,
            total,
            instruction,
            scope,
            cached,
            started: now,
            finished: Some(now),
            output,
            pulls: Vec::new(),
        }
    }

    fn duration(&self, now: Instant) -> Duration {
        self.finished
            .unwrap_or(now)
            .saturating_duration_since(self.started)
    }
}

/// How a build stream ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Built(Built),
    /// A successful build whose result went to an `--output` instead of an image.
    Exported,
    Failed(StepFailure),
}

/// A successful build.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    /// The full image ID (`sha256:...`) when the daemon sent it, else the short one.
    pub image_id: String,
}

/// The daemon's error, with the step it happened in.
#[derive(Debug, Clone, PartialEq)]
pub struct StepFailure {
    pub step: Option<Step>,
    /// The Dockerfile line the daemon blamed (`dockerfile parse error on line N`).
    pub line: Option<usize>,
    pub message: String,
    /// The failing command's exit code, when the daemon says which.
    pub exit_code: Option<i64>,
}

/// Writes progress for one build. `progress` gets the human-readable views, `results` the
/// image ID (quiet) and the JSON lines (rawjson), so that they can be piped.
pub struct Renderer<P: Write, R: Write> {
    mode: ProgressMode,
    color: bool,
    progress: P,
    results: R,
    steps: Vec<Step>,
    /// The unfinished last line of the `stream` text.
    partial_line: String,
    image_id: Option<String>,
    tags: Vec<String>,
    failure: Option<StepFailure>,
    /// The container of the RUN step in progress (` ---> Running in <ID>`).
    running_container: Option<String>,
    /// How many lines the live region occupies on screen.
    live_lines: usize,
    started: Instant,
    /// A BuildKit build's vertexes (none for the classic builder).
    vertexes: Vertexes,
    /// The last vertex whose `#N` header the plain view printed.
    plain_vertex: Option<usize>,
    /// The terminal's width in columns, when known: live step lines are cut to it, in the
    /// middle, so that the step's timer stays visible.
    width: Option<usize>,
    /// Set when the build exports its result instead of making an image.
    exports: bool,
}

/// The columns of ` ERROR` or ` CACHED` after a step's name.
fn mark_width(error: bool, cached: bool) -> usize {
    match (error, cached) {
        (true, _) => " ERROR".len(),
        (false, true) => " CACHED".len(),
        (false, false) => 0,
    }
}

fn step_line() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(r"^Step ([0-9]+)/([0-9]+) : (.*)$").expect("the step pattern is a valid regex")
    })
}

/// BuildKit's frontend reports Dockerfile syntax errors as `dockerfile parse error on line N: ...`.
fn parse_error_line(message: &str) -> Option<usize> {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN
        .get_or_init(|| {
            Regex::new(r"dockerfile parse error on line ([0-9]+)")
                .expect("the parse error pattern is a valid regex")
        })
        .captures(message)
        .and_then(|captures| captures[1].parse().ok())
}

fn exit_code_in(message: &str) -> Option<i64> {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN
        .get_or_init(|| {
            // The classic builder's wording, then BuildKit's.
            Regex::new(r"(?:returned a non-zero code|did not complete successfully: exit code): (-?[0-9]+)")
                .expect("the code pattern is a valid regex")
        })
        .captures(message)
        .and_then(|captures| captures[1].parse().ok())
}

impl<P: Write, R: Write> Renderer<P, R> {
    /// `color` adds ANSI colors to the live view (the caller honours `NO_COLOR`).
    pub fn new(mode: ProgressMode, color: bool, progress: P, results: R, now: Instant) -> Self {
        Renderer {
            mode,
            color,
            progress,
            results,
            steps: Vec::new(),
            partial_line: String::new(),
            image_id: None,
            tags: Vec::new(),
            failure: None,
            running_container: None,
            live_lines: 0,
            started: now,
            vertexes: Vertexes::default(),
            plain_vertex: None,
            width: None,
            exports: false,
        }
    }

    /// The build exports its result (`--output`): no image ID comes.
    pub fn exporting(mut self, exports: bool) -> Self {
        self.exports = exports;
        self
    }

    /// Lays live lines out for a terminal `width` columns wide.
    pub fn with_width(mut self, width: Option<usize>) -> Self {
        self.width = width;
        self
    }

    /// `text` cut with `…` so that a line with `fixed` other columns fits the terminal.
    fn fit<'t>(&self, text: &'t str, fixed: usize) -> std::borrow::Cow<'t, str> {
        let Some(width) = self.width else {
            return text.into();
        };
        // The last column stays free: some terminals wrap a line that fills it.
        let room = width.saturating_sub(fixed + 1).max(1);
        if text.chars().count() <= room {
            return text.into();
        }
        let mut cut: String = text.chars().take(room - 1).collect();
        cut.push('…');
        cut.into()
    }

    /// Consumes the stream to its end and says how the build went. A stream error after the
    /// image ID arrived is ignored (the build is done); before, it is the build's error.
    pub async fn render<S, E>(&mut self, messages: S) -> anyhow::Result<Outcome>
    where
        S: Stream<Item = Result<DaemonMessage, E>>,
        E: Display,
    {
        let mut messages = std::pin::pin!(messages);
        let mut refresh = tokio::time::interval(LIVE_REFRESH);
        refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut received_any = false;
        loop {
            let next = tokio::select! {
                next = messages.next() => next,
                _ = refresh.tick(), if self.mode == ProgressMode::Live => {
                    self.redraw_live(Instant::now())?;
                    continue;
                }
            };
            match next {
                Some(Ok(message)) => {
                    received_any = true;
                    self.handle(&message, Instant::now())?;
                }
                Some(Err(_)) if self.image_id.is_some() => break,
                Some(Err(err)) if received_any => {
                    self.clear_live()?;
                    anyhow::bail!("the daemon's build stream broke off: {err}");
                }
                // The request itself failed: the daemon refused the build or is unreachable.
                Some(Err(err)) => anyhow::bail!("the daemon did not run the build: {err}"),
                None => break,
            }
        }
        self.finish(Instant::now())
    }

    /// Takes one message into account and shows it.
    pub fn handle(&mut self, message: &DaemonMessage, now: Instant) -> io::Result<()> {
        if self.mode == ProgressMode::RawJson {
            let mut json = serde_json::to_value(message).map_err(io::Error::other)?;
            if let (Some(status), Some(object)) = (&message.buildkit, json.as_object_mut()) {
                object.insert("aux".into(), buildkit::status_json(status));
            }
            writeln!(self.results, "{json}")?;
        }
        if let Some(status) = &message.buildkit {
            let changes = self.vertexes.apply(status, now);
            for change in &changes {
                if let Change::StatusDone(_, id) = change {
                    if let Some(name) = id.strip_prefix("naming to ") {
                        let short = name.strip_prefix("docker.io/library/").unwrap_or(name);
                        self.tags.push(short.to_owned());
                    }
                }
            }
            self.show_changes(&changes, now)?;
        }
        if let Some(id) = message.aux.as_ref().and_then(|aux| aux.id.clone()) {
            self.image_id = Some(id);
        }
        if let Some(text) = &message.stream {
            if self.mode == ProgressMode::Plain {
                self.progress.write_all(text.as_bytes())?;
            }
            self.partial_line.push_str(text);
            while let Some(end) = self.partial_line.find('\n') {
                let line: String = self.partial_line.drain(..=end).collect();
                self.take_line(line.trim_end_matches(['\n', '\r']), now)?;
            }
        }
        if let Some(status) = &message.status {
            self.take_status(
                status,
                message.id.as_deref(),
                message.progress_detail.as_ref(),
            )?;
        }
        if let Some(error) = &message.error_detail {
            let text = error
                .message
                .clone()
                .unwrap_or_else(|| "the build failed".into());
            let step = match self.vertexes.all.is_empty() {
                true => self.running_step().cloned(),
                false => self.vertexes.failed_step(),
            };
            self.failure = Some(StepFailure {
                line: parse_error_line(&text),
                step,
                exit_code: exit_code_in(&text).or(error.code.filter(|code| *code != 0)),
                message: text,
            });
        }
        if self.mode == ProgressMode::Live {
            self.redraw_live(now)?;
        }
        self.progress.flush()
    }

    /// Ends the build: the final summary, or the failure for the caller to report.
    pub fn finish(&mut self, now: Instant) -> anyhow::Result<Outcome> {
        if !self.partial_line.is_empty() {
            let line = std::mem::take(&mut self.partial_line);
            self.take_line(&line, now)?;
        }
        if let Some(failure) = self.failure.take() {
            self.clear_live()?;
            return Ok(Outcome::Failed(failure));
        }
        let Some(image_id) = self.image_id.clone() else {
            self.clear_live()?;
            if self.exports {
                self.finish_running_step(now)?;
                self.progress.flush()?;
                return Ok(Outcome::Exported);
            }
            anyhow::bail!("the daemon ended the build without reporting an image ID");
        };
        self.finish_running_step(now)?;
        match self.mode {
            ProgressMode::Quiet => writeln!(self.results, "{image_id}")?,
            ProgressMode::Live => self.print_summary(&image_id, now)?,
            ProgressMode::Plain | ProgressMode::RawJson => {}
        }
        self.progress.flush()?;
        self.results.flush()?;
        Ok(Outcome::Built(Built { image_id }))
    }

    /// Stops showing progress after a cancellation: the live region is erased, any
    /// unterminated plain line is ended.
    pub fn abandon(&mut self) -> io::Result<()> {
        self.clear_live()?;
        if self.mode == ProgressMode::Plain && !self.partial_line.is_empty() {
            writeln!(self.progress)?;
        }
        self.progress.flush()
    }

    /// The Dockerfile steps the build showed, each with how long it took, in the order they
    /// were first seen (for explaining cache misses).
    pub fn seen_steps(&self) -> Vec<(Step, Duration)> {
        let now = Instant::now();
        let classic = self
            .steps
            .iter()
            .map(|step| (step.clone(), step.duration(now)));
        let buildkit = self.vertexes.all.iter().filter_map(|vertex| {
            let step = vertex.step()?;
            Some((step, vertex.elapsed(now)))
        });
        classic.chain(buildkit).collect()
    }

    /// The container of a RUN step that had started and not been removed yet.
    pub fn running_container(&self) -> Option<&str> {
        self.running_container.as_deref()
    }

    /// Gives back the writers (for tests).
    #[cfg(test)]
    pub fn into_writers(self) -> (P, R) {
        (self.progress, self.results)
    }

    fn running_step(&self) -> Option<&Step> {
        self.steps.last().filter(|step| step.finished.is_none())
    }

    fn take_line(&mut self, line: &str, now: Instant) -> io::Result<()> {
        // A carriage return redraws a terminal line: only its last version counts.
        let line = line.rsplit('\r').next().unwrap_or(line);
        if let Some(captures) = step_line().captures(line) {
            self.finish_running_step(now)?;
            self.steps.push(Step {
                number: captures[1].parse().unwrap_or(0),
                total: captures[2].parse().unwrap_or(0),
                instruction: captures[3].to_owned(),
                scope: StepScope::File,
                cached: false,
                started: now,
                finished: None,
                output: VecDeque::new(),
                pulls: Vec::new(),
            });
            return Ok(());
        }
        if line == " ---> Using cache" {
            if let Some(step) = self.steps.last_mut() {
                step.cached = true;
            }
            return Ok(());
        }
        if let Some(id) = line.strip_prefix("Successfully built ") {
            self.image_id.get_or_insert_with(|| id.trim().to_owned());
            return self.finish_running_step(now);
        }
        if let Some(tag) = line.strip_prefix("Successfully tagged ") {
            self.tags.push(tag.trim().to_owned());
            return Ok(());
        }
        if let Some(result) = line.strip_prefix(" ---> ") {
            // ` ---> <image ID>` ends a step; `Running in`/`Using cache` are bookkeeping.
            if result.bytes().all(|b| b.is_ascii_hexdigit()) {
                self.finish_running_step(now)?;
            } else if let Some(container) = result.strip_prefix("Running in ") {
                self.running_container = Some(container.trim().to_owned());
            }
            return Ok(());
        }
        if line.starts_with("Removing intermediate container ") {
            self.running_container = None;
            return Ok(());
        }
        match self.steps.last_mut().filter(|step| step.finished.is_none()) {
            Some(step) => {
                if step.output.len() == KEPT_OUTPUT_LINES {
                    step.output.pop_front();
                }
                step.output.push_back(line.to_owned());
                Ok(())
            }
            // Lines outside any step (daemon warnings): show them as they are.
            None if self.mode == ProgressMode::Live && !line.trim().is_empty() => {
                self.clear_live()?;
                writeln!(self.progress, "{line}")
            }
            None => Ok(()),
        }
    }

    fn take_status(
        &mut self,
        status: &str,
        id: Option<&str>,
        detail: Option<&ProgressDetail>,
    ) -> io::Result<()> {
        let amounts = detail.and_then(|detail| Some((detail.current?, detail.total)));
        let text = match amounts {
            Some((current, Some(total))) if total > 0 => {
                format!("{status} {} / {}", human_bytes(current), human_bytes(total))
            }
            Some((current, _)) => format!("{status} {}", human_bytes(current)),
            None => status.to_owned(),
        };
        if self.mode == ProgressMode::Plain && amounts.is_none() {
            // Byte counters would flood a log; the state changes are what a reader needs.
            match id {
                Some(id) => writeln!(self.progress, "{id}: {status}")?,
                None => writeln!(self.progress, "{status}")?,
            }
        }
        let Some(step) = self.steps.last_mut().filter(|step| step.finished.is_none()) else {
            return Ok(());
        };
        match id {
            Some(id) => match step.pulls.iter_mut().find(|(layer, _)| layer == id) {
                Some((_, line)) => *line = text,
                None => step.pulls.push((id.to_owned(), text)),
            },
            None => {
                if step.output.len() == KEPT_OUTPUT_LINES {
                    step.output.pop_front();
                }
                step.output.push_back(text);
            }
        }
        Ok(())
    }

    fn finish_running_step(&mut self, now: Instant) -> io::Result<()> {
        let Some(step) = self.steps.last_mut().filter(|step| step.finished.is_none()) else {
            return Ok(());
        };
        step.finished = Some(now);
        if self.mode == ProgressMode::Live {
            let line = self.step_line(self.steps.len() - 1, now);
            self.clear_live()?;
            writeln!(self.progress, "{line}")?;
        }
        Ok(())
    }

    /// Shows what changed in a BuildKit build: buildx-like `#N` lines in plain mode; in the
    /// live view, a line per finished vertex above the running ones.
    fn show_changes(&mut self, changes: &[Change], now: Instant) -> io::Result<()> {
        for change in changes {
            match self.mode {
                ProgressMode::Plain => self.plain_change(change)?,
                ProgressMode::Live => {
                    if let Change::Completed(index) | Change::Failed(index) = change {
                        let line = self.vertex_line(&self.vertexes.all[*index], now);
                        self.clear_live()?;
                        writeln!(self.progress, "{line}")?;
                    }
                }
                ProgressMode::Quiet | ProgressMode::RawJson => {}
            }
        }
        Ok(())
    }

    fn plain_change(&mut self, change: &Change) -> io::Result<()> {
        let (Change::Started(index)
        | Change::Cached(index)
        | Change::Log(index, ..)
        | Change::StatusDone(index, _)
        | Change::Completed(index)
        | Change::Failed(index)) = change;
        let vertex = &self.vertexes.all[*index];
        let number = vertex.number;
        // Like buildx: a vertex's header again whenever another vertex printed in between.
        if self.plain_vertex != Some(*index) {
            if self.plain_vertex.is_some() {
                writeln!(self.progress)?;
            }
            writeln!(self.progress, "#{number} {}", vertex.name)?;
            self.plain_vertex = Some(*index);
            if matches!(change, Change::Started(_)) {
                return Ok(());
            }
        }
        match change {
            Change::Started(_) => Ok(()),
            Change::Cached(_) => writeln!(self.progress, "#{number} CACHED"),
            Change::Log(_, since, line) => {
                writeln!(self.progress, "#{number} {:.3} {line}", since.as_secs_f64())
            }
            Change::StatusDone(_, id) => writeln!(self.progress, "#{number} {id} done"),
            Change::Completed(_) if vertex.cached => Ok(()),
            Change::Completed(_) => writeln!(
                self.progress,
                "#{number} DONE {:.1}s",
                vertex.duration.unwrap_or_default().as_secs_f64()
            ),
            Change::Failed(_) => writeln!(
                self.progress,
                "#{number} ERROR: {}",
                vertex.error.as_deref().unwrap_or_default()
            ),
        }
    }

    /// `[stage-1 2/3] COPY hello.txt / CACHED 0.0s`
    fn vertex_line(&self, vertex: &Vertex, now: Instant) -> String {
        let (title, rest) = match vertex.name.split_once("] ") {
            Some((title, rest)) if vertex.name.starts_with('[') => (format!("{title}]"), rest),
            _ => (String::new(), vertex.name.as_str()),
        };
        let mark = match (&vertex.error, vertex.cached) {
            (Some(_), _) => self.paint("31", " ERROR"),
            (None, true) => self.paint("34", " CACHED"),
            (None, false) => String::new(),
        };
        let seconds = format!("{:.1}s", vertex.elapsed(now).as_secs_f64());
        let fixed = match title.is_empty() {
            true => 0,
            false => title.chars().count() + 1,
        } + mark_width(vertex.error.is_some(), vertex.cached)
            + 1
            + seconds.len();
        let title = match title.is_empty() {
            true => String::new(),
            false => format!("{} ", self.paint("1", &title)),
        };
        format!(
            "{title}{}{mark} {}",
            self.fit(rest, fixed),
            self.paint("2", &seconds)
        )
    }

    /// The running vertexes (several when stages run in parallel), each with its output tail
    /// and progress entries.
    fn running_vertex_lines(&self, now: Instant) -> Vec<String> {
        let mut lines = Vec::new();
        for vertex in self.vertexes.all.iter().filter(|vertex| vertex.running()) {
            lines.push(self.vertex_line(vertex, now));
            let tail_start = vertex.output.len().saturating_sub(LIVE_TAIL_LINES);
            lines.extend(
                vertex
                    .output
                    .iter()
                    .skip(tail_start)
                    .map(|line| self.paint("2", &format!("  │ {line}"))),
            );
            lines.extend(
                vertex
                    .statuses
                    .iter()
                    .map(|(_, status)| self.paint("2", &format!("  ↓ {status}"))),
            );
        }
        lines
    }

    /// `[2/3] RUN apk add --update redis   CACHED 0.0s`
    fn step_line(&self, index: usize, now: Instant) -> String {
        let step = &self.steps[index];
        let cached = if step.cached {
            self.paint("34", " CACHED")
        } else {
            String::new()
        };
        let seconds = format!("{:.1}s", step.duration(now).as_secs_f64());
        let number = format!("[{}/{}]", step.number, step.total);
        let fixed = number.len() + 1 + mark_width(false, step.cached) + 1 + seconds.len();
        format!(
            "{} {}{cached} {}",
            self.paint("1", &number),
            self.fit(&step.instruction, fixed),
            self.paint("2", &seconds)
        )
    }

    fn paint(&self, sgr: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Erases the live region (the running step and its tail).
    fn clear_live(&mut self) -> io::Result<()> {
        if self.live_lines > 0 {
            write!(self.progress, "\x1b[{}F\x1b[J", self.live_lines)?;
            self.live_lines = 0;
        }
        Ok(())
    }

    /// Redraws the running step with its clock, its last output lines and pull progress.
    fn redraw_live(&mut self, now: Instant) -> io::Result<()> {
        if !self.vertexes.all.is_empty() {
            let lines = self.running_vertex_lines(now);
            return self.draw_live(lines);
        }
        let Some(step) = self.running_step() else {
            return self.clear_live();
        };
        let mut lines = vec![self.step_line(self.steps.len() - 1, now)];
        let tail_start = step.output.len().saturating_sub(LIVE_TAIL_LINES);
        lines.extend(
            step.output
                .iter()
                .skip(tail_start)
                .map(|line| self.paint("2", &format!("  │ {line}"))),
        );
        lines.extend(
            step.pulls
                .iter()
                .map(|(layer, status)| self.paint("2", &format!("  ↓ {layer}: {status}"))),
        );
        self.draw_live(lines)
    }

    /// Replaces the live region with `lines`.
    fn draw_live(&mut self, lines: Vec<String>) -> io::Result<()> {
        self.clear_live()?;
        if lines.is_empty() {
            return Ok(());
        }
        // Autowrap off while drawing, so that a long line takes one screen line and the
        // next redraw moves up by exactly the number of lines written.
        write!(self.progress, "\x1b[?7l")?;
        for line in &lines {
            writeln!(self.progress, "{line}")?;
        }
        write!(self.progress, "\x1b[?7h")?;
        self.live_lines = lines.len();
        self.progress.flush()
    }

    fn print_summary(&mut self, image_id: &str, now: Instant) -> io::Result<()> {
        self.clear_live()?;
        let (buildkit_steps, buildkit_cached) = self.vertexes.step_counts();
        let steps = self.steps.len() + buildkit_steps;
        let cached = self.steps.iter().filter(|step| step.cached).count() + buildkit_cached;
        let seconds = now.saturating_duration_since(self.started).as_secs_f64();
        let short_id = image_id.strip_prefix("sha256:").unwrap_or(image_id);
        let short_id = &short_id[..short_id.len().min(12)];
        let summary = format!("Built {short_id} in {seconds:.1}s ({steps} steps, {cached} cached)");
        writeln!(self.progress, "{}", self.paint("32", &summary))?;
        if !self.tags.is_empty() {
            writeln!(self.progress, "Tagged {}", self.tags.join(", "))?;
        }
        Ok(())
    }
}

/// `12.3 MB`-style sizes for pull progress (decimal units, as docker shows them).
fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Canned daemon output, one JSON message per line, as a Docker 20.10 daemon sends it.
    fn messages(jsonl: &str) -> Vec<DaemonMessage> {
        jsonl
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
            .collect()
    }

    const CACHED_BUILD: &str = r#"
{"stream":"Step 1/3 : FROM rbuild-test/busybox:static"}
{"stream":"\n"}
{"stream":" ---\u003e 976f1651dd87\n"}
{"stream":"Step 2/3 : RUN echo hello \u003e /greeting"}
{"stream":"\n"}
{"stream":" ---\u003e Using cache\n"}
{"stream":" ---\u003e 1d2c3b4a5f6e\n"}
{"stream":"Step 3/3 : CMD [\"cat\", \"/greeting\"]"}
{"stream":"\n"}
{"stream":" ---\u003e Using cache\n"}
{"stream":" ---\u003e 0a1b2c3d4e5f\n"}
{"aux":{"ID":"sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"}}
{"stream":"Successfully built 0a1b2c3d4e5f\n"}
{"stream":"Successfully tagged rbuild-test/hello:latest\n"}
"#;

    const FAILED_BUILD: &str = r#"
{"stream":"Step 1/3 : FROM rbuild-test/busybox:static"}
{"stream":"\n"}
{"stream":" ---\u003e 976f1651dd87\n"}
{"stream":"Step 2/3 : RUN echo one \u0026\u0026 echo two \u0026\u0026 exit 3"}
{"stream":"\n"}
{"stream":" ---\u003e Running in 5e6f7a8b9c0d\n"}
{"stream":"one\n"}
{"stream":"two\n"}
{"errorDetail":{"code":3,"message":"The command '/bin/sh -c echo one \u0026\u0026 echo two \u0026\u0026 exit 3' returned a non-zero code: 3"},"error":"The command '/bin/sh -c echo one \u0026\u0026 echo two \u0026\u0026 exit 3' returned a non-zero code: 3"}
"#;

    const PULLING_BUILD: &str = r#"
{"stream":"Step 1/1 : FROM alpine:3.19"}
{"stream":"\n"}
{"status":"Pulling from library/alpine","id":"3.19"}
{"status":"Pulling fs layer","progressDetail":{},"id":"4abcf2066143"}
{"status":"Downloading","progressDetail":{"current":1048576,"total":3408729},"id":"4abcf2066143"}
{"status":"Download complete","progressDetail":{},"id":"4abcf2066143"}
{"status":"Digest: sha256:1111111111111111111111111111111111111111111111111111111111111111"}
{"status":"Status: Downloaded newer image for alpine:3.19"}
{"stream":" ---\u003e 05455a08881e\n"}
{"aux":{"ID":"sha256:05455a08881ea9cf0e752bc48e61bbd71a34c029bb13df01e40e3e70e0d007bd"}}
{"stream":"Successfully built 05455a08881e\n"}
"#;

    /// Runs `jsonl` through a renderer, one second per message.
    fn render(mode: ProgressMode, jsonl: &str) -> (anyhow::Result<Outcome>, String, String) {
        let start = Instant::now();
        let mut renderer = Renderer::new(mode, false, Vec::new(), Vec::new(), start);
        let mut now = start;
        for message in messages(jsonl) {
            now += Duration::from_secs(1);
            renderer.handle(&message, now).unwrap();
        }
        let outcome = renderer.finish(now + Duration::from_secs(1));
        let (progress, results) = renderer.into_writers();
        (
            outcome,
            String::from_utf8(progress).unwrap(),
            String::from_utf8(results).unwrap(),
        )
    }

    /// The live view with its cursor movements stripped: what stays on screen line by line.
    fn final_screen(raw: &str) -> Vec<String> {
        let mut screen: Vec<String> = Vec::new();
        let mut rest = raw;
        let mut line = String::new();
        let moves = Regex::new(r"^\x1b\[(\d+)F\x1b\[J|^\x1b\[\?7[lh]").unwrap();
        while let Some(c) = rest.chars().next() {
            if let Some(found) = moves.captures(rest) {
                if let Some(up) = found.get(1) {
                    let up: usize = up.as_str().parse().unwrap();
                    screen.truncate(screen.len() - up);
                }
                rest = &rest[found[0].len()..];
                continue;
            }
            if c == '\n' {
                screen.push(std::mem::take(&mut line));
            } else {
                line.push(c);
            }
            rest = &rest[c.len_utf8()..];
        }
        screen
    }

    #[test]
    fn plain_mode_shows_the_daemon_text_as_it_comes() {
        let (outcome, progress, results) = render(ProgressMode::Plain, CACHED_BUILD);
        assert_eq!(
            progress,
            "Step 1/3 : FROM rbuild-test/busybox:static\n ---> 976f1651dd87\n\
             Step 2/3 : RUN echo hello > /greeting\n ---> Using cache\n ---> 1d2c3b4a5f6e\n\
             Step 3/3 : CMD [\"cat\", \"/greeting\"]\n ---> Using cache\n ---> 0a1b2c3d4e5f\n\
             Successfully built 0a1b2c3d4e5f\nSuccessfully tagged rbuild-test/hello:latest\n"
        );
        assert_eq!(results, "");
        let Outcome::Built(built) = outcome.unwrap() else {
            panic!("not built")
        };
        assert!(built.image_id.starts_with("sha256:0a1b2c3d4e5f"));
    }

    #[test]
    fn live_view_marks_cached_steps_and_ends_with_a_summary() {
        let (outcome, progress, _) = render(ProgressMode::Live, CACHED_BUILD);
        assert!(matches!(outcome.unwrap(), Outcome::Built(_)));
        assert_eq!(
            final_screen(&progress),
            [
                "[1/3] FROM rbuild-test/busybox:static 1.0s",
                "[2/3] RUN echo hello > /greeting CACHED 2.0s",
                "[3/3] CMD [\"cat\", \"/greeting\"] CACHED 2.0s",
                "Built 0a1b2c3d4e5f in 15.0s (3 steps, 2 cached)",
                "Tagged rbuild-test/hello:latest",
            ]
        );
    }

    #[test]
    fn live_view_shows_the_running_step_tail() {
        let start = Instant::now();
        let mut renderer = Renderer::new(ProgressMode::Live, false, Vec::new(), Vec::new(), start);
        for message in messages(FAILED_BUILD).iter().take(8) {
            renderer
                .handle(message, start + Duration::from_millis(2500))
                .unwrap();
        }
        let (progress, _) = renderer.into_writers();
        assert_eq!(
            final_screen(&String::from_utf8(progress).unwrap()),
            [
                "[1/3] FROM rbuild-test/busybox:static 0.0s",
                "[2/3] RUN echo one && echo two && exit 3 0.0s",
                "  │ one",
                "  │ two",
            ]
        );
    }

    #[test]
    fn a_failed_step_is_reported_with_its_output_and_exit_code() {
        for mode in [ProgressMode::Plain, ProgressMode::Live, ProgressMode::Quiet] {
            let (outcome, _, results) = render(mode, FAILED_BUILD);
            let Outcome::Failed(failure) = outcome.unwrap() else {
                panic!("not failed")
            };
            let step = failure.step.expect("the failing step");
            assert_eq!((step.number, step.total), (2, 3));
            assert_eq!(step.instruction, "RUN echo one && echo two && exit 3");
            assert_eq!(step.output, ["one", "two"]);
            assert_eq!(failure.exit_code, Some(3));
            assert!(failure.message.ends_with("returned a non-zero code: 3"));
            assert_eq!(results, "", "{mode:?}");
        }
    }

    #[test]
    fn pull_progress_is_shown_live_and_summarized_in_plain() {
        let (_, plain, _) = render(ProgressMode::Plain, PULLING_BUILD);
        assert_eq!(
            plain,
            "Step 1/1 : FROM alpine:3.19\n3.19: Pulling from library/alpine\n\
             4abcf2066143: Pulling fs layer\n4abcf2066143: Download complete\n\
             Digest: sha256:1111111111111111111111111111111111111111111111111111111111111111\n\
             Status: Downloaded newer image for alpine:3.19\n ---> 05455a08881e\n\
             Successfully built 05455a08881e\n"
        );
        let start = Instant::now();
        let mut renderer = Renderer::new(ProgressMode::Live, false, Vec::new(), Vec::new(), start);
        for message in messages(PULLING_BUILD).iter().take(5) {
            renderer.handle(message, start).unwrap();
        }
        let (progress, _) = renderer.into_writers();
        assert_eq!(
            final_screen(&String::from_utf8(progress).unwrap()),
            [
                "[1/1] FROM alpine:3.19 0.0s",
                "  ↓ 3.19: Pulling from library/alpine",
                "  ↓ 4abcf2066143: Downloading 1.0 MB / 3.4 MB",
            ]
        );
    }

    #[test]
    fn quiet_prints_only_the_image_id_and_rawjson_the_messages() {
        let (_, progress, results) = render(ProgressMode::Quiet, CACHED_BUILD);
        assert_eq!(progress, "");
        assert_eq!(
            results,
            "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9\n"
        );
        let (_, progress, results) = render(ProgressMode::RawJson, CACHED_BUILD);
        assert_eq!(progress, "");
        assert_eq!(results.lines().count(), 14);
        assert_eq!(
            results.lines().next().unwrap(),
            r#"{"stream":"Step 1/3 : FROM rbuild-test/busybox:static"}"#
        );
        assert!(results.contains(r#"{"aux":{"ID":"sha256:0a1b2c3d4e5f"#));
    }

    #[test]
    fn bollard_stream_errors_are_the_daemon_error_message() {
        let message = "The command '/bin/sh -c false' returned a non-zero code: 1".to_owned();
        let item = from_bollard(Err(bollard::errors::Error::DockerStreamError {
            error: message.clone(),
        }));
        assert_eq!(item.unwrap().error_detail.unwrap().message, Some(message));
        let broken = from_bollard(Err(bollard::errors::Error::RequestTimeoutError));
        assert!(broken.is_err());
    }

    /// Renders a stream of canned items (some of them errors) into a renderer of `mode`.
    async fn render_stream<E: Display>(
        mode: ProgressMode,
        items: impl IntoIterator<Item = Result<DaemonMessage, E>>,
    ) -> anyhow::Result<Outcome> {
        let mut renderer = Renderer::new(mode, false, Vec::new(), Vec::new(), Instant::now());
        renderer.render(futures_util::stream::iter(items)).await
    }

    #[tokio::test]
    async fn a_stream_error_after_the_image_id_does_not_fail_the_build() {
        let mut items: Vec<Result<DaemonMessage, String>> =
            messages(CACHED_BUILD).into_iter().map(Ok).collect();
        items.push(Err("trailing garbage in the response".into()));
        let outcome = render_stream(ProgressMode::Quiet, items).await.unwrap();
        assert!(matches!(outcome, Outcome::Built(_)));
    }

    #[tokio::test]
    async fn a_stream_error_before_the_image_id_fails_the_build() {
        let items: Vec<Result<DaemonMessage, String>> = messages(CACHED_BUILD)
            .into_iter()
            .take(4)
            .map(Ok)
            .chain([Err("connection reset".to_owned())])
            .collect();
        let err = render_stream(ProgressMode::Plain, items).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "the daemon's build stream broke off: connection reset"
        );
    }

    #[tokio::test]
    async fn a_refused_request_says_the_build_did_not_run() {
        let items = [Err::<DaemonMessage, _>(
            "status code 500: dockerfile parse error",
        )];
        let err = render_stream(ProgressMode::Plain, items).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "the daemon did not run the build: status code 500: dockerfile parse error"
        );
    }

    #[test]
    fn a_stream_without_an_image_id_is_an_error() {
        let (outcome, _, _) = render(ProgressMode::Plain, r#"{"stream":"Step 1/1 : FROM x\n"}"#);
        assert!(outcome
            .unwrap_err()
            .to_string()
            .contains("without reporting an image ID"));
    }

    /// A BuildKit vertex update; times in seconds since an arbitrary epoch.
    fn vertex(
        digest: &str,
        name: &str,
        started: Option<f64>,
        completed: Option<f64>,
        cached: bool,
        error: &str,
    ) -> bollard::moby::buildkit::v1::Vertex {
        let mut vertex = bollard::moby::buildkit::v1::Vertex {
            digest: digest.into(),
            name: name.into(),
            cached,
            error: error.into(),
            ..Default::default()
        };
        if let Some(at) = started {
            let time = vertex.started.get_or_insert_with(Default::default);
            time.seconds = at as i64;
            time.nanos = ((at.fract()) * 1e9) as i32;
        }
        if let Some(at) = completed {
            let time = vertex.completed.get_or_insert_with(Default::default);
            time.seconds = at as i64;
            time.nanos = ((at.fract()) * 1e9) as i32;
        }
        vertex
    }

    fn log(digest: &str, text: &str) -> bollard::moby::buildkit::v1::VertexLog {
        bollard::moby::buildkit::v1::VertexLog {
            vertex: digest.into(),
            stream: 1,
            msg: text.as_bytes().to_vec(),
            ..Default::default()
        }
    }

    fn status(
        vertexes: Vec<bollard::moby::buildkit::v1::Vertex>,
        logs: Vec<bollard::moby::buildkit::v1::VertexLog>,
    ) -> DaemonMessage {
        DaemonMessage {
            id: Some("moby.buildkit.trace".into()),
            buildkit: Some(StatusResponse {
                vertexes,
                logs,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn image_id_message() -> DaemonMessage {
        serde_json::from_str(r#"{"id":"moby.image.id","aux":{"ID":"sha256:feedface0123456789"}}"#)
            .unwrap()
    }

    /// A rebuild: every step comes from the cache.
    fn cached_buildkit() -> Vec<DaemonMessage> {
        vec![
            status(
                vec![
                    vertex(
                        "sha256:a",
                        "[1/2] FROM docker.io/library/busybox",
                        None,
                        None,
                        false,
                        "",
                    ),
                    vertex("sha256:b", "[2/2] RUN make", None, None, false, ""),
                ],
                vec![],
            ),
            status(
                vec![vertex(
                    "sha256:a",
                    "[1/2] FROM docker.io/library/busybox",
                    Some(10.0),
                    Some(10.0),
                    true,
                    "",
                )],
                vec![],
            ),
            status(
                vec![vertex(
                    "sha256:b",
                    "[2/2] RUN make",
                    Some(10.0),
                    Some(10.0),
                    true,
                    "",
                )],
                vec![],
            ),
            image_id_message(),
        ]
    }

    fn render_messages(
        mode: ProgressMode,
        messages: &[DaemonMessage],
    ) -> (anyhow::Result<Outcome>, String, String) {
        let start = Instant::now();
        let mut renderer = Renderer::new(mode, false, Vec::new(), Vec::new(), start);
        let mut now = start;
        for message in messages {
            now += Duration::from_secs(1);
            renderer.handle(message, now).unwrap();
        }
        let outcome = renderer.finish(now + Duration::from_secs(1));
        let (progress, results) = renderer.into_writers();
        (
            outcome,
            String::from_utf8(progress).unwrap(),
            String::from_utf8(results).unwrap(),
        )
    }

    #[test]
    fn buildkit_cached_steps_in_plain_and_live_views() {
        let (outcome, plain, _) = render_messages(ProgressMode::Plain, &cached_buildkit());
        let Outcome::Built(built) = outcome.unwrap() else {
            panic!("not built")
        };
        assert_eq!(built.image_id, "sha256:feedface0123456789");
        assert_eq!(
            plain,
            "#1 [1/2] FROM docker.io/library/busybox\n#1 CACHED\n\n#2 [2/2] RUN make\n#2 CACHED\n"
        );
        let (_, live, _) = render_messages(ProgressMode::Live, &cached_buildkit());
        assert_eq!(
            final_screen(&live),
            [
                "[1/2] FROM docker.io/library/busybox CACHED 0.0s",
                "[2/2] RUN make CACHED 0.0s",
                "Built feedface0123 in 5.0s (2 steps, 2 cached)",
            ]
        );
    }

    #[test]
    fn buildkit_parallel_steps_are_all_live_with_their_output() {
        let messages = [
            status(
                vec![
                    vertex(
                        "sha256:a",
                        "[base 2/2] RUN ./one",
                        Some(1.0),
                        None,
                        false,
                        "",
                    ),
                    vertex(
                        "sha256:b",
                        "[tools 2/2] RUN ./two",
                        Some(1.0),
                        None,
                        false,
                        "",
                    ),
                ],
                vec![
                    log("sha256:a", "one says hi\n"),
                    log("sha256:b", "two says "),
                ],
            ),
            status(vec![], vec![log("sha256:b", "hello\n")]),
        ];
        let start = Instant::now();
        let mut renderer = Renderer::new(ProgressMode::Live, false, Vec::new(), Vec::new(), start);
        for message in &messages {
            renderer.handle(message, start).unwrap();
        }
        let plain = render_messages(ProgressMode::Plain, &messages).1;
        let (live, _) = renderer.into_writers();
        assert_eq!(
            final_screen(&String::from_utf8(live).unwrap()),
            [
                "[base 2/2] RUN ./one 0.0s",
                "  │ one says hi",
                "[tools 2/2] RUN ./two 0.0s",
                "  │ two says hello",
            ]
        );
        assert_eq!(
            plain,
            "#1 [base 2/2] RUN ./one\n\n#2 [tools 2/2] RUN ./two\n\n\
             #1 [base 2/2] RUN ./one\n#1 0.000 one says hi\n\n\
             #2 [tools 2/2] RUN ./two\n#2 1.000 two says hello\n"
        );
    }

    #[test]
    fn buildkit_failure_names_the_vertex_step_and_its_output() {
        let error = r#"process "/bin/sh -c exit 3" did not complete successfully: exit code: 3"#;
        let messages = [
            status(
                vec![vertex(
                    "sha256:c",
                    "[stage-1 2/3] RUN echo out && exit 3",
                    Some(5.0),
                    None,
                    false,
                    "",
                )],
                vec![log("sha256:c", "out\n")],
            ),
            status(
                vec![vertex(
                    "sha256:c",
                    "[stage-1 2/3] RUN echo out && exit 3",
                    Some(5.0),
                    Some(5.5),
                    false,
                    error,
                )],
                vec![],
            ),
            from_bollard(Err(bollard::errors::Error::DockerStreamError {
                error: error.into(),
            }))
            .unwrap(),
        ];
        let (outcome, plain, _) = render_messages(ProgressMode::Plain, &messages);
        let Outcome::Failed(failure) = outcome.unwrap() else {
            panic!("not failed")
        };
        let step = failure.step.expect("the failing step");
        assert_eq!((step.number, step.total), (2, 3));
        assert_eq!(step.scope, StepScope::Stage(Some("stage-1".into())));
        assert_eq!(step.instruction, "RUN echo out && exit 3");
        assert_eq!(step.output, ["out"]);
        assert_eq!(failure.exit_code, Some(3));
        assert!(plain.ends_with(&format!("#1 ERROR: {error}\n")), "{plain}");
    }

    #[test]
    fn buildkit_rawjson_decodes_the_status() {
        let (_, progress, results) = render_messages(ProgressMode::RawJson, &cached_buildkit());
        assert_eq!(progress, "");
        let first: serde_json::Value =
            serde_json::from_str(results.lines().next().unwrap()).unwrap();
        assert_eq!(first["id"], "moby.buildkit.trace");
        assert_eq!(first["aux"]["vertexes"][1]["name"], "[2/2] RUN make");
        let last: serde_json::Value =
            serde_json::from_str(results.lines().last().unwrap()).unwrap();
        assert_eq!(last["aux"]["ID"], "sha256:feedface0123456789");
    }
}
