//! Lexical leniencies, applied to the filter text before the RFC 7644
//! §3.4.2.2 grammar (`scim_v2`'s parser) sees it. The text is cut into
//! tokens (string literals are kept whole, so nothing inside quotes is ever
//! touched) and rewritten into RFC syntax:
//! - `not(` becomes `not (`;
//! - a bare word right after `attrPath op` becomes a JSON value: `True`,
//!   `FALSE`, `Null` in any case become `true`, `false`, `null`; a JSON
//!   number stays as it is; any other word becomes a string
//!   (`externalId eq jyoung` → `externalId eq "jyoung"`);
//! - `attr[valFilter].sub op value` becomes `attr[(valFilter) and sub op value]`
//!   (and likewise with `sub pr`).
//!
//! Anything else is left for the grammar to accept or refuse.

use crate::scim::ScimError;

/// Rewrites `text` as described in the module documentation.
pub(super) fn normalize(text: &str) -> Result<String, ScimError> {
    let tokens = tokenize(text);
    let mut rewriter = Rewriter::default();
    let mut index = 0;
    while let Some(&token) = tokens.get(index) {
        index += rewriter.token(token, tokens.get(index + 1..).unwrap_or_default())?;
    }
    rewriter.finish()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Space(&'a str),
    /// A double-quoted string literal, quotes included (to the end of the
    /// text when it is not closed).
    Str(&'a str),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    /// Anything else up to whitespace, a bracket or a quote: a path, an
    /// operator, a keyword, a number, a bare value.
    Word(&'a str),
}

fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(first) = rest.chars().next() {
        let len = match first {
            '(' | ')' | '[' | ']' => 1,
            '"' => string_len(rest),
            c if c.is_whitespace() => rest
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(rest.len()),
            _ => rest
                .find(|c: char| c.is_whitespace() || "()[]\"".contains(c))
                .unwrap_or(rest.len()),
        };
        let (lexeme, tail) = rest.split_at(len);
        tokens.push(match lexeme {
            "(" => Token::Open,
            ")" => Token::Close,
            "[" => Token::OpenBracket,
            "]" => Token::CloseBracket,
            _ if first == '"' => Token::Str(lexeme),
            _ if first.is_whitespace() => Token::Space(lexeme),
            _ => Token::Word(lexeme),
        });
        rest = tail;
    }
    tokens
}

/// The byte length of the string literal `text` starts with, closing quote
/// included, honouring backslash escapes.
fn string_len(text: &str) -> usize {
    let mut escaped = false;
    for (at, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return at + 1,
            _ => {}
        }
    }
    text.len()
}

/// What the last significant (non-space) token was.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Last {
    #[default]
    Other,
    /// An attribute path (or any word that is not a keyword).
    Path,
    /// A comparison operator right after a path: a value comes next.
    Operator,
    /// `pr` right after a path.
    Present,
    /// A comparison value.
    Value,
}

/// Inside `attr[…].sub op value`, once rewritten up to `sub`: what must come
/// before the `]` can be closed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Pending {
    #[default]
    Nothing,
    Operator,
    Value,
}

#[derive(Debug, Default)]
struct Rewriter {
    out: String,
    /// For each `[` still open, where its content starts in `out`.
    brackets: Vec<usize>,
    last: Last,
    pending: Pending,
}

impl Rewriter {
    /// Rewrites `token` (seeing the tokens after it); returns how many
    /// tokens it consumed.
    fn token(&mut self, token: Token<'_>, next: &[Token<'_>]) -> Result<usize, ScimError> {
        match token {
            Token::Space(space) => self.out.push_str(space),
            Token::Str(literal) => {
                self.out.push_str(literal);
                self.significant(self.value_or(Last::Other))?;
            }
            Token::Open => self.push_other("(")?,
            Token::Close => self.push_other(")")?,
            Token::OpenBracket => {
                self.push_other("[")?;
                self.brackets.push(self.out.len());
            }
            Token::CloseBracket => return self.close_bracket(next),
            Token::Word(word) => self.word(word, next.first())?,
        }
        Ok(1)
    }

    fn finish(self) -> Result<String, ScimError> {
        match self.pending {
            Pending::Nothing => Ok(self.out),
            Pending::Operator | Pending::Value => Err(incomplete_sub_attribute()),
        }
    }

    fn value_or(&self, otherwise: Last) -> Last {
        if self.last == Last::Operator {
            Last::Value
        } else {
            otherwise
        }
    }

    fn push_other(&mut self, text: &str) -> Result<(), ScimError> {
        self.out.push_str(text);
        self.significant(Last::Other)
    }

    fn word(&mut self, word: &str, next: Option<&Token<'_>>) -> Result<(), ScimError> {
        let kind = if self.last == Last::Operator {
            self.out.push_str(&bare_value(word));
            Last::Value
        } else {
            self.out.push_str(word);
            if word.eq_ignore_ascii_case("not") && next == Some(&Token::Open) {
                self.out.push(' ');
            }
            classify(word, self.last)
        };
        self.significant(kind)
    }

    /// `]`: closes a value filter, rewriting `attr[f].sub op value` when a
    /// `.sub` follows at once.
    fn close_bracket(&mut self, next: &[Token<'_>]) -> Result<usize, ScimError> {
        match next {
            [Token::Word(word), ..] if word.starts_with('.') => {
                self.sub_attribute_after(word.trim_start_matches('.'));
                Ok(2)
            }
            [Token::Space(_), Token::Word(word), ..]
                if is_compare_operator(word) || word.eq_ignore_ascii_case("pr") =>
            {
                Err(ScimError::invalid_filter(format!(
                    "'{word}' cannot follow a value filter '[…]' directly: name the sub-attribute \
                     to compare after the brackets, e.g. emails[type eq \"work\"].value eq \"x\""
                )))
            }
            _ => {
                self.brackets.pop();
                self.push_other("]")?;
                Ok(1)
            }
        }
    }

    fn sub_attribute_after(&mut self, sub: &str) {
        match self.brackets.pop() {
            Some(start) if self.pending == Pending::Nothing => {
                self.out.insert(start, '(');
                self.out.push_str(") and ");
                self.out.push_str(sub);
                self.last = Last::Path;
                self.pending = Pending::Operator;
            }
            // A stray `]`: left as it is, for the grammar to refuse.
            _ => {
                self.out.push_str("].");
                self.out.push_str(sub);
                self.last = Last::Path;
            }
        }
    }

    /// Records a significant token and, inside a rewritten
    /// `attr[…].sub op value`, closes the bracket after the value.
    fn significant(&mut self, kind: Last) -> Result<(), ScimError> {
        self.last = kind;
        self.pending = match (self.pending, kind) {
            (Pending::Nothing, _) => Pending::Nothing,
            (Pending::Operator, Last::Operator) => Pending::Value,
            (Pending::Operator, Last::Present) | (Pending::Value, Last::Value) => {
                self.out.push(']');
                Pending::Nothing
            }
            (Pending::Operator | Pending::Value, _) => return Err(incomplete_sub_attribute()),
        };
        Ok(())
    }
}

fn classify(word: &str, last: Last) -> Last {
    let after_path = last == Last::Path;
    if after_path && is_compare_operator(word) {
        Last::Operator
    } else if after_path && word.eq_ignore_ascii_case("pr") {
        Last::Present
    } else if ["and", "or", "not"]
        .iter()
        .any(|keyword| word.eq_ignore_ascii_case(keyword))
    {
        Last::Other
    } else {
        Last::Path
    }
}

fn is_compare_operator(word: &str) -> bool {
    ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]
        .iter()
        .any(|op| word.eq_ignore_ascii_case(op))
}

/// A comparison value written without quotes, as JSON.
fn bare_value(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    if matches!(lower.as_str(), "true" | "false" | "null") {
        lower
    } else if serde_json::from_str::<serde_json::Number>(word).is_ok() {
        word.to_owned()
    } else {
        serde_json::Value::String(word.to_owned()).to_string()
    }
}

fn incomplete_sub_attribute() -> ScimError {
    ScimError::invalid_filter(
        "a value filter followed by a sub-attribute must compare it: \
         write e.g. emails[type eq \"work\"].value eq \"x\"",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(text: &str) -> String {
        normalize(text).unwrap_or_else(|e| panic!("{text:?} must normalize: {e}"))
    }

    #[test]
    fn rfc_syntax_is_left_as_it_is() {
        for text in [
            r#"userName eq "x""#,
            r#"title pr and (emails[type eq "work"] or not (active eq true))"#,
            r#"userName eq "not(\"x\") ].value eq True""#,
            "meta.lastModified gt \"2026-01-01T00:00:00Z\"\tand\tid ne null",
            "score ge -1.5e3",
        ] {
            assert_eq!(normalized(text), text);
        }
    }

    #[test]
    fn not_without_space_gets_one() {
        assert_eq!(normalized("not(title pr)"), "not (title pr)");
        assert_eq!(
            normalized("NOT(a pr) and not(b pr)"),
            "NOT (a pr) and not (b pr)"
        );
        assert_eq!(normalized("emails[not(type pr)]"), "emails[not (type pr)]");
    }

    #[test]
    fn bare_values_become_json() {
        assert_eq!(normalized("active eq True"), "active eq true");
        assert_eq!(normalized("active EQ FALSE"), "active EQ false");
        assert_eq!(normalized("title eq NULL"), "title eq null");
        assert_eq!(
            normalized("externalId eq jyoung"),
            r#"externalId eq "jyoung""#
        );
        assert_eq!(normalized("externalId eq 12345"), "externalId eq 12345");
        assert_eq!(normalized("externalId eq 007"), r#"externalId eq "007""#);
        assert_eq!(normalized(r"(userName eq a\b)"), r#"(userName eq "a\\b")"#);
        // Only in value position: `pr` and keywords stay as they are.
        assert_eq!(normalized("True pr"), "True pr");
    }

    #[test]
    fn value_path_then_sub_attribute_moves_inside() {
        assert_eq!(
            normalized(r#"emails[type eq "work"].value eq "x""#),
            r#"emails[(type eq "work") and value eq "x"]"#
        );
        assert_eq!(
            normalized(r#"emails[type eq "work" or primary eq True].value pr and id pr"#),
            r#"emails[(type eq "work" or primary eq true) and value pr] and id pr"#
        );
        assert_eq!(
            normalized(r#"emails[type eq "work"].value eq x@y.z"#),
            r#"emails[(type eq "work") and value eq "x@y.z"]"#
        );
    }

    #[test]
    fn value_path_then_sub_attribute_without_comparison_is_refused() {
        for text in [
            r#"emails[type eq "work"].value"#,
            r#"emails[type eq "work"].value and id pr"#,
            r#"emails[type eq "work"].value eq"#,
        ] {
            let error = normalize(text).unwrap_err();
            assert!(error.detail.contains("must compare it"), "{text}: {error}");
        }
        let error = normalize(r#"emails[type eq "work"] eq "x""#).unwrap_err();
        assert!(error.detail.contains("name the sub-attribute"), "{error}");
    }

    #[test]
    fn unclosed_strings_and_stray_brackets_are_left_for_the_grammar() {
        assert_eq!(normalized(r#"userName eq "abc"#), r#"userName eq "abc"#);
        assert_eq!(normalized("].value eq x"), r#"].value eq "x""#);
        assert_eq!(normalized(r#"a eq "\"#), r#"a eq "\"#);
    }
}
