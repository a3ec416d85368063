//! The lookup structures the rules' closed word lists are built on: the
//! lower-cased word hash that the tokenizer and the gazetteer share, a
//! one-probe hash set of such hashes, and the word, cue-phrase and suffix
//! sets over it. The lists themselves are in `words.rs`.

use std::sync::OnceLock;

/// FNV-1a over the bytes of lower-cased characters.
#[derive(Clone, Copy)]
pub(crate) struct Hasher(u64);

impl Hasher {
    pub(crate) fn new() -> Hasher {
        Hasher(0xcbf2_9ce4_8422_2325)
    }
    pub(crate) fn byte(&mut self, b: u8) {
        self.0 ^= u64::from(b);
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
    }
    pub(crate) fn char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            self.byte(b);
        }
    }
    pub(crate) fn finish(self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

/// The hash of `w` lower-cased (the gazetteer's hash).
pub(crate) fn hash_lower(w: &str) -> u64 {
    let mut h = Hasher::new();
    if w.is_ascii() {
        w.bytes().for_each(|b| h.byte(b.to_ascii_lowercase()));
    } else {
        w.chars()
            .flat_map(char::to_lowercase)
            .for_each(|c| h.char(c));
    }
    h.finish()
}

/// A set of word hashes: open addressing at a load of at most one half, so
/// most lookups read one slot (a sorted list's binary search cost a third
/// of the name rules' time).
pub(crate) struct HashTable {
    slots: Box<[u64]>,
    bits: u32,
}

impl HashTable {
    pub(crate) fn new(hashes: impl IntoIterator<Item = u64>) -> HashTable {
        let hashes: Vec<u64> = hashes.into_iter().map(|h| h.max(1)).collect();
        let cap = (hashes.len() * 2).next_power_of_two().max(8);
        let mut t = HashTable {
            slots: vec![0; cap].into_boxed_slice(),
            bits: cap.trailing_zeros(),
        };
        let mask = cap - 1;
        for h in hashes {
            let mut i = t.home(h);
            while t.slots[i] != 0 && t.slots[i] != h {
                i = (i + 1) & mask;
            }
            t.slots[i] = h;
        }
        t
    }

    fn home(&self, h: u64) -> usize {
        (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.bits)) as usize
    }

    pub(crate) fn contains(&self, h: u64) -> bool {
        // 0 marks an empty slot; a word hashed 0 is stored as 1.
        let h = h.max(1);
        let mask = self.slots.len() - 1;
        let mut i = self.home(h);
        loop {
            match self.slots[i] {
                s if s == h => return true,
                0 => return false,
                _ => i = (i + 1) & mask,
            }
        }
    }
}

/// A closed list of lower-case words, looked up by hash.
pub(crate) struct WordSet {
    words: &'static [&'static str],
    hashes: OnceLock<HashTable>,
}

impl WordSet {
    pub(crate) const fn new(words: &'static [&'static str]) -> WordSet {
        WordSet {
            words,
            hashes: OnceLock::new(),
        }
    }

    pub(crate) fn has_hash(&self, h: u64) -> bool {
        self.hashes
            .get_or_init(|| HashTable::new(self.words.iter().map(|w| hash_lower(w))))
            .contains(h)
    }

    /// Whether `w` (any case) is in the list.
    pub(crate) fn has(&self, w: &str) -> bool {
        self.has_hash(hash_lower(w))
    }
}

/// Each cue's word hashes, and the sets of first and last word hashes.
type CueHashes = (Vec<Vec<u64>>, HashTable, HashTable);

/// Cue phrases (sequences of lower-case words and punctuation), looked up
/// by hash.
pub(crate) struct CueSet {
    cues: &'static [&'static [&'static str]],
    hashes: OnceLock<CueHashes>,
}

impl CueSet {
    pub(crate) const fn new(cues: &'static [&'static [&'static str]]) -> CueSet {
        CueSet {
            cues,
            hashes: OnceLock::new(),
        }
    }

    fn init(&self) -> &CueHashes {
        self.hashes.get_or_init(|| {
            let cues: Vec<Vec<u64>> = self
                .cues
                .iter()
                .map(|c| c.iter().map(|w| hash_lower(w)).collect())
                .collect();
            let first = HashTable::new(cues.iter().filter_map(|c| c.first().copied()));
            let last = HashTable::new(cues.iter().filter_map(|c| c.last().copied()));
            (cues, first, last)
        })
    }

    /// Each cue as the hashes of its words.
    pub(crate) fn hashed(&self) -> &[Vec<u64>] {
        &self.init().0
    }

    /// Whether some cue starts with the word hashed `h`.
    pub(crate) fn may_start(&self, h: u64) -> bool {
        self.init().1.contains(h)
    }

    /// Whether some cue ends with the word hashed `h`.
    pub(crate) fn may_end(&self, h: u64) -> bool {
        self.init().2.contains(h)
    }
}

/// A closed list of lower-case suffixes, checked by hashing the word's
/// last few bytes once per distinct suffix length instead of comparing
/// every suffix.
pub(crate) struct SuffixSet {
    suffixes: &'static [&'static str],
    table: OnceLock<(Vec<usize>, HashTable)>,
}

impl SuffixSet {
    pub(crate) const fn new(suffixes: &'static [&'static str]) -> SuffixSet {
        SuffixSet {
            suffixes,
            table: OnceLock::new(),
        }
    }

    /// Whether `w` ends with one of the suffixes (ignoring case) after at
    /// least `min_stem` characters.
    pub(crate) fn ends(&self, w: &str, min_stem: usize) -> bool {
        let (lens, table) = self.table.get_or_init(|| {
            let mut lens: Vec<usize> = self.suffixes.iter().map(|s| s.len()).collect();
            lens.sort_unstable();
            lens.dedup();
            (
                lens,
                HashTable::new(self.suffixes.iter().map(|s| hash_lower(s))),
            )
        });
        lens.iter().any(|&n| {
            w.len() >= n + min_stem
                && w.is_char_boundary(w.len() - n)
                && table.contains(hash_lower(&w[w.len() - n..]))
                // The hash matched: confirm it (and the stem) by comparing.
                && self
                    .suffixes
                    .iter()
                    .any(|s| s.len() == n && ends_with_lower(w, s, min_stem))
        })
    }
}

/// `w` ends with the lower-case `suffix`, ignoring case, and has at least
/// `min_stem` characters before it.
pub(crate) fn ends_with_lower(w: &str, suffix: &str, min_stem: usize) -> bool {
    if w.len() < suffix.len() + min_stem {
        return false;
    }
    w.get(w.len() - suffix.len()..)
        .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
        && w[..w.len() - suffix.len()].chars().count() >= min_stem
}

/// Folds the common Latin diacritics to ASCII (`Jörg` → `jorg`), for
/// lookups in lists that are written without them. `None` when the word is
/// ASCII already or holds a letter this table does not fold.
pub(crate) fn fold_ascii(w: &str, out: &mut String) -> bool {
    out.clear();
    if w.is_ascii() {
        return false;
    }
    for c in w.chars() {
        let f = match c.to_lowercase().next().unwrap_or(c) {
            c if c.is_ascii() => c,
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
            'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => 'c',
            'ď' | 'đ' | 'ð' => 'd',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
            'ğ' | 'ĝ' | 'ġ' | 'ģ' => 'g',
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
            'ķ' => 'k',
            'ĺ' | 'ļ' | 'ľ' | 'ł' => 'l',
            'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
            'ŕ' | 'ř' => 'r',
            'ś' | 'ş' | 'š' | 'ș' => 's',
            'ţ' | 'ť' | 'ț' => 't',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
            'ý' | 'ÿ' => 'y',
            'ź' | 'ż' | 'ž' => 'z',
            _ => return false,
        };
        out.push(f);
    }
    true
}

#[cfg(test)]
mod table_tests {
    use super::HashTable;

    #[test]
    fn hash_table_holds_exactly_its_members() {
        for n in [0usize, 1, 7, 8, 9, 100, 1000] {
            let members: Vec<u64> = (0..n as u64)
                .map(|i| i.wrapping_mul(0x2545_F491_4F6C_DD1D))
                .collect();
            let t = HashTable::new(members.iter().copied().chain(members.iter().copied()));
            for &m in &members {
                assert!(t.contains(m), "{n}: {m}");
            }
            for i in 0..2000u64 {
                let other = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1 << 63;
                assert_eq!(t.contains(other), members.contains(&other), "{n}: {other}");
            }
        }
        // 0 is a word hash like any other.
        assert!(HashTable::new([0]).contains(0));
    }
}
