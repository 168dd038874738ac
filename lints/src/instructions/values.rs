//! Values the builder parses when it converts instructions: the `# check=` directive, FROM
//! platforms, HEALTHCHECK forms and durations, EXPOSE ports, STOPSIGNAL signals, VOLUME paths,
//! and the flags and sources of COPY and ADD.

use crate::reference;
use crate::syntax::{Arguments, Dockerfile, Instruction, Keyword, Word};

use super::scope::{Expanded, Scope};
use super::Problem;

/// Go's `strconv.ParseBool`, which the builder uses for boolean options.
pub(super) fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// `# check=skip=A,B;error=true;experimental=C`: the options BuildKit reads.
pub(super) fn check_directive(dockerfile: &Dockerfile) -> Option<Problem> {
    let directive = dockerfile.directive("check")?;
    for option in directive.value.split(';').map(str::trim) {
        let Some((key, value)) = option.split_once('=') else {
            return Some(
                Problem::new(
                    directive.value_span,
                    format!("`# check=` has no option `{option}`"),
                )
                .help(
                    "options are `skip=RULE,...`, `error=true|false` and `experimental=RULE,...`",
                ),
            );
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "skip" | "experimental" => {}
            "error" if parse_bool(value.trim()).is_some() => {}
            "error" => {
                return Some(Problem::new(
                    directive.value_span,
                    format!(
                        "`# check=error=` takes true or false, not `{}`",
                        value.trim()
                    ),
                ))
            }
            other => {
                return Some(
                    Problem::new(
                        directive.value_span,
                        format!("`# check=` has no option `{other}`"),
                    )
                    .help("options are `skip`, `error` and `experimental`"),
                )
            }
        }
    }
    None
}

/// `FROM --platform=...`: after expansion, `os[/arch[/variant]]` with valid components.
pub(super) fn platform(from: &Instruction, globals: &Scope<'_>) -> Option<Problem> {
    let flag = from.flag("platform")?;
    let raw = flag.value.as_deref().filter(|v| !v.is_empty())?;
    let value = match globals.expand(raw) {
        Expanded::Value(value) => value,
        Expanded::Unknown => return None,
        Expanded::Error(error) => {
            return Some(Problem::new(
                flag.span,
                format!("cannot expand `{raw}`: {error}"),
            ))
        }
    };
    if value.is_empty() {
        return Some(
            Problem::new(
                flag.span,
                format!("the platform `{raw}` expands to nothing"),
            )
            .help(
                "declare the ARG with a default before the first FROM, or pass it with --build-arg",
            ),
        );
    }
    let problem = platform_problem(&value)?;
    Some(Problem::new(
        flag.span,
        format!("invalid platform `{value}`: {problem}"),
    ))
}

/// What is wrong with a platform specifier (`linux/amd64`, `linux/arm/v7`, `windows`), as the
/// builder parses it; `None` when it is valid.
pub fn platform_problem(value: &str) -> Option<String> {
    let parts: Vec<&str> = value.split('/').collect();
    if parts.len() > 3 {
        return Some("at most three parts: os/arch/variant".into());
    }
    for (i, part) in parts.iter().enumerate() {
        // The OS may carry a version in parentheses: `windows(10.0.17763)`.
        let part = if i == 0 {
            part.split('(').next().unwrap_or(part)
        } else {
            part
        };
        let valid = !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !valid {
            return Some(format!(
                "`{part}` is not a platform component (letters, digits, `_`, `.`, `-`)"
            ));
        }
    }
    if let [single] = parts[..] {
        let single = single.to_ascii_lowercase();
        if !KNOWN_OS.contains(&single.as_str()) && !KNOWN_ARCH.contains(&single.as_str()) {
            return Some(format!(
                "`{single}` is neither an operating system nor an architecture"
            ));
        }
    }
    None
}

const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
    "macos",
];

const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "aarch64",
    "armhf",
    "armel",
    "i386",
    "i686",
    "x86_64",
    "x86-64",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// `HEALTHCHECK NONE` takes nothing; otherwise the type is CMD, with a command.
pub(super) fn healthcheck_form(
    instruction: &Instruction,
    kind: &Word,
    command: &Arguments,
) -> Option<Problem> {
    let is_empty = match command {
        Arguments::None => true,
        Arguments::Exec(words) => words.is_empty(),
        _ => false,
    };
    if kind.value.eq_ignore_ascii_case("none") {
        return (!is_empty).then(|| {
            Problem::new(instruction.args_span(), "HEALTHCHECK NONE takes no command")
                .help("`HEALTHCHECK NONE` switches off the base image's health check")
        });
    }
    if !kind.value.eq_ignore_ascii_case("cmd") {
        return Some(
            Problem::new(
                kind.span,
                format!("HEALTHCHECK has no type `{}`", kind.value),
            )
            .help("write `HEALTHCHECK [OPTIONS] CMD command` or `HEALTHCHECK NONE`"),
        );
    }
    is_empty.then(|| Problem::new(kind.span, "HEALTHCHECK CMD has no command"))
}

/// `--interval`, `--timeout`, `--start-period`, `--start-interval` (Go durations of at least
/// 1ms, or 0) and `--retries` (a non-negative integer). Not expanded: `$VAR` is an error.
pub(super) fn healthcheck_flags(instruction: &Instruction) -> Option<Problem> {
    let healthcheck = instruction.healthcheck()?;
    if healthcheck.kind.value.eq_ignore_ascii_case("none") {
        return None;
    }
    for flag in &instruction.flags {
        let Some(value) = flag.value.as_deref().filter(|v| !v.is_empty()) else {
            continue;
        };
        let problem = match flag.name.as_str() {
            "interval" | "timeout" | "start-period" | "start-interval" => {
                match go_duration_nanos(value) {
                    Err(problem) => Some(problem),
                    Ok(nanos) if nanos != 0.0 && nanos < 1e6 => {
                        Some("the shortest duration is 1ms".to_string())
                    }
                    Ok(_) => None,
                }
            }
            "retries" => match value.parse::<i32>() {
                Err(_) => Some("a whole number is needed".to_string()),
                Ok(n) if n < 0 => Some("it cannot be negative".to_string()),
                Ok(_) => None,
            },
            _ => None,
        };
        if let Some(problem) = problem {
            return Some(
                Problem::new(
                    flag.span,
                    format!("invalid `--{}={value}`: {problem}", flag.name),
                )
                .help("durations are written like `30s`, `1m30s`, `500ms` (no variables)"),
            );
        }
    }
    None
}

/// Go's `time.ParseDuration`, in nanoseconds.
fn go_duration_nanos(text: &str) -> Result<f64, String> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let sign = if text.starts_with('-') { -1.0 } else { 1.0 };
    if unsigned == "0" {
        return Ok(0.0);
    }
    if unsigned.is_empty() {
        return Err(format!("`{text}` is not a duration"));
    }
    let mut rest = unsigned;
    let mut total = 0.0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let number = &rest[..number_end];
        if number.is_empty() || number == "." {
            return Err(format!("`{text}` is not a duration"));
        }
        let value: f64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a duration"))?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_end];
        let scale = match unit {
            "" => return Err(format!("`{text}` has no unit (ns, us, ms, s, m or h)")),
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            other => return Err(format!("unknown unit `{other}` (ns, us, ms, s, m or h)")),
        };
        total += value * scale;
        rest = &rest[unit_end..];
    }
    Ok(sign * total)
}

/// EXPOSE `[ip:][host-port:]port[-port][/proto]`, after expansion.
pub(super) fn expose(instruction: &Instruction, scope: &Scope<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    for word in instruction.words() {
        let specs = match scope.expand_words(&word.value) {
            Ok(Some(specs)) => specs,
            Ok(None) => continue,
            Err(error) => {
                problems.push(Problem::new(
                    word.span,
                    format!("cannot expand `{}`: {error}", word.value),
                ));
                continue;
            }
        };
        for spec in specs {
            if let Some(problem) = port_spec_problem(&spec) {
                problems.push(
                    Problem::new(word.span, format!("invalid port `{spec}`: {problem}"))
                        .help("EXPOSE takes `port`, `port/udp` or a range `8000-8010`"),
                );
            }
        }
    }
    problems
}

fn port_spec_problem(spec: &str) -> Option<String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (ip, host_port, container) = match parts[..] {
        [port] => ("", "", port),
        [host, port] => ("", host, port),
        [ip, host, port] => (ip, host, port),
        _ => {
            let n = parts.len();
            (
                &spec[..spec.len() - parts[n - 1].len() - parts[n - 2].len() - 2],
                parts[n - 2],
                parts[n - 1],
            )
        }
    };
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
        return Some(format!("`{ip}` is not an IP address"));
    }
    let (port, proto) = container.split_once('/').unwrap_or((container, ""));
    if !matches!(
        proto.to_ascii_lowercase().as_str(),
        "" | "tcp" | "udp" | "sctp"
    ) {
        return Some(format!("unknown protocol `{proto}` (tcp, udp or sctp)"));
    }
    if port.is_empty() {
        return Some("no port".into());
    }
    // Ports above 65535 are RB516's (expose-port-range); the rest is syntax.
    if let Some(problem) = port_range_problem(port) {
        return Some(problem);
    }
    if !host_port.is_empty() {
        return port_range_problem(host_port).map(|p| format!("host port: {p}"));
    }
    None
}

fn port_range_problem(range: &str) -> Option<String> {
    let (start, end) = range.split_once('-').unwrap_or((range, range));
    let number = |s: &str| s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty();
    if !number(start) || !number(end) {
        return Some(format!("`{range}` is not a port number or range"));
    }
    let (Ok(start), Ok(end)) = (start.parse::<u64>(), end.parse::<u64>()) else {
        return None;
    };
    (start <= 65535 && end <= 65535 && end < start)
        .then(|| format!("the range `{range}` ends before it starts"))
}

/// STOPSIGNAL: a signal name (`SIGTERM`, `term`) or number (1-255), after expansion.
pub(super) fn stop_signal(instruction: &Instruction, scope: &Scope<'_>) -> Option<Problem> {
    let Arguments::Text(word) = &instruction.args else {
        return None;
    };
    let signal = match scope.expand(&word.value) {
        Expanded::Value(value) => value,
        Expanded::Unknown => return None,
        Expanded::Error(error) => {
            return Some(Problem::new(
                word.span,
                format!("cannot expand `{}`: {error}", word.value),
            ))
        }
    };
    if let Ok(number) = signal.parse::<u64>() {
        return (number == 0 || number > 255).then(|| {
            Problem::new(
                word.span,
                format!("`{signal}` is not a signal number (1-255)"),
            )
        });
    }
    let upper = signal.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    let known = SIGNALS.contains(&name)
        || name
            .strip_prefix("RTMIN+")
            .or_else(|| name.strip_prefix("RTMAX-"))
            .and_then(|n| n.parse::<u8>().ok())
            .is_some_and(|n| (1..=15).contains(&n));
    (!known).then(|| {
        Problem::new(word.span, format!("`{signal}` is not a signal"))
            .help("write a signal name such as `SIGTERM` or `SIGINT`, or its number")
    })
}

const SIGNALS: &[&str] = &[
    "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL",
    "PIPE", "POLL", "PROF", "PWR", "QUIT", "RTMAX", "RTMIN", "SEGV", "STKFLT", "STOP", "SYS",
    "TERM", "TRAP", "TSTP", "TTIN", "TTOU", "UNUSED", "URG", "USR1", "USR2", "VTALRM", "WINCH",
    "XCPU", "XFSZ",
];

/// VOLUME paths must not expand to nothing.
pub(super) fn volume(instruction: &Instruction, scope: &Scope<'_>) -> Option<Problem> {
    instruction
        .words()
        .iter()
        .find_map(|word| match scope.expand(&word.value) {
            Expanded::Value(value) if value.trim().is_empty() => Some(
                Problem::new(
                    word.span,
                    format!("VOLUME path `{}` expands to nothing", word.value),
                )
                .help("define the variable with ARG or ENV before the VOLUME"),
            ),
            Expanded::Error(error) => Some(Problem::new(
                word.span,
                format!("cannot expand `{}`: {error}", word.value),
            )),
            _ => None,
        })
}

/// COPY and ADD: `--from` (no variables, a stage or an image), `--chmod`, `--checksum`, and
/// the sources COPY cannot take (URLs, git repositories).
pub(super) fn copy(
    dockerfile: &Dockerfile,
    instruction: &Instruction,
    scope: &Scope<'_>,
    stable_frontend: bool,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let keyword = instruction.kind.as_str();
    if let Some(flag) = instruction.flag("from") {
        let value = flag.value.as_deref().unwrap_or_default();
        if has_variable(value) {
            problems.push(
                Problem::new(flag.span, format!("{keyword} --from cannot use a variable"))
                    .help("name a stage instead: `ARG SRC=...` before the first FROM, `FROM ${SRC} AS src`, then `--from=src`"),
            );
        } else if let Some(problem) = from_problem(dockerfile, value) {
            problems.push(Problem::new(flag.span, problem));
        }
    }
    if let Some(flag) = instruction.flag("chmod") {
        let value = flag.value.as_deref().unwrap_or_default();
        if let Expanded::Value(mode) = scope.expand(value) {
            if let Some(problem) = chmod_problem(&mode) {
                problems.push(
                    Problem::new(flag.span, format!("invalid `--chmod={mode}`: {problem}"))
                        .help("write an octal mode such as `755`, or a symbolic one such as `u+x`"),
                );
            }
        }
    }
    let Some((sources, _)) = instruction.sources_and_destination() else {
        return problems;
    };
    let sources: Vec<&Word> = sources
        .iter()
        .filter(|word| {
            !instruction
                .heredocs
                .iter()
                .any(|h| h.word_span == word.span)
        })
        .collect();
    if instruction.kind == Keyword::Copy {
        for source in &sources {
            let what = if is_git_source(&source.value) {
                "a git repository"
            } else if is_url(&source.value) {
                "a URL"
            } else {
                continue;
            };
            problems.push(
                Problem::new(
                    source.span,
                    format!("COPY cannot take {what} as its source"),
                )
                .help("use ADD, which downloads URLs and clones git repositories"),
            );
        }
    }
    if let Some(flag) = instruction.flag("checksum").filter(|_| stable_frontend) {
        let value = flag.value.as_deref().unwrap_or_default();
        if !value.is_empty() && !has_variable(value) {
            let problem = if let Some(digest) = digest_problem(value) {
                Some(digest)
            } else if sources.len() > 1 {
                Some("it can only verify a single source".to_string())
            } else if sources
                .first()
                .is_some_and(|s| !is_url(&s.value) && !is_git_source(&s.value))
            {
                Some(
                    "it verifies downloads: the source must be an HTTP(S) URL or a git repository"
                        .to_string(),
                )
            } else {
                None
            };
            if let Some(problem) = problem {
                problems.push(Problem::new(
                    flag.span,
                    format!("invalid `--checksum`: {problem}"),
                ));
            }
        }
    }
    problems
}

fn has_variable(value: &str) -> bool {
    value
        .as_bytes()
        .windows(2)
        .any(|w| w[0] == b'$' && (w[1] == b'{' || w[1] == b'_' || w[1].is_ascii_alphanumeric()))
}

/// `--from=` that is neither a stage, a stage index, nor a valid image reference. Stage
/// indexes out of range, later stages and near-misses of stage names are RB105's.
fn from_problem(dockerfile: &Dockerfile, value: &str) -> Option<String> {
    if value.is_empty() || dockerfile.stage_named(value).is_some() {
        return None;
    }
    if value.parse::<usize>().is_ok() {
        return None;
    }
    if value.parse::<i64>().is_ok() {
        return Some(format!(
            "`{value}` is not a stage index (stages are numbered from 0)"
        ));
    }
    reference::parse(value)
        .err()
        .map(|problem| format!("`{value}` is neither a stage nor an image: {problem}"))
}

/// Octal modes up to 07777, or symbolic modes (`u+x`, `go-w,a+r`).
fn chmod_problem(mode: &str) -> Option<String> {
    if mode.is_empty() {
        return None;
    }
    if mode.bytes().all(|b| b.is_ascii_digit()) {
        return match u32::from_str_radix(mode, 8) {
            Ok(value) if value <= 0o7777 => None,
            _ => Some("an octal mode between 0 and 7777 is needed".into()),
        };
    }
    static SYMBOLIC: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let symbolic = SYMBOLIC.get_or_init(|| {
        regex::Regex::new(r"^[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+$").expect("a valid regex")
    });
    let valid_clause = |clause: &str| symbolic.is_match(clause);
    (!mode.split(',').all(valid_clause)).then(|| "not a valid symbolic mode".into())
}

fn digest_problem(value: &str) -> Option<String> {
    let Some((algorithm, hex)) = value.split_once(':') else {
        return Some("write it as `sha256:<hex digest>`".into());
    };
    let length = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return Some(format!(
                "unsupported algorithm `{algorithm}` (sha256, sha384 or sha512)"
            ))
        }
    };
    (hex.len() != length || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| format!("a {algorithm} digest is {length} lowercase hex digits"))
}

fn is_url(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

/// What the builder clones instead of downloading: `git@`, `git://`, `ssh://` and URLs of
/// `.git` repositories (optionally with `#ref`).
fn is_git_source(source: &str) -> bool {
    if source.starts_with("git@") || source.starts_with("git://") || source.starts_with("ssh://") {
        return true;
    }
    let without_fragment = source.split('#').next().unwrap_or(source);
    is_url(source) && without_fragment.ends_with(".git")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration_nanos("0"), Ok(0.0));
        assert_eq!(go_duration_nanos("1m30s"), Ok(90e9));
        assert_eq!(go_duration_nanos("500us"), Ok(500e3));
        assert_eq!(go_duration_nanos("-5s"), Ok(-5e9));
        assert!(go_duration_nanos("30").is_err());
        assert!(go_duration_nanos("1d").is_err());
        assert!(go_duration_nanos("often").is_err());
        assert!(go_duration_nanos("$IV").is_err());
    }

    #[test]
    fn platforms() {
        for valid in [
            "linux/amd64",
            "linux/arm/v7",
            "plan9/amd64",
            "linux",
            "arm64",
            "windows(10.0.17763)/amd64",
        ] {
            assert_eq!(platform_problem(valid), None, "{valid}");
        }
        for invalid in [
            "linux/amd64/v2/extra",
            "linux/AMD_64!",
            "foo",
            "linux//amd64",
        ] {
            assert!(platform_problem(invalid).is_some(), "{invalid}");
        }
    }

    #[test]
    fn port_specs() {
        for valid in [
            "80",
            "53/udp",
            "80/TCP",
            "80/",
            "0",
            "8000-8010",
            "8080:80",
            "127.0.0.1:8080:80",
        ] {
            assert_eq!(port_spec_problem(valid), None, "{valid}");
        }
        for invalid in ["80/http", "http", "-1", "8010-8000", "999.1.1.1:8080:80"] {
            assert!(port_spec_problem(invalid).is_some(), "{invalid}");
        }
    }

    #[test]
    fn chmod_modes() {
        for valid in ["755", "0644", "7777", "u+x", "go-w,a+r", "u=rwx,g=rx"] {
            assert_eq!(chmod_problem(valid), None, "{valid}");
        }
        for invalid in ["789", "77777", "u+q", "abc"] {
            assert!(chmod_problem(invalid).is_some(), "{invalid}");
        }
    }

    #[test]
    fn digests() {
        let hex = "3b0c5e7d9a1f2e4c6b8d0a2c4e6f8a0b1c3d5e7f9a1b3c5d7e9f0a2b4c6d8e0f";
        assert_eq!(digest_problem(&format!("sha256:{hex}")), None);
        assert!(digest_problem("abc123").is_some());
        assert!(digest_problem("md5:0123456789abcdef0123456789abcdef").is_some());
        assert!(digest_problem("sha256:abc").is_some());
    }
}
