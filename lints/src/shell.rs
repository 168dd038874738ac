//! Shell-word expansion and word splitting, as the reference builder's lexer does it.
