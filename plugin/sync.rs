//! Locks for the data threads share (walk findings, configuration caches, a streamed report).

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`, also after a thread panicked holding it: every user changes its data in whole
/// steps (one push, one insert, one file written), so what a panic left is consistent.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// The data of `mutex`, on the same terms as [`lock`].
pub fn into_inner<T>(mutex: Mutex<T>) -> T {
    mutex
        .into_inner()
        .unwrap_or_else(|poison| poison.into_inner())
}
