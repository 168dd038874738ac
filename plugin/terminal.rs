//! Whether output goes to a terminal, and whether it may be coloured.

/// Colours only on a terminal, and never when `NO_COLOR` is set to a non-empty value.
pub fn colors_enabled(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// The width of the terminal on stderr (where progress goes), or `COLUMNS` when stderr is no
/// terminal but the user says how wide the screen is; `None` when unknown.
pub fn stderr_width() -> Option<usize> {
    terminal_size::terminal_size_of(std::io::stderr())
        .map(|(terminal_size::Width(width), _)| usize::from(width))
        .or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())
        .filter(|&width| width > 0)
}

/// A line of a program's output as a terminal would end up showing it, for quoting it in
/// another place: escape sequences removed (colours kept when `keep_colors`), a carriage
/// return keeps what was drawn after it, other control characters (but tab) dropped.
pub fn printable_output(line: &str, keep_colors: bool) -> String {
    let line = line
        .rsplit('\r')
        .find(|part| !part.is_empty())
        .unwrap_or("");
    let mut text = String::with_capacity(line.len());
    let mut chars = line.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c != '\x1b' {
            if c == '\t' || !c.is_control() {
                text.push(c);
            }
            continue;
        }
        match chars.next() {
            // CSI: parameters and intermediates, then one final byte in @..~.
            Some((_, '[')) => {
                let mut end = None;
                for (at, c) in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        end = Some((at, c));
                        break;
                    }
                }
                if let Some((at, 'm')) = end {
                    if keep_colors {
                        text.push_str(&line[start..=at]);
                    }
                }
            }
            // OSC (titles, hyperlinks): up to BEL or ESC \.
            Some((_, ']')) => {
                while let Some((_, c)) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.next_if(|(_, c)| *c == '\\').is_some())
                    {
                        break;
                    }
                }
            }
            // Any other escape is two characters.
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_output_removes_escape_sequences() {
        let line = "\x1b[31mred\x1b[0m \x1b]0;title\x07plain\x1b[2K\r50%\r100% done\x01";
        assert_eq!(printable_output(line, false), "100% done");
        assert_eq!(
            printable_output("\x1b[1;31merror\x1b[0m: \x1b[Kbad", true),
            "\x1b[1;31merror\x1b[0m: bad"
        );
        assert_eq!(
            printable_output("\x1b[1;31merror\x1b[0m: \x1b[Kbad", false),
            "error: bad"
        );
    }
}
