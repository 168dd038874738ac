//! The text between two parts of an instruction: white space, line continuations, and the
//! comment and empty lines the parser skips inside a continued instruction.

/// What a gap holds, as far as the layout cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Gap<'a> {
    /// The gap crosses a line continuation.
    pub breaks: bool,
    /// Its characters other than white space and continuations (`[`, `,`, `]` in exec form).
    pub core: String,
    /// The comment lines inside, trimmed, in order.
    pub comments: Vec<&'a str>,
    /// How much white space the gap puts into the logical line: 0 means the parts on both
    /// sides are glued into one word.
    pub logical_blanks: usize,
    /// The indentation of the line the gap ends on, in columns (a tab counts `tab_width`).
    pub indentation: usize,
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The part of a content line before its continuation escape, or `None` when the line does
/// not continue (as the parser decides: an escaped escape at the end is a literal).
fn before_continuation(line: &str, escape: char) -> Option<&str> {
    let before = line.trim_end_matches(is_blank).strip_suffix(escape)?;
    (!before.ends_with(escape)).then_some(before)
}

/// Reads a gap; `None` when it holds anything else (then it is left as it is).
pub(super) fn parse(text: &str, escape: char, tab_width: usize) -> Option<Gap<'_>> {
    let mut gap = Gap {
        breaks: false,
        core: String::new(),
        comments: Vec::new(),
        logical_blanks: 0,
        indentation: 0,
    };
    let take = |part: &str, gap: &mut Gap| {
        for c in part.chars() {
            if is_blank(c) {
                gap.logical_blanks += 1;
            } else {
                gap.core.push(c);
            }
        }
    };
    let mut lines = text.split('\n').peekable();
    let first = lines.next()?;
    if lines.peek().is_none() {
        take(first, &mut gap);
        return Some(gap);
    }
    gap.breaks = true;
    take(
        before_continuation(first.trim_end_matches('\r'), escape)?,
        &mut gap,
    );
    while let Some(line) = lines.next() {
        if lines.peek().is_none() {
            // The start of the line the next part is on.
            let indentation = &line[..line.len() - line.trim_start_matches(is_blank).len()];
            gap.indentation = indentation
                .chars()
                .map(|c| if c == '\t' { tab_width } else { 1 })
                .sum();
            take(line, &mut gap);
            break;
        }
        let line = line.trim_end_matches('\r');
        let content = line.trim_start();
        if content.is_empty() {
            continue;
        }
        if content.starts_with('#') {
            gap.comments.push(content.trim_end_matches(is_blank));
            continue;
        }
        take(before_continuation(line, escape)?, &mut gap);
    }
    Some(gap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_continuations_comments_and_empty_lines() {
        let gap = parse(" , \\  \n\n  # note \n   \\\n\t  ", '\\', 4).unwrap();
        assert!(gap.breaks);
        assert_eq!(gap.core, ",");
        assert_eq!(gap.comments, ["# note"]);
        assert_eq!(gap.logical_blanks, 2 + 3 + 3);
        assert_eq!(gap.indentation, 6);
    }

    #[test]
    fn refuses_what_is_not_a_gap() {
        assert_eq!(parse(" x \\\n  ", '\\', 4).unwrap().core, "x");
        // An escaped escape ends the line: this cannot be inside one instruction.
        assert!(parse(" \\\\\n  ", '\\', 4).is_none());
        assert!(parse(" \\\n  y\n  ", '\\', 4).is_none());
        assert_eq!(parse(" `\n  ", '`', 4).unwrap().logical_blanks, 3);
    }
}
