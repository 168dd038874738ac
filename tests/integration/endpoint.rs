//! Integration tests: endpoint.
