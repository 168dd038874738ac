//! Where the bytes of a word's value stand in the source: the parser takes line continuations
//! (and the comment and blank lines after them) out of a shell-form command, so offsets in the
//! value must be mapped back for spans. Shared by the script splitter and ShellCheck's findings.

use super::{Dockerfile, Word};

/// The start of each stretch of a text's bytes that stand together in the source (a stretch
/// ends where a line continuation was taken out), as (text offset, source offset), and where
/// the text's end stands: a few entries a command, looked up by binary search.
#[derive(Debug, Clone)]
pub struct SourceMap {
    stretches: Vec<(usize, usize)>,
    len: usize,
    /// The source offset of the text's end; no byte maps beyond it.
    end: usize,
}

impl SourceMap {
    /// A text that is one stretch of the source from `start` (a heredoc's body).
    pub fn contiguous(start: usize, len: usize) -> SourceMap {
        SourceMap {
            stretches: vec![(0, start)],
            len,
            end: start + len,
        }
    }

    /// The value of a shell-form `word`: the raw text without line continuations (escape,
    /// optional blanks, newline) and the comment and blank lines that follow them. Each value
    /// byte stands at its first match after the previous one's, continuations skipped (so a
    /// comment line never takes a byte of the value).
    pub fn of_word(dockerfile: &Dockerfile, word: &Word) -> SourceMap {
        let raw = dockerfile.text(word.span).as_bytes();
        let value = word.value.as_bytes();
        let mut escape = [0; 4];
        let escape = dockerfile.escape.encode_utf8(&mut escape).as_bytes();
        let mut stretches = Vec::new();
        // The source offset of the next value byte when it continues the current stretch.
        let mut next = None;
        let (mut v, mut r) = (0, 0);
        while v < value.len() {
            while r < raw.len() {
                // Most bytes are not the escape character: compared first, without a call.
                let continued = if raw[r] == escape[0] {
                    continuation_end(raw, r, escape)
                } else {
                    None
                };
                if let Some(after) = continued {
                    r = after;
                } else if raw[r] == value[v] {
                    break;
                } else {
                    r += 1; // not in the value: skip it
                }
            }
            let offset = word.span.start + r;
            if next != Some(offset) {
                stretches.push((v, offset));
            }
            if r == raw.len() {
                break; // the rest of the value maps to the end
            }
            // This byte, and those after it that are the same in both texts up to the next
            // escape character, where a continuation may start.
            let plain_end =
                memchr::memchr(escape[0], &raw[r + 1..]).map_or(raw.len(), |at| r + 1 + at);
            let same = 1 + common_prefix(&value[v + 1..], &raw[r + 1..plain_end]);
            v += same;
            r += same;
            next = Some(word.span.start + r);
        }
        SourceMap {
            stretches,
            len: value.len(),
            end: word.span.start + r,
        }
    }

    /// The source offset of the text's byte `at`, or of its end.
    pub fn offset(&self, at: usize) -> usize {
        if at >= self.len {
            return self.end;
        }
        let stretch = self.stretches.partition_point(|&(start, _)| start <= at);
        let (start, source) = self.stretches[stretch - 1];
        (source + at - start).min(self.end)
    }
}

/// When a line continuation starts at `at`: the offset after it and after the comment and blank
/// lines that follow.
fn continuation_end(raw: &[u8], at: usize, escape: &[u8]) -> Option<usize> {
    let rest = raw[at..].strip_prefix(escape)?;
    let blanks = rest
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\r'))
        .count();
    if rest.get(blanks) != Some(&b'\n') {
        return None;
    }
    let mut next = at + escape.len() + blanks + 1;
    loop {
        let line_end = memchr::memchr(b'\n', &raw[next..]).map(|i| next + i + 1);
        let line = &raw[next..line_end.unwrap_or(raw.len())];
        let content = line.trim_ascii_start();
        match line_end {
            Some(end) if content.is_empty() || content.starts_with(b"#") => next = end,
            _ => return Some(next),
        }
    }
}

/// How many bytes `a` and `b` start with in common: compared eight at a time, the first
/// difference found in the XOR of the two words, without a byte-by-byte tail at a mismatch.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let len = a.len().min(b.len());
    let mut same = 0;
    while same + 8 <= len {
        let word = |bytes: &[u8]| u64::from_le_bytes(bytes[same..same + 8].try_into().unwrap());
        let difference = word(a) ^ word(b);
        if difference != 0 {
            // Little-endian: the first byte that differs holds the lowest set bit.
            return same + (difference.trailing_zeros() / 8) as usize;
        }
        same += 8;
    }
    while same < len && a[same] == b[same] {
        same += 1;
    }
    same
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prefix_finds_the_first_difference() {
        let text = b"apt-get install -y --no-install-recommends curl git";
        for len in 0..=text.len() {
            for at in 0..len {
                let mut other = text[..len].to_vec();
                other[at] ^= 0x20;
                assert_eq!(common_prefix(&text[..len], &other), at);
                assert_eq!(common_prefix(&other, &text[..len]), at);
            }
            assert_eq!(common_prefix(&text[..len], text), len);
            assert_eq!(common_prefix(text, &text[..len]), len);
        }
    }

    #[test]
    fn every_byte_of_a_continued_value_maps_to_the_same_byte_of_the_source() {
        for source in [
            "FROM alpine\nRUN a \\\n  # note\n  b \\\n\n c\n",
            "# escape=`\nFROM alpine\nRUN a `\n#c\n b `  \n c\n",
        ] {
            let dockerfile = crate::syntax::parse(source).unwrap();
            let word = dockerfile.instructions[1].shell_command().unwrap();
            let map = SourceMap::of_word(&dockerfile, word);
            let offsets: Vec<usize> = (0..word.value.len()).map(|at| map.offset(at)).collect();
            let bytes: Vec<u8> = offsets.iter().map(|&o| source.as_bytes()[o]).collect();
            assert_eq!(bytes, word.value.as_bytes(), "{source:?}");
            assert!(offsets.windows(2).all(|pair| pair[0] < pair[1]));
            assert_eq!(map.offset(word.value.len()), source.rfind('c').unwrap() + 1);
        }
    }
}
