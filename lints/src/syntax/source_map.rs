//! Where the bytes of a word's value stand in the source: the parser takes line continuations
//! (and the comment and blank lines after them) out of a shell-form command, so offsets in the
//! value must be mapped back for spans. Shared by the script splitter and ShellCheck's findings.

use super::{Instruction, Word};

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

    /// The value of a shell-form `word` of `instruction`: a slice of its logical line, which
    /// the parser joined from pieces of the source (taking out each line continuation and the
    /// comment and blank lines after it), so the word's stretches are the pieces from the one
    /// it starts in.
    pub fn of_word(instruction: &Instruction, word: &Word) -> SourceMap {
        let pieces = &instruction.line_pieces;
        let len = word.value.len();
        // The pieces after the one the word starts in (none: the line is not continued).
        let after = pieces.partition_point(|&(_, source)| source <= word.span.start);
        // Room for all of them at once: grown one by one, a long RUN reallocates several times.
        let mut stretches = Vec::with_capacity(1 + pieces.len() - after);
        stretches.push((0, word.span.start));
        if let Some(&(line_at, source_at)) = after.checked_sub(1).map(|at| &pieces[at]) {
            let word_at = line_at + (word.span.start - source_at);
            stretches.extend(
                pieces[after..]
                    .iter()
                    .map(|&(at, source)| (at - word_at, source))
                    .take_while(|&(at, _)| at < len),
            );
        }
        SourceMap {
            stretches,
            len,
            end: word.span.end,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte of a shell-form command, continued or not, in RUN, an ONBUILD trigger and a
    /// HEALTHCHECK, maps to the same byte of the source, in order, and the end after the last.
    #[test]
    fn every_byte_of_a_shell_form_value_maps_to_the_same_byte_of_the_source() {
        for source in [
            "FROM alpine\nRUN a \\\n  # note\n  b \\\n\n c\n",
            "# escape=`\nFROM alpine\nRUN a `\n#c\n b `  \n c\n",
            "FROM alpine\nRUN echo a\\b &&\\\n#sudo\nsudo ls c\n",
            "FROM alpine\nONBUILD   RUN a \\\n b \\\n c\n",
            "FROM alpine\nHEALTHCHECK --interval=5s CMD a \\\n   b ||\\\n c\n",
            "FROM alpine\nRUN   a b c\n",
        ] {
            let dockerfile = crate::syntax::parse(source).unwrap();
            let instruction = &dockerfile.instructions[1];
            let run = instruction.onbuild_trigger().unwrap_or(instruction);
            let word = run.shell_command().unwrap();
            let map = SourceMap::of_word(run, word);
            let offsets: Vec<usize> = (0..word.value.len()).map(|at| map.offset(at)).collect();
            let bytes: Vec<u8> = offsets.iter().map(|&o| source.as_bytes()[o]).collect();
            assert_eq!(bytes, word.value.as_bytes(), "{source:?}");
            assert!(offsets.windows(2).all(|pair| pair[0] < pair[1]));
            assert_eq!(map.offset(word.value.len()), source.rfind('c').unwrap() + 1);
        }
    }
}
