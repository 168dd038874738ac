//! The build context: sources (directory, stdin, git), `.dockerignore`, and the tar stream.
