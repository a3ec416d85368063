//! Masking a token stream.
//!
//! [`StreamMasker::push`] buffers text and releases the masked form of
//! everything up to a *safe cut*: a space between two words at least
//! `hold_back` bytes before the end of what has arrived, not inside any
//! finding. Entities shorter than `hold_back` are therefore always seen whole
//! before any of their text is released, and detection near the cut sees the
//! same text on both sides as a one-shot pass would. The text before the cut
//! is kept (unreleased) as left context for the next round, so word
//! boundaries and context words work across cuts.
//!
//! Bounds: normally at most `2 × hold_back` bytes are held back; a text
//! without spaces between words (a long token, a key) is held until
//! [`MAX_HOLD`] bytes, then cut at the hold-back point, still outside any
//! finding the detector sees.

use super::operators::Masker;
use super::vault::Vault;
use crate::error::Result;

/// The most a stream ever holds back, in bytes.
pub const MAX_HOLD: usize = 64 * 1024;

/// Bytes of released input kept as left context.
const CONTEXT: usize = 128;

/// Streaming masker; see the module documentation.
#[derive(Debug)]
pub struct StreamMasker {
    masker: Masker,
    vault: Vault,
    reversible: bool,
    /// Who owns `encrypt` tokens written by this stream.
    owner: Option<crate::vocab::Context>,
    hold_back: usize,
    /// Released input kept as context (never released again).
    ctx: String,
    /// Input not released yet.
    buf: String,
}

impl StreamMasker {
    /// A stream masking with `masker`; placeholders are numbered in `vault`
    /// (and kept there if `reversible`). `hold_back` is clamped to 32–8192.
    pub fn new(masker: Masker, vault: Vault, reversible: bool, hold_back: usize) -> Self {
        StreamMasker {
            masker,
            vault,
            reversible,
            owner: None,
            hold_back: hold_back.clamp(32, 8192),
            ctx: String::new(),
            buf: String::new(),
        }
    }

    /// Binds the `encrypt` tokens this stream writes to `ctx`'s owner.
    pub fn for_context(mut self, ctx: crate::vocab::Context) -> Self {
        self.owner = Some(ctx);
        self
    }

    /// Bytes currently held back.
    pub fn held(&self) -> usize {
        self.buf.len()
    }

    /// The vault (placeholders numbered so far).
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// Adds `chunk`; returns the masked text that is safe to release now
    /// (possibly empty).
    pub fn push(&mut self, chunk: &str) -> Result<String> {
        self.buf.push_str(chunk);
        let h = self.hold_back;
        if self.buf.len() < 2 * h && self.buf.len() < MAX_HOLD {
            return Ok(String::new());
        }
        let target = floor_boundary(&self.buf, self.buf.len() - h);
        let lo = self.buf.len().saturating_sub(2 * h);
        let cut = safe_cut(&self.buf, lo, target);
        let cut = match cut {
            Some(c) => c,
            None if self.buf.len() >= MAX_HOLD => target,
            None => return Ok(String::new()),
        };
        self.release(cut)
    }

    /// Releases everything still held, masked, and resets the stream for
    /// reuse (the vault is kept).
    pub fn finish(&mut self) -> Result<String> {
        let n = self.buf.len();
        let out = self.release(n)?;
        self.ctx.clear();
        Ok(out)
    }

    /// The vault, after the stream is done.
    pub fn into_vault(self) -> Vault {
        self.vault
    }

    /// Masks and releases `buf[..cut]` (moved back to the start of any
    /// finding it would split).
    fn release(&mut self, mut cut: usize) -> Result<String> {
        let joined = format!("{}{}", self.ctx, self.buf);
        let off = self.ctx.len();
        let findings = self.masker.detector().detect_with(
            &joined,
            &super::DetectOptions::default().merge_overlaps(true),
        )?;
        let at_end = cut == self.buf.len();
        if !at_end {
            for f in &findings {
                if f.start < off + cut && off + cut < f.end && f.start >= off {
                    cut = f.start - off;
                }
            }
            if cut == 0 {
                return Ok(String::new());
            }
        }
        let mut mine: Vec<_> = findings
            .into_iter()
            .filter(|f| f.start >= off && f.end <= off + cut)
            .collect();
        for f in &mut mine {
            f.start -= off;
            f.end -= off;
        }
        let head = &self.buf[..cut];
        super::fill_char_offsets(head, &mut mine);
        let masked = self.masker.apply(
            head,
            mine,
            &mut self.vault,
            self.reversible,
            self.owner.as_ref(),
        )?;
        // Keep the released input's tail as context.
        let mut ctx = format!("{}{}", self.ctx, head);
        if ctx.len() > CONTEXT {
            let from = ceil_boundary(&ctx, ctx.len() - CONTEXT);
            ctx.drain(..from);
        }
        self.ctx = ctx;
        self.buf.drain(..cut);
        Ok(masked.text)
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The last position in `lo..=hi` that is a space or newline between a
/// non-digit and a letter: no entity Vallum knows spans such a gap.
fn safe_cut(s: &str, lo: usize, hi: usize) -> Option<usize> {
    let b = s.as_bytes();
    (lo.max(1)..=hi.min(b.len().saturating_sub(2)))
        .rev()
        .find(|&i| {
            matches!(b[i], b' ' | b'\n' | b'\t')
                && b[i - 1].is_ascii_alphabetic()
                && b[i + 1].is_ascii_alphabetic()
        })
}
