//! Integration tests: docker_cli.
