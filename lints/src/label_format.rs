//! Label schemas: the formats a configured label's value must have, and their checks.

use std::fmt;
use std::str::FromStr;

/// The format a label's value must have, as named in a label schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelFormat {
    /// `scheme://host...`
    Url,
    /// An RFC 3339 date and time, e.g. `2024-05-01T12:00:00Z`.
    Rfc3339,
    /// An SPDX licence expression, e.g. `MIT OR Apache-2.0`.
    Spdx,
    /// A git commit hash (abbreviated from 7 hex digits, full SHA-1, or SHA-256).
    Hash,
    /// A semantic version per semver.org, e.g. `1.2.3-rc.1+build.5`.
    Semver,
    /// An e-mail address `local@domain`.
    Email,
    /// Any non-empty text.
    Text,
}

impl LabelFormat {
    pub const ALL: [LabelFormat; 7] = [
        LabelFormat::Url,
        LabelFormat::Rfc3339,
        LabelFormat::Spdx,
        LabelFormat::Hash,
        LabelFormat::Semver,
        LabelFormat::Email,
        LabelFormat::Text,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LabelFormat::Url => "url",
            LabelFormat::Rfc3339 => "rfc3339",
            LabelFormat::Spdx => "spdx",
            LabelFormat::Hash => "hash",
            LabelFormat::Semver => "semver",
            LabelFormat::Email => "email",
            LabelFormat::Text => "text",
        }
    }

    /// What a value of this format is, for messages.
    pub fn description(self) -> &'static str {
        match self {
            LabelFormat::Url => "a URL (scheme://host/...)",
            LabelFormat::Rfc3339 => "an RFC 3339 date and time (e.g. 2024-05-01T12:00:00Z)",
            LabelFormat::Spdx => "an SPDX licence expression (e.g. MIT OR Apache-2.0)",
            LabelFormat::Hash => "a git commit hash",
            LabelFormat::Semver => "a semantic version (e.g. 1.2.3)",
            LabelFormat::Email => "an e-mail address (local@domain)",
            LabelFormat::Text => "text",
        }
    }

    /// Whether `value` has this format. Empty values are left to the empty-label rule.
    pub fn accepts(self, value: &str) -> bool {
        match self {
            LabelFormat::Url => is_url(value),
            LabelFormat::Rfc3339 => is_rfc3339(value),
            LabelFormat::Spdx => is_spdx_expression(value),
            LabelFormat::Hash => is_git_hash(value),
            LabelFormat::Semver => is_semver(value),
            LabelFormat::Email => is_email(value),
            LabelFormat::Text => true,
        }
    }
}

impl fmt::Display for LabelFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LabelFormat {
    type Err = String;

    fn from_str(name: &str) -> Result<LabelFormat, String> {
        LabelFormat::ALL
            .into_iter()
            .find(|format| format.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let names: Vec<_> = LabelFormat::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown label format `{name}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

fn is_host(host: &str) -> bool {
    if let Some(ip6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !ip6.is_empty() && ip6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// `scheme://[user@]host[:port][/path][?query][#fragment]`, without white space.
pub fn is_url(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok || value.chars().any(char::is_whitespace) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.rsplit_once(':') {
        Some((host, port)) if !host_port.ends_with(']') => {
            if !port.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            host
        }
        _ => host_port,
    };
    is_host(host)
}

fn digits(text: &str, count: usize) -> Option<u32> {
    (text.len() == count && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// `YYYY-MM-DD(T|t| )HH:MM:SS[.fraction](Z|z|±HH:MM)`, with real calendar dates.
pub fn is_rfc3339(value: &str) -> bool {
    if value.len() < 20 || !value.is_ascii() {
        return false;
    }
    let (date, rest) = value.split_at(10);
    let Some(time) = rest.strip_prefix(['T', 't', ' ']) else {
        return false;
    };
    let date_parts: Vec<&str> = date.split('-').collect();
    let [year, month, day] = date_parts[..] else {
        return false;
    };
    let (Some(year), Some(month), Some(day)) = (digits(year, 4), digits(month, 2), digits(day, 2))
    else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days_in_month || time.len() < 9 {
        return false;
    }
    let (clock, mut offset) = time.split_at(8);
    let clock_parts: Vec<&str> = clock.split(':').collect();
    let [hour, minute, second] = clock_parts[..] else {
        return false;
    };
    let (Some(hour), Some(minute), Some(second)) =
        (digits(hour, 2), digits(minute, 2), digits(second, 2))
    else {
        return false;
    };
    // Second 60 is a leap second.
    if hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    if let Some(fraction) = offset.strip_prefix('.') {
        let length = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if length == 0 {
            return false;
        }
        offset = &fraction[length..];
    }
    if offset == "Z" || offset == "z" {
        return true;
    }
    let Some(zone) = offset.strip_prefix(['+', '-']) else {
        return false;
    };
    match zone.split_once(':') {
        Some((hours, minutes)) => {
            matches!((digits(hours, 2), digits(minutes, 2)), (Some(h), Some(m)) if h <= 23 && m <= 59)
        }
        None => false,
    }
}

/// Common SPDX licence ids (matched case-insensitively, as SPDX specifies).
const SPDX_LICENSES: &[&str] = &[
    "0BSD",
    "AFL-3.0",
    "AGPL-1.0-only",
    "AGPL-1.0-or-later",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.1",
    "Apache-2.0",
    "APSL-2.0",
    "Artistic-1.0",
    "Artistic-2.0",
    "BlueOak-1.0.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-2-Clause-Patent",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSD-4-Clause",
    "BSL-1.0",
    "BUSL-1.1",
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CECILL-2.1",
    "CPL-1.0",
    "ECL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "GPL-1.0-only",
    "GPL-1.0-or-later",
    "GPL-2.0",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "ISC",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "MIT",
    "MIT-0",
    "MPL-1.1",
    "MPL-2.0",
    "MPL-2.0-no-copyleft-exception",
    "MS-PL",
    "MS-RL",
    "NCSA",
    "ODbL-1.0",
    "OFL-1.1",
    "OpenSSL",
    "OSL-3.0",
    "PostgreSQL",
    "PSF-2.0",
    "Python-2.0",
    "Ruby",
    "SSPL-1.0",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "UPL-1.0",
    "Vim",
    "W3C",
    "WTFPL",
    "X11",
    "Zlib",
    "ZPL-2.1",
];

/// Common SPDX licence exception ids (after `WITH`).
const SPDX_EXCEPTIONS: &[&str] = &[
    "Autoconf-exception-3.0",
    "Bison-exception-2.2",
    "Classpath-exception-2.0",
    "GCC-exception-3.1",
    "LLVM-exception",
    "OpenJDK-assembly-exception-1.0",
    "openvpn-openssl-exception",
    "Qt-GPL-exception-1.0",
    "Qt-LGPL-exception-1.1",
    "Swift-exception",
    "u-boot-exception-2.0",
];

fn is_id_chars(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// `LicenseRef-x` or `DocumentRef-y:LicenseRef-x`: user-defined licences.
fn is_license_ref(token: &str) -> bool {
    let local = match token.split_once(':') {
        Some((document, local)) => match document.strip_prefix("DocumentRef-") {
            Some(id) if is_id_chars(id) => local,
            _ => return false,
        },
        None => token,
    };
    local.strip_prefix("LicenseRef-").is_some_and(is_id_chars)
}

fn is_license_id(token: &str) -> bool {
    let id = token.strip_suffix('+').unwrap_or(token);
    SPDX_LICENSES
        .iter()
        .any(|known| known.eq_ignore_ascii_case(id))
        || (id.len() == token.len() && is_license_ref(token))
}

/// A recursive-descent reader of `expr := and (OR and)*`, `and := with (AND with)*`,
/// `with := simple [WITH exception]`, `simple := id[+] | LicenseRef-.. | ( expr )`.
struct SpdxParser<'a> {
    tokens: Vec<&'a str>,
    next: usize,
}

impl<'a> SpdxParser<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.tokens.get(self.next).copied()
    }

    fn take_operator(&mut self, operator: &str) -> bool {
        // SPDX operators are all upper or all lower case.
        let found = self
            .peek()
            .is_some_and(|t| t == operator || t == operator.to_ascii_lowercase());
        self.next += usize::from(found);
        found
    }

    fn expression(&mut self) -> bool {
        self.conjunction() && (!self.take_operator("OR") || self.expression())
    }

    fn conjunction(&mut self) -> bool {
        self.with_exception() && (!self.take_operator("AND") || self.conjunction())
    }

    fn with_exception(&mut self) -> bool {
        if !self.simple() {
            return false;
        }
        if !self.take_operator("WITH") {
            return true;
        }
        let exception = self.peek();
        self.next += 1;
        exception.is_some_and(|e| {
            SPDX_EXCEPTIONS.iter().any(|k| k.eq_ignore_ascii_case(e)) || is_license_ref(e)
        })
    }

    fn simple(&mut self) -> bool {
        let Some(token) = self.peek() else {
            return false;
        };
        self.next += 1;
        if token == "(" {
            return self.expression() && self.peek() == Some(")") && {
                self.next += 1;
                true
            };
        }
        is_license_id(token)
    }
}

/// An SPDX licence expression made of common licence ids, `LicenseRef-` ids, `+`, `AND`, `OR`,
/// `WITH` and parentheses.
pub fn is_spdx_expression(value: &str) -> bool {
    let spaced = value.replace('(', " ( ").replace(')', " ) ");
    let mut parser = SpdxParser {
        tokens: spaced.split_whitespace().collect(),
        next: 0,
    };
    parser.expression() && parser.next == parser.tokens.len()
}

/// 7 to 40 hex digits (an abbreviated or full SHA-1 commit id) or 64 (SHA-256).
pub fn is_git_hash(value: &str) -> bool {
    ((7..=40).contains(&value.len()) || value.len() == 64)
        && value.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_numeric_identifier(part: &str) -> bool {
    !part.is_empty()
        && part.bytes().all(|b| b.is_ascii_digit())
        && (part == "0" || !part.starts_with('0'))
}

fn is_dot_separated(text: &str, valid: impl Fn(&str) -> bool) -> bool {
    text.split('.').all(|part| {
        !part.is_empty()
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && valid(part)
    })
}

/// `MAJOR.MINOR.PATCH[-pre.release][+build.meta]` per semver.org: no leading zeros in numbers
/// (also in numeric pre-release parts), identifiers of `[0-9A-Za-z-]`.
pub fn is_semver(value: &str) -> bool {
    let (rest, build) = match value.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (value, None),
    };
    let (core, pre_release) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    numbers.len() == 3
        && numbers.iter().all(|n| is_numeric_identifier(n))
        && pre_release.is_none_or(|pre| {
            is_dot_separated(pre, |part| {
                !part.bytes().all(|b| b.is_ascii_digit()) || is_numeric_identifier(part)
            })
        })
        && build.is_none_or(|build| is_dot_separated(build, |_| true))
}

/// `local@domain`: a dot-atom local part and a domain of at least two host labels.
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b))
        });
    local_ok && domain.contains('.') && !domain.starts_with('[') && is_host(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_need_a_scheme_and_a_host() {
        for good in [
            "https://example.com",
            "https://github.com/org/repo.git",
            "http://user@host.example:8080/path?q=1#frag",
            "git+ssh://git@github.com/org/repo",
            "http://[::1]:80/",
        ] {
            assert!(is_url(good), "{good}");
        }
        for bad in [
            "example.com",
            "https://",
            "https:///path",
            "1http://example.com",
            "https://exa mple.com",
            "https://host:port/",
            "mailto:a@example.com",
        ] {
            assert!(!is_url(bad), "{bad}");
        }
    }

    #[test]
    fn rfc3339_checks_the_calendar_and_the_zone() {
        for good in [
            "2024-05-01T12:00:00Z",
            "2024-02-29T23:59:60.123+02:00",
            "1999-12-31 00:00:00-05:30",
            "2000-02-29t10:11:12z",
        ] {
            assert!(is_rfc3339(good), "{good}");
        }
        for bad in [
            "2024-05-01",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T12:00:00",
            "2024-05-01T12:00:00.Z",
            "2024-05-01T12:00:00+0200",
            "2024-5-01T12:00:00Z",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }

    #[test]
    fn spdx_expressions() {
        for good in [
            "MIT",
            "apache-2.0",
            "GPL-2.0+",
            "MIT OR Apache-2.0",
            "(MIT OR Apache-2.0) AND BSD-3-Clause",
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
            "LicenseRef-Proprietary",
            "DocumentRef-spdx:LicenseRef-MyLicense and MIT",
        ] {
            assert!(is_spdx_expression(good), "{good}");
        }
        for bad in [
            "",
            "MIT License",
            "Apache 2",
            "MIT OR",
            "(MIT",
            "MIT)",
            "MIT Or Apache-2.0",
            "MIT WITH Apache-2.0",
            "LicenseRef-",
            "LicenseRef-x+",
        ] {
            assert!(!is_spdx_expression(bad), "{bad}");
        }
    }

    #[test]
    fn git_hashes() {
        assert!(is_git_hash("3f786850e387550fdab836ed7e6dc881de23001b"));
        assert!(is_git_hash("3f78685"));
        assert!(is_git_hash(&"a".repeat(64)));
        assert!(!is_git_hash("3f7868"));
        assert!(!is_git_hash(&"a".repeat(41)));
        assert!(!is_git_hash("main"));
        assert!(!is_git_hash("3f786850e387550fdab836ed7e6dc881de23001g"));
    }

    #[test]
    fn semantic_versions() {
        for good in [
            "0.0.0",
            "1.2.3",
            "10.20.30-rc.1",
            "1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay",
            "1.0.0+0.build.1-rc.10000aaa-kk-0.1",
            "1.0.0-0A.is.legal",
        ] {
            assert!(is_semver(good), "{good}");
        }
        for bad in [
            "1.2",
            "v1.2.3",
            "01.2.3",
            "1.2.3-01",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-rc..1",
            "1.2.3.4",
            "1.2.3-rc_1",
        ] {
            assert!(!is_semver(bad), "{bad}");
        }
    }

    #[test]
    fn email_addresses() {
        for good in ["ops@example.com", "first.last+tag@mail.example.org"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "ops",
            "@example.com",
            "ops@",
            "ops@localhost",
            "a..b@example.com",
            "Jane <jane@example.com>",
            "ops@-example.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn format_names() {
        assert_eq!("SPDX".parse::<LabelFormat>(), Ok(LabelFormat::Spdx));
        assert!("date"
            .parse::<LabelFormat>()
            .unwrap_err()
            .contains("rfc3339"));
    }
}
