//! The reference parser's AST dump: one `(keyword ["--flag"...] "arg" ...)` line per instruction.

use super::model::{Arguments, Dockerfile, Instruction};
use std::fmt::Write;

/// The whole file in the reference's dump format, ending with a newline.
pub fn buildkit_dump(dockerfile: &Dockerfile) -> String {
    let mut out = String::with_capacity(dockerfile.source.len());
    for instruction in &dockerfile.instructions {
        out.push('(');
        dump_instruction(instruction, &mut out);
        out.push_str(")\n");
    }
    out
}

fn dump_instruction(instruction: &Instruction, out: &mut String) {
    out.push_str(&instruction.kind.as_str().to_ascii_lowercase());
    if !instruction.flags.is_empty() {
        out.push_str(" [");
        for (i, flag) in instruction.flags.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            go_quote(&flag.text(), out);
        }
        out.push(']');
    }
    dump_arguments(&instruction.args, out);
}

fn dump_arguments(args: &Arguments, out: &mut String) {
    let quoted = |value: &str, out: &mut String| {
        out.push(' ');
        go_quote(value, out);
    };
    match args {
        Arguments::None => {}
        Arguments::Exec(words) | Arguments::Words(words) => {
            for word in words {
                quoted(&word.value, out);
            }
        }
        Arguments::Shell(word) | Arguments::Text(word) => quoted(&word.value, out),
        Arguments::KeyValues(pairs) => {
            for pair in pairs {
                quoted(&pair.key.value, out);
                quoted(&pair.value.value, out);
                quoted(if pair.legacy { "" } else { "=" }, out);
            }
        }
        Arguments::Healthcheck { kind, command } => {
            quoted(&kind.value, out);
            dump_arguments(command, out);
        }
        Arguments::Onbuild(trigger) => {
            out.push_str(" (");
            dump_instruction(trigger, out);
            out.push(')');
        }
    }
}

/// Go's `strconv.Quote`: `\"`, `\\`, C escapes, `\x`/`\u`/`\U` for non-printable characters.
fn go_quote(value: &str, out: &mut String) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
}

/// Approximates Go's `unicode.IsPrint`: graphic characters and the ASCII space; not control,
/// other spaces, format characters or private use.
fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c as u32,
        0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f | 0x202a..=0x202e
        | 0x2060..=0x206f | 0xd800..=0xf8ff | 0xfeff | 0xfff9..=0xfffb | 0xfffe | 0xffff
        | 0xe0000..=0xe007f | 0xf0000..)
}
