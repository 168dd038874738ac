//! Whether output goes to a terminal, and whether it may be coloured.

/// Colours only on a terminal, and never when `NO_COLOR` is set to a non-empty value.
pub fn colors_enabled(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}
