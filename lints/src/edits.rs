//! Byte-range edits on a source text: what fixes, the formatter and the language server make.

use crate::diagnostic::Edit;

/// Two edits touch the same bytes, so they cannot be applied together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    pub first: Edit,
    pub second: Edit,
}

/// Applies non-overlapping `edits` to `source` in one pass (any order; linear in the size of
/// the text and the edits). Two insertions at the same offset keep their given order. Spans
/// must lie on character boundaries of `source`.
pub fn apply(source: &str, edits: &[Edit]) -> Result<String, Overlap> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.span.start, edit.span.end));
    let mut out = String::with_capacity(source.len());
    let mut copied = 0;
    let mut previous: Option<&Edit> = None;
    for edit in sorted {
        if let Some(previous) = previous.filter(|p| p.span.end > edit.span.start) {
            return Err(Overlap {
                first: previous.clone(),
                second: edit.clone(),
            });
        }
        out.push_str(&source[copied..edit.span.start]);
        out.push_str(&edit.replacement);
        copied = edit.span.end;
        previous = Some(edit);
    }
    out.push_str(&source[copied..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Span;

    fn edit(start: usize, end: usize, replacement: &str) -> Edit {
        Edit {
            span: Span::new(start, end),
            replacement: replacement.to_string(),
        }
    }

    #[test]
    fn applies_edits_in_any_order() {
        let edits = [edit(12, 15, "CMD"), edit(0, 4, "from"), edit(5, 5, "x")];
        assert_eq!(
            apply("FROM alpine RUN", &edits).unwrap(),
            "from xalpine CMD"
        );
    }

    #[test]
    fn refuses_overlapping_edits() {
        let edits = [edit(0, 4, "a"), edit(3, 6, "b")];
        assert!(apply("abcdefg", &edits).is_err());
    }

    #[test]
    fn insertions_at_one_place_keep_their_order() {
        let edits = [edit(1, 1, "x"), edit(1, 1, "y")];
        assert_eq!(apply("ab", &edits).unwrap(), "axyb");
    }
}
