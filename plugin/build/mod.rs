//! Running a build through the daemon: the request, progress rendering, failures, cancellation.
