//! The Dockerfile parser: directives, instructions, flags, heredocs, with byte spans.
