//! The word tokenizer the name, place and address rules run over: one pass,
//! byte offsets into the text, no allocation per token.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Letters (with inner apostrophes and hyphens, and digits after the
    /// first letter: `O'Neil`, `Jean-Luc`, `21Vianet`).
    Word,
    /// Digits, possibly with up to two trailing letters (`221B`).
    Num,
    /// One punctuation or symbol character.
    Punct(char),
    /// A line break: `\n`, `\r\n`, or the two characters `\` `n` of text
    /// that was escaped once (JSON, logs).
    Break,
}

/// Letter case of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `smith`
    Lower,
    /// `Smith`, `McDonald`, `J`
    Title,
    /// `SMITH` (two letters or more)
    Upper,
    /// Anything else (`iPhone`, digits).
    Other,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Tok {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    pub shape: Shape,
    /// Whitespace (or a line break) separates this token from the previous.
    pub space_before: bool,
    /// Part of an e-mail address or URL: never a name or place by itself.
    pub glued: bool,
}

impl Tok {
    pub(crate) fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }
    pub(crate) fn is_word(&self) -> bool {
        self.kind == Kind::Word
    }
    /// A capitalised word: `Smith`, `SMITH`, `McDonald`.
    pub(crate) fn is_cap(&self) -> bool {
        self.kind == Kind::Word && matches!(self.shape, Shape::Title | Shape::Upper)
    }
    pub(crate) fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }
}

fn shape(word: &str) -> Shape {
    let mut chars = word.chars().filter(|c| c.is_alphabetic());
    let Some(first) = chars.next() else {
        return Shape::Other;
    };
    let (mut upper, mut lower) = (0usize, 0usize);
    for c in chars {
        if c.is_uppercase() {
            upper += 1;
        } else if c.is_lowercase() {
            lower += 1;
        }
    }
    if first.is_uppercase() {
        if lower == 0 && upper > 0 {
            Shape::Upper
        } else {
            // `McDonald`, `DeAndre` read as title case.
            Shape::Title
        }
    } else if first.is_lowercase() && upper == 0 {
        Shape::Lower
    } else {
        Shape::Other
    }
}

fn is_letter(c: char) -> bool {
    c.is_alphabetic() || is_mark(c)
}

/// Combining marks (`ș` written as `s` + U+0326) stay inside words.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}')
}

/// Tokenizes `text`.
pub(crate) fn tokenize(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut out: Vec<Tok> = Vec::with_capacity(text.len() / 4);
    let mut i = 0;
    let mut space = true;
    while i < text.len() {
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        let w = c.len_utf8();
        if c == '\n' || c == '\r' {
            let end = if c == '\r' && b.get(i + 1) == Some(&b'\n') {
                i + 2
            } else {
                i + 1
            };
            push(&mut out, i, end, Kind::Break, Shape::Other, true);
            space = true;
            i = end;
            continue;
        }
        if c == '\\' && matches!(b.get(i + 1), Some(b'n' | b'r' | b't')) {
            if b[i + 1] != b't' {
                push(&mut out, i, i + 2, Kind::Break, Shape::Other, true);
            }
            space = true;
            i += 2;
            continue;
        }
        if c.is_whitespace() || crate::text::is_invisible(c) {
            space = true;
            i += w;
            continue;
        }
        if is_letter(c) || c.is_ascii_digit() {
            let digit_start = c.is_ascii_digit();
            let mut j = i + w;
            let mut letters_after_digits = 0usize;
            let mut all_digits = digit_start;
            while j < text.len() {
                let Some(d) = text[j..].chars().next() else {
                    break;
                };
                if is_letter(d) || d.is_ascii_digit() {
                    if all_digits && !d.is_ascii_digit() {
                        all_digits = false;
                    }
                    if digit_start && !d.is_ascii_digit() {
                        letters_after_digits += 1;
                    }
                    j += d.len_utf8();
                    continue;
                }
                // Inner apostrophes and hyphens joined to a following letter.
                if matches!(d, '\'' | '\u{2019}' | '-') && !digit_start {
                    let k = j + d.len_utf8();
                    // A possessive `'s` stays outside the word (`Lund's`).
                    let possessive = d != '-'
                        && matches!(b.get(k), Some(b's' | b'S'))
                        && !text[k + 1..].chars().next().is_some_and(is_letter);
                    if !possessive && text[k..].chars().next().is_some_and(is_letter) {
                        j = k;
                        continue;
                    }
                }
                break;
            }
            let tok = &text[i..j];
            let (kind, sh) = if digit_start
                && (all_digits
                    || letters_after_digits <= 2
                        && tok.bytes().take_while(u8::is_ascii_digit).count()
                            + letters_after_digits
                            == tok.len())
            {
                (Kind::Num, Shape::Other)
            } else {
                (Kind::Word, shape(tok))
            };
            push(&mut out, i, j, kind, sh, space);
            space = false;
            i = j;
            continue;
        }
        push(&mut out, i, i + w, Kind::Punct(c), Shape::Other, space);
        space = false;
        i += w;
    }
    mark_glued(text, &mut out);
    out
}

fn push(
    out: &mut Vec<Tok>,
    start: usize,
    end: usize,
    kind: Kind,
    shape: Shape,
    space_before: bool,
) {
    out.push(Tok {
        start,
        end,
        kind,
        shape,
        space_before,
        glued: false,
    });
}

/// Marks the tokens of each whitespace-free run that holds an `@` or looks
/// like a URL (`://`, `www.`).
fn mark_glued(text: &str, toks: &mut [Tok]) {
    let mut i = 0;
    while i < toks.len() {
        let mut j = i + 1;
        while j < toks.len() && !toks[j].space_before {
            j += 1;
        }
        let run = &text[toks[i].start..toks[j - 1].end];
        if j - i > 1 && (run.contains('@') || run.contains("://") || run.starts_with("www.")) {
            for t in &mut toks[i..j] {
                t.glued = true;
            }
        }
        i = j;
    }
}
