//! Just enough of a Go tokenizer to read the literals of the reference's tests.

/// A token of Go source, enough to read struct and slice literals.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Ident(String),
    Str(String),
    Punct(char),
}

pub fn tokenize(go: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = go.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '`' => tokens.push(Token::Str(
                chars.by_ref().take_while(|&c| c != '`').collect(),
            )),
            '"' => {
                let mut value = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some('n') => value.push('\n'),
                            Some('t') => value.push('\t'),
                            Some('r') => value.push('\r'),
                            Some('b') => value.push('\u{8}'),
                            Some('f') => value.push('\u{c}'),
                            Some('u') => {
                                let hex: String = chars.by_ref().take(4).collect();
                                let code = u32::from_str_radix(&hex, 16).expect("\\u escape");
                                value.push(char::from_u32(code).expect("valid \\u escape"));
                            }
                            Some(other) => value.push(other),
                            None => break,
                        },
                        c => value.push(c),
                    }
                }
                tokens.push(Token::Str(value));
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' => {
                let mut ident = c.to_string();
                while let Some(&n) = chars.peek() {
                    if !(n.is_alphanumeric() || n == '_' || n == '.') {
                        break;
                    }
                    ident.push(n);
                    chars.next();
                }
                tokens.push(Token::Ident(ident));
            }
            c if c.is_whitespace() => {}
            c => tokens.push(Token::Punct(c)),
        }
    }
    tokens
}

/// The tokens of the Go function `name`.
pub fn function_tokens(go: &str, name: &str) -> Vec<Token> {
    let start = go
        .find(&format!("func {name}("))
        .unwrap_or_else(|| panic!("{name} not found"));
    let end = go[start + 1..]
        .find("\nfunc ")
        .map_or(go.len(), |e| start + 1 + e);
    tokenize(&go[start..end])
}

/// `Field: value` pairs inside one `{ ... }` (nested braces flattened), in order.
pub fn fields(tokens: &[Token]) -> Vec<(String, Token)> {
    let mut out = Vec::new();
    for window in tokens.windows(3) {
        if let [Token::Ident(field), Token::Punct(':'), value] = window {
            out.push((field.clone(), value.clone()));
        }
    }
    out
}

/// Index just past the `}` matching the `{` at `open`.
pub fn matching_brace(tokens: &[Token], open: usize) -> usize {
    let mut depth = 0;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// The `{ ... }` groups at the top level of the composite literal opening at `open`.
pub fn elements(tokens: &[Token], open: usize) -> Vec<Option<&[Token]>> {
    let end = matching_brace(tokens, open) - 1;
    let mut out = Vec::new();
    let mut i = open + 1;
    while i < end {
        match &tokens[i] {
            Token::Ident(nil) if nil == "nil" => out.push(None),
            Token::Punct('{') => {
                let close = matching_brace(tokens, i);
                out.push(Some(&tokens[i..close]));
                i = close;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}
