//! Following a BuildKit build: its status updates (vertexes re-sent as they are queued,
//! started and completed, with their logs and statuses) folded into per-vertex state that
//! the renderer shows and the failure report reads.

use std::collections::VecDeque;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bollard::moby::buildkit::v1::StatusResponse;
use regex::Regex;
use serde_json::{json, Value};

use crate::build::progress::{Step, StepScope};

/// How many output lines of a vertex are kept (for the live tail and a failure report).
const KEPT_OUTPUT_LINES: usize = 12;

/// One vertex (a step, or internal work like loading the context) as known so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Vertex {
    /// buildx's `#N`: the order in which vertexes started or first showed something (0
    /// while queued).
    pub number: usize,
    pub digest: String,
    pub name: String,
    pub cached: bool,
    /// When we saw it start (the live clock).
    started: Option<Instant>,
    /// How long it ran, by the daemon's clock, once completed.
    pub duration: Option<Duration>,
    daemon_started: Option<(i64, i32)>,
    pub done: bool,
    pub error: Option<String>,
    /// Its last output lines.
    pub output: VecDeque<String>,
    /// The unfinished last line of its output.
    partial: String,
    /// Progress entries (`exporting layers`, `writing image ...`) by ID, in arrival order.
    pub statuses: Vec<(String, String)>,
}

impl Vertex {
    /// The running time: the daemon's once completed, else our clock since it started.
    pub fn elapsed(&self, now: Instant) -> Duration {
        self.duration.unwrap_or_else(|| {
            self.started.map_or(Duration::ZERO, |started| {
                now.saturating_duration_since(started)
            })
        })
    }

    pub fn running(&self) -> bool {
        self.started.is_some() && !self.done
    }

    /// `[stage 2/3] INSTRUCTION` names a Dockerfile step; others are BuildKit's own work. The
    /// number is padded to the total's width (`[ 2/12]`).
    pub fn step(&self) -> Option<Step> {
        let captures = step_name().captures(&self.name)?;
        let scope = StepScope::Stage(captures.get(1).map(|stage| stage.as_str().to_owned()));
        Some(Step::finished(
            captures[2].parse().ok()?,
            captures[3].parse().ok()?,
            captures[4].to_owned(),
            scope,
            self.cached,
            self.output.clone(),
        ))
    }
}

/// What changed with an update, for the plain view (which prints changes as they come).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The vertex started (or was found in the cache); index into the vertexes.
    Started(usize),
    Cached(usize),
    /// An output line, with the time since the vertex started.
    Log(usize, Duration, String),
    /// A progress entry finished (`exporting layers`).
    StatusDone(usize, String),
    Completed(usize),
    Failed(usize),
}

/// The vertexes of one build, in first-seen order.
#[derive(Debug, Default)]
pub struct Vertexes {
    pub all: Vec<Vertex>,
    /// How many vertexes have a number.
    numbered: usize,
}

fn step_name() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        // `[stage 2/3]`, `[ 2/12]`, and with several platforms `[linux/amd64 stage 2/3]` (a
        // platform has a `/`, a stage name cannot).
        Regex::new(r"^\[(?:[^\s/]+/\S+ )?(?:(\S+) )?\s*([0-9]+)/([0-9]+)\] (.*)$")
            .expect("the vertex name pattern is a valid regex")
    })
}

fn seconds_between(from: (i64, i32), to: (i64, i32)) -> Duration {
    let nanos = (to.0 - from.0) as i128 * 1_000_000_000 + (to.1 - from.1) as i128;
    Duration::from_nanos(nanos.max(0) as u64)
}

impl Vertexes {
    /// Folds one status update in; says what changed, in order.
    pub fn apply(&mut self, status: &StatusResponse, now: Instant) -> Vec<Change> {
        let mut changes = Vec::new();
        for update in &status.vertexes {
            let index = self.index_of(&update.digest);
            let vertex = &mut self.all[index];
            if !update.name.is_empty() {
                vertex.name.clone_from(&update.name);
            }
            vertex.cached |= update.cached;
            let daemon_started = update
                .started
                .as_ref()
                .map(|time| (time.seconds, time.nanos));
            if vertex.started.is_none() && (daemon_started.is_some() || update.cached) {
                self.numbered += usize::from(vertex.number == 0);
                vertex.number = vertex.number.max(self.numbered);
                vertex.started = Some(now);
                vertex.daemon_started = daemon_started;
                changes.push(Change::Started(index));
                if vertex.cached {
                    changes.push(Change::Cached(index));
                }
            }
            if let (false, Some(completed)) = (vertex.done, &update.completed) {
                vertex.done = true;
                vertex.duration = Some(match vertex.daemon_started.or(daemon_started) {
                    Some(started) => seconds_between(started, (completed.seconds, completed.nanos)),
                    None => Duration::ZERO,
                });
                if update.error.is_empty() {
                    changes.push(Change::Completed(index));
                } else {
                    vertex.error = Some(update.error.clone());
                    changes.push(Change::Failed(index));
                }
            }
        }
        for entry in &status.statuses {
            let index = self.numbered_index_of(&entry.vertex);
            let vertex = &mut self.all[index];
            let amount = match (entry.current, entry.total) {
                (0, _) => String::new(),
                (current, 0) => format!(" {current}"),
                (current, total) => format!(" {current}/{total}"),
            };
            let text = format!("{}{amount}", entry.id);
            match vertex.statuses.iter_mut().find(|(id, _)| *id == entry.id) {
                Some((_, shown)) => *shown = text,
                None => vertex.statuses.push((entry.id.clone(), text)),
            }
            if entry.completed.is_some() {
                changes.push(Change::StatusDone(index, entry.id.clone()));
            }
        }
        for log in &status.logs {
            let index = self.numbered_index_of(&log.vertex);
            let vertex = &mut self.all[index];
            vertex.partial.push_str(&String::from_utf8_lossy(&log.msg));
            let since = vertex.elapsed(now);
            while let Some(end) = vertex.partial.find('\n') {
                let line: String = vertex.partial.drain(..=end).collect();
                // A carriage return redraws a terminal line: only its last version counts.
                let line = line.trim_end_matches(['\n', '\r']);
                let line = line.rsplit('\r').next().unwrap_or(line).to_owned();
                if vertex.output.len() == KEPT_OUTPUT_LINES {
                    vertex.output.pop_front();
                }
                vertex.output.push_back(line.clone());
                changes.push(Change::Log(index, since, line));
            }
        }
        changes
    }

    /// The failed Dockerfile step, if the failure was in one.
    pub fn failed_step(&self) -> Option<Step> {
        self.all
            .iter()
            .filter(|vertex| vertex.error.is_some())
            .find_map(Vertex::step)
    }

    /// How many Dockerfile steps ran, and how many of them came from the cache.
    pub fn step_counts(&self) -> (usize, usize) {
        let steps = self.all.iter().filter(|vertex| vertex.step().is_some());
        let cached = steps.clone().filter(|vertex| vertex.cached).count();
        (steps.count(), cached)
    }

    /// Like [`Self::index_of`], for a vertex about to show something: it gets a number.
    fn numbered_index_of(&mut self, digest: &str) -> usize {
        let index = self.index_of(digest);
        if self.all[index].number == 0 {
            self.numbered += 1;
            self.all[index].number = self.numbered;
        }
        index
    }

    fn index_of(&mut self, digest: &str) -> usize {
        if let Some(index) = self.all.iter().position(|vertex| vertex.digest == digest) {
            return index;
        }
        self.all.push(Vertex {
            number: 0,
            digest: digest.to_owned(),
            name: String::new(),
            cached: false,
            started: None,
            duration: None,
            daemon_started: None,
            done: false,
            error: None,
            output: VecDeque::new(),
            partial: String::new(),
            statuses: Vec::new(),
        });
        self.all.len() - 1
    }
}

/// A BuildKit status update as JSON (the protobuf types have no serde support), for rawjson.
pub fn status_json(status: &StatusResponse) -> Value {
    json!({
        "vertexes": status.vertexes.iter().map(|vertex| json!({
            "digest": vertex.digest,
            "inputs": vertex.inputs,
            "name": vertex.name,
            "cached": vertex.cached,
            "started": vertex.started.as_ref().map(|t| timestamp(t.seconds, t.nanos)),
            "completed": vertex.completed.as_ref().map(|t| timestamp(t.seconds, t.nanos)),
            "error": (!vertex.error.is_empty()).then_some(&vertex.error),
        })).collect::<Vec<_>>(),
        "statuses": status.statuses.iter().map(|entry| json!({
            "id": entry.id,
            "vertex": entry.vertex,
            "name": entry.name,
            "current": entry.current,
            "total": entry.total,
            "completed": entry.completed.as_ref().map(|t| timestamp(t.seconds, t.nanos)),
        })).collect::<Vec<_>>(),
        "logs": status.logs.iter().map(|log| json!({
            "vertex": log.vertex,
            "stream": log.stream,
            "data": String::from_utf8_lossy(&log.msg),
        })).collect::<Vec<_>>(),
        "warnings": status.warnings.iter().map(|warning| json!({
            "vertex": warning.vertex,
            "level": warning.level,
            "short": String::from_utf8_lossy(&warning.short),
        })).collect::<Vec<_>>(),
    })
}

/// Seconds since the epoch with nanoseconds, as a decimal number.
fn timestamp(seconds: i64, nanos: i32) -> f64 {
    seconds as f64 + f64::from(nanos) / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step_of(name: &str) -> Option<(Option<String>, String, String)> {
        let captures = step_name().captures(name)?;
        Some((
            captures.get(1).map(|stage| stage.as_str().to_owned()),
            captures[2].to_owned(),
            captures[4].to_owned(),
        ))
    }

    #[test]
    fn step_names_with_stages_padding_and_platforms() {
        let step = |stage: Option<&str>, number: &str| {
            Some((
                stage.map(str::to_owned),
                number.to_owned(),
                "RUN true".to_owned(),
            ))
        };
        assert_eq!(
            step_of("[builder 2/3] RUN true"),
            step(Some("builder"), "2")
        );
        assert_eq!(step_of("[ 2/12] RUN true"), step(None, "2"));
        assert_eq!(
            step_of("[linux/amd64 builder 2/3] RUN true"),
            step(Some("builder"), "2")
        );
        assert_eq!(step_of("[linux/arm64/v8 2/3] RUN true"), step(None, "2"));
        assert_eq!(step_of("[internal] load build definition"), None);
    }
}
