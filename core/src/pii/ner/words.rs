//! The closed word lists the rules use: honorifics, cue phrases, street
//! types, unit designators and organization suffixes (English plus the
//! street and company forms of the main European languages).

use super::gazetteer::Hasher;
use std::sync::OnceLock;

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
                && w[..w.len() - n].chars().count() >= min_stem
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

pub(crate) static HONORIFICS: WordSet = WordSet::new(&[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "sir",
    "madam",
    "dame",
    "lord",
    "lady",
    "rev",
    "mister",
    "doctor",
    "professor",
    "herr",
    "frau",
    "mme",
    "mlle",
    "monsieur",
    "madame",
    "señor",
    "señora",
    "sr",
    "sra",
]);

/// Lower-case particles inside names (`Ludwig van Beethoven`).
pub(crate) static PARTICLES: WordSet = WordSet::new(&[
    "van", "von", "de", "der", "den", "da", "das", "do", "dos", "di", "del", "della", "la", "le",
    "du", "des", "bin", "bint", "ibn", "al", "el", "ben", "ter", "ten", "zu", "af", "y", "st",
]);

/// Cue phrases after which capitalised words are a person's name, strong
/// enough to take words no gazetteer knows (last word is adjacent to the
/// name; `:` and `?` are tokens).
pub(crate) static STRONG_PERSON_CUES: CueSet = CueSet::new(&[
    &["name", "is"],
    &["name", ":"],
    &["name", "?"],
    &["names", "are"],
    &["called"],
    &["named"],
    &["call", "me"],
    &["known", "as"],
    &["dear"],
    &["hi"],
    &["hello"],
    &["hey"],
    &["regards", ","],
    &["sincerely", ","],
    &["thanks", ","],
    &["cheers", ","],
    &["directed", "by"],
    &["written", "by"],
    &["starring"],
    &["signed", ","],
    &["signed", ":"],
    &["attn", ":"],
    &["attention", ":"],
    &["cc", ":"],
    &["from", ":"],
    &["to", ":"],
    &["contact", ":"],
    &["patient", ":"],
    &["customer", ":"],
    &["ask", "for"],
    &["speak", "to"],
    &["speak", "with"],
    &["talk", "to"],
    &["my", "kid"],
    &["my", "son"],
    &["my", "daughter"],
    &["my", "wife"],
    &["my", "husband"],
    &["my", "friend"],
    &["my", "colleague"],
    &["my", "boss"],
    &["my", "manager"],
    &["my", "brother"],
    &["my", "sister"],
    &["my", "mother"],
    &["my", "father"],
    &["my", "mom"],
    &["my", "dad"],
    &["my", "partner"],
    &["my", "uncle"],
    &["my", "aunt"],
    &["my", "cousin"],
    &["my", "grandmother"],
    &["my", "grandfather"],
    &["my", "nephew"],
    &["my", "niece"],
    &["my", "neighbor"],
    &["my", "neighbour"],
    &["my", "assistant"],
    &["my", "client"],
    &["my", "lawyer"],
    &["my", "doctor"],
    &["my", "girlfriend"],
    &["my", "boyfriend"],
    &["my", "fiancé"],
    &["my", "fiance"],
    &["colleague"],
    &["coworker"],
    &["name", "was"],
    &["first", "name"],
    &["last", "name"],
    &["surname"],
    &["passenger"],
    &["beneficiary"],
    &["tenant"],
    &["witness"],
    &["candidate"],
    &["applicant"],
    &["policyholder"],
    &["intern"],
    &["on", "behalf", "of"],
    &["congratulate"],
    &["thank"],
    &["talked", "to"],
    &["spoke", "to"],
    &["spoke", "with"],
    &["met", "with"],
    &["her", "son"],
    &["her", "daughter"],
    &["his", "son"],
    &["his", "daughter"],
    &["his", "wife"],
    &["her", "husband"],
]);

/// Weaker cues: the following word must be a known given name or surname.
pub(crate) static WEAK_PERSON_CUES: CueSet = CueSet::new(&[
    &["i", "am"],
    &["i'm"],
    &["im"],
    &["this", "is"],
    &["under"],
    &["with"],
    &["by"],
    &["for"],
    &["to"],
    &["from"],
    &["and"],
    &["call"],
    &["ask"],
    &["tell"],
    &["email"],
    &["text"],
    &["meet"],
    &["thank"],
    &["thanks"],
    &["contact"],
    &["cc"],
    &["ping"],
    &["remind"],
    &["message"],
    &["invite"],
    &["of"],
    &["is"],
]);

/// Cues after which capitalised words are a place even when no gazetteer
/// knows them.
pub(crate) static PLACE_CUES: CueSet = CueSet::new(&[
    &["flew", "to"],
    &["fly", "to"],
    &["flying", "to"],
    &["travelling", "to"],
    &["traveling", "to"],
    &["travel", "to"],
    &["trip", "to"],
    &["moved", "to"],
    &["move", "to"],
    &["moving", "to"],
    &["relocated", "to"],
    &["live", "in"],
    &["lives", "in"],
    &["lived", "in"],
    &["living", "in"],
    &["based", "in"],
    &["born", "in"],
    &["located", "in"],
    &["headquartered", "in"],
    &["originally", "from"],
    &["grew", "up", "in"],
    &["raised", "in"],
    &["moved", "here", "from"],
    &["moved", "from"],
    &["came", "here", "from"],
    &["returned", "to"],
    &["home", "city"],
    &["home", "town"],
    &["hometown"],
    &["village", "of"],
    &["staying", "in"],
    &["stayed", "in"],
    &["arrived", "at"],
    &["arrived", "in"],
    &["city", "of"],
    &["town", "of"],
    &["visit"],
    &["visiting"],
    &["visited"],
    &["serving"],
]);

/// Separate street-type words (English, French, Spanish, Italian,
/// Portuguese, German, Dutch).
pub(crate) static STREET_TYPES: WordSet = WordSet::new(&[
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "av",
    "boulevard",
    "blvd",
    "lane",
    "ln",
    "drive",
    "dr",
    "court",
    "ct",
    "place",
    "pl",
    "square",
    "sq",
    "terrace",
    "ter",
    "way",
    "crescent",
    "cres",
    "close",
    "parkway",
    "pkwy",
    "highway",
    "hwy",
    "circle",
    "cir",
    "trail",
    "trl",
    "alley",
    "row",
    "walk",
    "gardens",
    "grove",
    "mews",
    "plaza",
    "loop",
    "pike",
    "path",
    "run",
    "point",
    "ridge",
    "heights",
    "hill",
    "hills",
    "park",
    "crossing",
    "view",
    "wharf",
    "quay",
    "strasse",
    "straße",
    "str",
    "weg",
    "gasse",
    "platz",
    "allee",
    "ring",
    "damm",
    "ufer",
    "rue",
    "chemin",
    "allée",
    "impasse",
    "quai",
    "calle",
    "avenida",
    "camino",
    "paseo",
    "via",
    "viale",
    "piazza",
    "corso",
    "vicolo",
    "largo",
    "rua",
    "travessa",
    "praça",
    "estrada",
    "straat",
    "laan",
    "plein",
    "gracht",
    "ulica",
    "ul",
    "utca",
    "cesta",
    "vej",
    "gade",
    "gatan",
    "vägen",
    "veien",
    "gata",
    "katu",
    "tie",
    "odos",
    "avda",
    "gate",
    "vei",
    "veg",
    "väg",
    "gränd",
    "avd",
    "ctra",
    "carretera",
    "út",
    "körút",
    "tér",
    "rakpart",
    "fasor",
    "köz",
    "sétány",
    "trg",
    "ulice",
    "náměstí",
    "nám",
    "λεωφ",
    "λεωφόρος",
    "οδός",
    "οδ",
    "lodge",
    "stadion",
]);

/// Street types written into the street's name (`Hauptstraße`, `Ringvej`).
pub(crate) static GLUED_STREET_TYPES: SuffixSet = SuffixSet::new(&[
    "straße", "strasse", "str", "weg", "gasse", "platz", "allee", "damm", "ring", "vej", "gade",
    "gatan", "vägen", "vagen", "veien", "vegen", "gata", "katu", "tie", "straat", "laan", "plein",
    "gracht", "utca", "ulica", "cesta", "vegur", "stræti", "straeti", "braut", "stígur", "stigur",
    "gränd", "stræde", "vænget", "alle", "bakken", "polku", "kuja", "iela", "gatvė", "tänav",
]);

/// Unit designators (`Apt. 4B`, `Suite 200`).
pub(crate) static UNITS: WordSet = WordSet::new(&[
    "apt",
    "apartment",
    "suite",
    "ste",
    "unit",
    "flat",
    "floor",
    "fl",
    "room",
    "rm",
    "bldg",
    "building",
    "no",
    "dept",
    "box",
]);

/// Company-form suffixes that make a capitalised phrase an organization.
pub(crate) static ORG_SUFFIXES_STRONG: WordSet = WordSet::new(&[
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "llp",
    "lp",
    "corp",
    "corporation",
    "co",
    "company",
    "plc",
    "gmbh",
    "ag",
    "sa",
    "nv",
    "bv",
    "ab",
    "oy",
    "oyj",
    "asa",
    "spa",
    "srl",
    "sas",
    "sarl",
    "kk",
    "pty",
    "pte",
    "bhd",
    "tbk",
    "ltda",
    "se",
    "kg",
    "etf",
    "reit",
    "bancorp",
    "holdings",
    "holding",
    "group",
    "ulc",
    "lllp",
    "pllc",
    "gbr",
    "sae",
    "sab",
]);

pub(crate) static ORG_SUFFIXES_WEAK: WordSet = WordSet::new(&[
    "bank",
    "trust",
    "fund",
    "partners",
    "associates",
    "capital",
    "technologies",
    "technology",
    "systems",
    "solutions",
    "services",
    "industries",
    "international",
    "pharmaceuticals",
    "therapeutics",
    "motors",
    "airlines",
    "energy",
    "foods",
    "university",
    "college",
    "institute",
    "hospital",
    "clinic",
    "foundation",
    "association",
    "society",
    "agency",
    "enterprises",
    "ventures",
    "labs",
    "laboratories",
    "media",
    "networks",
    "software",
    "bancshares",
    "financial",
    "insurance",
    "resources",
    "properties",
    "realty",
    "brands",
    "communications",
    "entertainment",
    "logistics",
    "healthcare",
    "health",
    "pharma",
]);

/// Glued company forms (`HoldingsInc.`): a word ending with one of these
/// right after a lower-case letter.
pub(crate) const GLUED_ORG_SUFFIXES: &[&str] = &["Inc", "Ltd", "Corp", "LLC", "PLC", "Co"];

/// Cues after which capitalised words are an employer.
pub(crate) static ORG_CUES: CueSet = CueSet::new(&[
    &["work", "for"],
    &["work", "at"],
    &["works", "for"],
    &["works", "at"],
    &["worked", "for"],
    &["worked", "at"],
    &["working", "for"],
    &["working", "at"],
    &["employed", "by"],
    &["employed", "at"],
    &["employer", "is"],
    &["joined"],
    &["intern", "at"],
]);

/// Cues after which a number and capitalised words, or capitalised words
/// and a number, are a street address (`lives on Del Sauzal 2174`).
pub(crate) static ADDRESS_CUES: CueSet = CueSet::new(&[
    &["lives", "on"],
    &["live", "on"],
    &["lives", "at"],
    &["live", "at"],
    &["lived", "at"],
    &["living", "at"],
    &["located", "at"],
    &["located", "on"],
    &["is", "on"],
    &["is", "at"],
    &["address", "is"],
    &["address", ":"],
    &["address", "to"],
    &["ship", "to"],
    &["deliver", "to"],
    &["send", "it", "to"],
    &["corner", "of"],
    &["enter", "on"],
]);

/// Words before a number that make it an age (`aged 40`, `age of 40`).
pub(crate) static AGE_BEFORE: CueSet = CueSet::new(&[
    &["aged"],
    &["age"],
    &["age", ":"],
    &["age", "of"],
    &["ages"],
    &["turn"],
    &["turns"],
    &["turned"],
    &["turning"],
    &["i'm"],
    &["im"],
    &["i", "am"],
    &["he's"],
    &["she's"],
    &["is"],
]);

/// Words after a number that make it an age (`40 years old`, `40 y/o`).
pub(crate) static AGE_AFTER: CueSet = CueSet::new(&[
    &["years", "old"],
    &["year", "old"],
    &["-", "year", "-", "old"],
    &["-", "years", "-", "old"],
    &["yrs", "old"],
    &["yo"],
    &["y", "/", "o"],
    &["y", ".", "o"],
    &["years", "of", "age"],
]);

/// Words before a postcode that make it one (`zip code 10001`).
pub(crate) static ZIP_CUES: CueSet = CueSet::new(&[
    &["zip"],
    &["zip", ":"],
    &["zip", "code"],
    &["zip", "code", "is"],
    &["zip", "code", ":"],
    &["zipcode"],
    &["postcode"],
    &["postcode", ":"],
    &["postcode", "is"],
    &["postal", "code"],
    &["postal", "code", "is"],
    &["postal", "code", ":"],
    &["plz"],
    &["cap"],
]);

/// Words that never belong to a name, whatever their case (`Carry Me Back
/// To …`).
pub(crate) static FUNCTION_WORDS: WordSet = WordSet::new(&[
    "a", "an", "the", "to", "me", "my", "you", "your", "we", "our", "us", "it", "its", "is", "are",
    "was", "were", "be", "been", "of", "in", "on", "at", "for", "and", "or", "but", "not", "no",
    "yes", "so", "do", "does", "did", "have", "has", "had", "will", "would", "can", "could",
    "should", "may", "might", "must", "this", "that", "these", "those", "there", "here", "what",
    "who", "why", "how", "when", "where", "which", "he", "she", "they", "them", "his", "her",
    "their", "i", "if", "as", "by", "from", "with", "about", "into", "than", "then", "all", "any",
    "some", "one", "just", "also", "very", "up", "out", "off", "over", "back", "please", "thanks",
]);

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

/// The cues after which any-case words are taken as a name.
pub(crate) static NAME_IS: CueSet = CueSet::new(&[&["name", "is"], &["name", ":"], &["name", "?"]]);

/// Labels of forms, chats and signatures (`Desk:`, `Bot:`, `Subject:`):
/// never a speaker's name before a colon.
pub(crate) static LABELS: WordSet = WordSet::new(&[
    "account",
    "address",
    "agent",
    "answer",
    "assistant",
    "bcc",
    "bot",
    "cc",
    "cell",
    "city",
    "client",
    "company",
    "context",
    "country",
    "customer",
    "date",
    "desk",
    "dob",
    "email",
    "error",
    "example",
    "fax",
    "from",
    "home",
    "id",
    "info",
    "input",
    "link",
    "location",
    "mobile",
    "name",
    "note",
    "notes",
    "office",
    "order",
    "output",
    "phone",
    "postcode",
    "price",
    "prompt",
    "question",
    "re",
    "ref",
    "request",
    "response",
    "result",
    "source",
    "state",
    "status",
    "step",
    "subject",
    "summary",
    "system",
    "tel",
    "time",
    "tip",
    "title",
    "to",
    "total",
    "update",
    "url",
    "user",
    "warning",
    "web",
    "website",
    "when",
    "where",
    "work",
    "zip",
]);

/// Verbs and greetings that open a sentence before a name (`Call Acme
/// Inc.`, `Thanks Dana`): never the first word of an organization.
pub(crate) static SENTENCE_VERBS: WordSet = WordSet::new(&[
    "ask", "call", "cc", "check", "congrats", "contact", "dear", "email", "forward", "hello",
    "hey", "hi", "invite", "join", "meet", "message", "ping", "please", "remind", "reply", "see",
    "send", "tell", "text", "thank", "thanks", "visit", "welcome", "write",
]);

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
