//! Integration tests: context.
