//! Docker endpoint resolution, the docker CLI's way: flags, environment, contexts.
