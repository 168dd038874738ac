//! `RUN --mount=...`, `--network` and `--security`, as the builder reads them.

use crate::suggest;
use crate::syntax::{Flag, Instruction};

use super::scope::{Expanded, Scope};
use super::values::parse_bool;
use super::Problem;

const TYPES: &[&str] = &["bind", "cache", "tmpfs", "secret", "ssh"];
const SHARING: &[&str] = &["shared", "private", "locked"];
const KEYS: &[&str] = &[
    "type",
    "from",
    "source",
    "src",
    "target",
    "dst",
    "destination",
    "readonly",
    "ro",
    "readwrite",
    "rw",
    "required",
    "size",
    "id",
    "sharing",
    "mode",
    "uid",
    "gid",
    "env",
];

/// Every mistake in a RUN's flags' values.
pub(super) fn check_run(
    instruction: &Instruction,
    scope: &Scope<'_>,
    stable_frontend: bool,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for flag in &instruction.flags {
        let value = flag.value.as_deref().unwrap_or_default();
        let problem = match flag.name.as_str() {
            "mount" => mount(flag, value, scope).err(),
            "network" if !matches!(value, "default" | "none" | "host") => Some(
                Problem::new(flag.span, format!("RUN has no network mode `{value}`"))
                    .help("`--network` is `default`, `none` or `host`"),
            ),
            "security" if !matches!(value, "sandbox" | "insecure") => Some(
                Problem::new(flag.span, format!("RUN has no security mode `{value}`"))
                    .help("`--security` is `sandbox` or `insecure`"),
            ),
            "device" if stable_frontend => Some(
                Problem::new(flag.span, "RUN --device needs the labs frontend")
                    .help("add `# syntax=docker/dockerfile:1-labs` as the first line"),
            ),
            _ => None,
        };
        problems.extend(problem);
    }
    problems
}

/// One `--mount` spec: comma-separated `key=value` fields (CSV, as the builder reads them).
fn mount(flag: &Flag, value: &str, scope: &Scope<'_>) -> Result<(), Problem> {
    let fail = |message: String| Problem::new(flag.span, message);
    let fields = csv_fields(value).map_err(|e| fail(format!("cannot read the mount: {e}")))?;
    let mut kind = "bind";
    let mut has = Has::default();
    let mut target: Option<Expanded> = None;
    for field in &fields {
        let (key, raw) = match field.split_once('=') {
            Some((key, raw)) => (key.to_ascii_lowercase(), Some(raw)),
            None => (field.to_ascii_lowercase(), None),
        };
        let Some(raw) = raw else {
            match key.as_str() {
                "readonly" | "ro" | "readwrite" | "rw" => continue,
                "required" if matches!(kind, "secret" | "ssh") => continue,
                "required" => return Err(fail(format!("a {kind} mount has no `required` option"))),
                _ => {
                    return Err(fail(format!(
                        "mount option `{field}` needs a value: `key=value`"
                    )))
                }
            }
        };
        if key == "from" && raw.contains('$') {
            return Err(fail("a mount's `from` cannot use a variable".into())
                .help("name a stage instead: `FROM ${IMAGE} AS src` before, then `from=src`"));
        }
        let value = match scope.expand(raw) {
            Expanded::Value(value) => value,
            Expanded::Unknown => {
                if matches!(key.as_str(), "target" | "dst" | "destination") {
                    target = Some(Expanded::Unknown);
                }
                continue;
            }
            Expanded::Error(error) => return Err(fail(format!("cannot expand `{raw}`: {error}"))),
        };
        match key.as_str() {
            "type" => {
                let lower = value.to_ascii_lowercase();
                let Some(known) = TYPES.iter().find(|t| **t == lower) else {
                    let problem = fail(format!("unknown mount type `{value}`"));
                    return Err(match suggest::closest(&lower, TYPES.iter().copied()) {
                        Some(close) => problem.help(format!("did you mean `{close}`?")),
                        None => problem.help("mount types are bind, cache, tmpfs, secret and ssh"),
                    });
                };
                kind = known;
            }
            "from" => has.from = true,
            "source" | "src" => has.source = true,
            "target" | "dst" | "destination" => target = Some(Expanded::Value(value)),
            "readonly" | "ro" | "readwrite" | "rw" | "required" => {
                if key == "required" && !matches!(kind, "secret" | "ssh") {
                    return Err(fail(format!("a {kind} mount has no `required` option")));
                }
                if parse_bool(&value).is_none() {
                    return Err(fail(format!("`{key}` takes true or false, not `{value}`")));
                }
            }
            "size" if kind != "tmpfs" => {
                return Err(fail(format!(
                    "a {kind} mount has no `size` option (tmpfs only)"
                )))
            }
            "size" if !is_ram_size(&value) => {
                return Err(fail(format!("`size={value}` is not a size such as `64m`")))
            }
            "size" => {}
            "id" => has.id = true,
            "env" => has.env = true,
            "sharing" => {
                let lower = value.to_ascii_lowercase();
                if !SHARING.contains(&lower.as_str()) {
                    let problem = fail(format!("unknown cache sharing `{value}`"));
                    return Err(match suggest::closest(&lower, SHARING.iter().copied()) {
                        Some(close) => problem.help(format!("did you mean `{close}`?")),
                        None => problem.help("sharing is shared, private or locked"),
                    });
                }
                has.sharing = true;
            }
            "mode" if u32::from_str_radix(&value, 8).is_err() => {
                return Err(fail(format!("`mode={value}` is not an octal mode")))
            }
            "uid" | "gid" if value.parse::<u32>().is_err() => {
                return Err(fail(format!("`{key}={value}` is not a number")))
            }
            "mode" => has.file_info = Some("mode"),
            "uid" | "gid" => has.file_info = Some(if key == "uid" { "uid" } else { "gid" }),
            other => {
                let problem = fail(format!("mounts have no option `{other}`"));
                return Err(match suggest::closest(other, KEYS.iter().copied()) {
                    Some(close) => problem.help(format!("did you mean `{close}`?")),
                    None => problem,
                });
            }
        }
    }
    validate(kind, &has, target, scope).map_err(fail)
}

#[derive(Default)]
struct Has {
    from: bool,
    source: bool,
    id: bool,
    env: bool,
    sharing: bool,
    /// `mode`, `uid` or `gid`, which only cache, secret and ssh mounts take.
    file_info: Option<&'static str>,
}

fn validate(
    kind: &str,
    has: &Has,
    target: Option<Expanded>,
    scope: &Scope<'_>,
) -> Result<(), String> {
    if let Some(option) = has.file_info.filter(|_| matches!(kind, "bind" | "tmpfs")) {
        return Err(format!("a {kind} mount has no `{option}` option"));
    }
    match kind {
        "secret" if has.from => return Err("a secret mount has no `from`".into()),
        "secret" if has.sharing => return Err("a secret mount has no `sharing`".into()),
        "secret" if !has.source && target.is_none() && !has.id && !has.env => {
            return Err("a secret mount needs an `id` (or a `target`)".into())
        }
        "secret" if has.source && has.id => {
            return Err("a secret mount takes `id` or `source`, not both".into())
        }
        "ssh" if has.source => return Err("an ssh mount has no `source`".into()),
        _ => {}
    }
    if has.sharing && kind != "cache" {
        return Err(format!(
            "a {kind} mount has no `sharing` (cache mounts only)"
        ));
    }
    if matches!(kind, "secret" | "ssh") {
        return Ok(());
    }
    let target = match target {
        Some(Expanded::Value(target)) => target,
        Some(_) => return Ok(()),
        None => String::new(),
    };
    let resolved = if target.starts_with('/') {
        target.clone()
    } else {
        match &scope.working_dir {
            Some(dir) => format!("{dir}/{target}"),
            None => return Ok(()), // the base image's WORKDIR decides
        }
    };
    if resolved
        .split('/')
        .all(|part| part.is_empty() || part == ".")
    {
        return Err(if target.is_empty() {
            format!("a {kind} mount needs a `target` (where to mount it)")
        } else {
            format!("a {kind} mount cannot have `/` as its target")
        });
    }
    Ok(())
}

/// A `RUN --mount=type=secret` or `type=ssh`: what the build must give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionMount {
    pub kind: SessionMountKind,
    /// The secret's or agent's ID as BuildKit resolves it: a secret's `id` (or `source`), else
    /// its target's last component; an ssh mount's `id`, else `default`. `None` when a
    /// variable decides it.
    pub id: Option<String>,
    /// `required=true`: the step fails when the build does not give it.
    pub required: bool,
    /// The `--mount` flag.
    pub span: crate::syntax::Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionMountKind {
    Secret,
    Ssh,
}

/// The secret and ssh mounts of a RUN, in order; mounts that cannot be read are left to the
/// instruction checks (RB001).
pub fn session_mounts(instruction: &Instruction) -> Vec<SessionMount> {
    instruction
        .flags
        .iter()
        .filter(|flag| flag.name == "mount")
        .filter_map(session_mount)
        .collect()
}

fn session_mount(flag: &Flag) -> Option<SessionMount> {
    let fields = csv_fields(flag.value.as_deref()?).ok()?;
    let (mut kind, mut id, mut source, mut target) = (None, None, None, None);
    let mut required = false;
    for field in &fields {
        let (key, value) = match field.split_once('=') {
            Some((key, value)) => (key.to_ascii_lowercase(), Some(value)),
            None => (field.to_ascii_lowercase(), None),
        };
        match (key.as_str(), value) {
            ("type", Some(value)) => {
                kind = match value.to_ascii_lowercase().as_str() {
                    "secret" => Some(SessionMountKind::Secret),
                    "ssh" => Some(SessionMountKind::Ssh),
                    _ => return None,
                }
            }
            ("id", Some(value)) => id = Some(value.to_owned()),
            ("source" | "src", Some(value)) => source = Some(value.to_owned()),
            ("target" | "dst" | "destination", Some(value)) => target = Some(value.to_owned()),
            ("required", None) => required = true,
            ("required", Some(value)) => required = parse_bool(value).unwrap_or(false),
            _ => {}
        }
    }
    let kind = kind?;
    // BuildKit: a secret's `source` wins over its `id`.
    let id = source.filter(|source| !source.is_empty()).or(id);
    let id = match (kind, id) {
        (_, Some(id)) => Some(id),
        (SessionMountKind::Ssh, None) => Some("default".to_owned()),
        (SessionMountKind::Secret, None) => target.map(|target| {
            target
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned()
        }),
    };
    Some(SessionMount {
        kind,
        id: id.filter(|id| !id.is_empty() && !id.contains('$')),
        required,
        span: flag.span,
    })
}

/// `64m`, `1g`, `512k`, `1024`: a size as docker reads it (`units.RAMInBytes`).
fn is_ram_size(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let trimmed = lower.trim_end_matches('b').trim_end_matches('i');
    let number = trimmed.trim_end_matches(['k', 'm', 'g', 't', 'p']);
    trimmed.len() - number.len() <= 1 && !number.is_empty() && number.parse::<f64>().is_ok()
}

/// The fields of one CSV record, as Go's `encoding/csv` reads them.
pub fn csv_fields(value: &str) -> Result<Vec<String>, &'static str> {
    if value.is_empty() {
        return Err("it is empty");
    }
    let mut fields = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err("a quoted field has no closing quote"),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                }
            }
            if !matches!(chars.peek(), None | Some(',')) {
                return Err("text after a closing quote");
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                if c == '"' {
                    return Err("a quote inside a field that is not quoted");
                }
                field.push(c);
                chars.next();
            }
        }
        fields.push(field);
        if chars.next().is_none() {
            return Ok(fields);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_mounts_resolve_ids_as_buildkit_does() {
        let dockerfile = crate::syntax::parse(
            "FROM a\nRUN --mount=type=secret,id=a,source=b,required \\\n  --mount=type=secret,target=/root/.npmrc,required=false \\\n  --mount=type=ssh,required=true --mount=type=cache,target=/c \\\n  --mount=type=secret,id=$X true\n",
        )
        .unwrap();
        let mounts = session_mounts(&dockerfile.instructions[1]);
        let seen: Vec<_> = mounts
            .iter()
            .map(|m| (m.kind, m.id.as_deref(), m.required))
            .collect();
        assert_eq!(
            seen,
            [
                (SessionMountKind::Secret, Some("b"), true),
                (SessionMountKind::Secret, Some(".npmrc"), false),
                (SessionMountKind::Ssh, Some("default"), true),
                (SessionMountKind::Secret, None, false),
            ]
        );
    }

    #[test]
    fn csv_records() {
        assert_eq!(
            csv_fields("type=cache,target=/c").unwrap(),
            ["type=cache", "target=/c"]
        );
        assert_eq!(
            csv_fields("\"target=/a,b\",ro").unwrap(),
            ["target=/a,b", "ro"]
        );
        assert_eq!(csv_fields("a,,b").unwrap(), ["a", "", "b"]);
        assert!(csv_fields("").is_err());
        assert!(csv_fields("\"open").is_err());
        assert!(csv_fields("a\"b").is_err());
    }

    #[test]
    fn sizes() {
        for valid in ["64m", "1g", "512k", "1024", "1.5GiB", "10mb"] {
            assert!(is_ram_size(valid), "{valid}");
        }
        for invalid in ["big", "", "m", "1x"] {
            assert!(!is_ram_size(invalid), "{invalid}");
        }
    }
}
