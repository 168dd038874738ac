//! Connecting to the Docker daemon at a resolved endpoint.
