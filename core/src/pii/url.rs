//! URL and domain finder.
//!
//! Instead of one regular expression with hundreds of top-level domains (what
//! Presidio does), the scanner jumps from `.` to `.` with `memchr`-speed
//! search, grows the host name around each dot, and keeps it if its last
//! label is a known top-level domain. Text without a `.` followed by a letter
//! costs one pass.

/// Country-code TLDs (ICANN section of the Public Suffix List).
const CC_TLDS: &str = "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb be bf bg bh bi bj bm bn bo br bs bt bv bw by bz ca cc cd cf cg ch ci cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg es et eu fi fj fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jo jp ke kg ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no nr nu nz om pa pe pf ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws yt ye zm zw";

/// Generic TLDs in common use. Brand TLDs (`.microsoft`, `.google`) are
/// left out on purpose: a bare `word.brand` in prose is far more often not a
/// host name than it is one.
const G_TLDS: &str = "com net org edu gov mil int info biz name pro mobi aero asia cat coop jobs museum tel travel xxx \
academy accountant accountants actor adult africa agency airforce apartments app archi army art associates attorney auction audio auto autos \
band bar bargains beer berlin best bet bid bike bingo bio black blog blue boston boutique build builders business buzz cab cafe cam camera camp capital \
car cards care career careers cars casa cash casino center ceo chat cheap church city claims cleaning click clinic clothing cloud club coach codes coffee \
college community company computer condos construction consulting contractors cooking cool country coupons courses credit creditcard cricket cruises \
dance data date dating deals degree delivery democrat dental dentist design dev diamonds diet digital direct directory discount doctor dog domains download \
earth eco education email energy engineer engineering enterprises equipment estate events exchange expert exposed express fail faith family fan fans farm \
fashion film finance financial fish fishing fit fitness flights florist flowers fm football forsale foundation fun fund furniture futbol fyi gallery game \
games garden gay gift gifts gives glass global gmbh gold golf graphics gratis green gripe group guide guitars guru hamburg health healthcare help hiphop \
hockey holdings holiday horse hospital host hosting house how immo immobilien inc industries ink institute insure international investments irish jetzt \
jewelry juegos kaufen kim kitchen kiwi land lat law lawyer lease legal lgbt life lighting limited limo link live llc loan loans lol london love ltd luxury \
maison management market marketing mba media memorial men menu miami moda moe money mortgage movie nagoya navy network news ngo ninja nyc observer \
one onl online ooo organic page paris partners parts party pet photo photography photos pics pictures pink pizza place plumbing plus poker porn press \
productions promo properties property pub quebec racing radio realestate realty recipes red rehab reise reisen rent rentals repair report republican \
rest restaurant review reviews rich rip rocks rodeo run sale salon sarl school schule science services sex sexy shoes shop shopping show singles site ski \
soccer social software solar solutions space sport store stream studio study style sucks supplies supply support surf surgery sydney systems tattoo tax \
taxi team tech technology tennis theater tickets tienda tips tires today tokyo tools top tours town toys trade trading training tube uno university vacations \
vegas ventures vet viajes video villas vin vip vision vlaanderen vodka vote voting voto voyage wales wang watch webcam website wedding wiki win wine work \
works world wtf xyz yoga zone";

/// Whether `label` (any case) is a known top-level domain. IDN TLDs in
/// punycode (`xn--…`) are accepted as well.
pub(crate) fn is_tld(label: &str) -> bool {
    if label.len() < 2 || label.len() > 24 {
        return false;
    }
    let lower = label.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("xn--") {
        return !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    }
    TLDS.contains(lower.as_str())
}

/// Both lists, as one set (built on first use).
static TLDS: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        CC_TLDS
            .split_ascii_whitespace()
            .chain(G_TLDS.split_ascii_whitespace())
            .collect()
    });

fn host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

fn path_byte(b: u8) -> bool {
    !(b.is_ascii_whitespace() || matches!(b, b'(' | b')' | b'<' | b'>' | b'"' | b'\''))
}

/// URLs in `text` as (start, end, score): 0.6 with a scheme, 0.5 without.
/// A URL wrapped in quotes is reported with its quotes, like Presidio's
/// quoted-URL pattern.
pub(crate) fn find(text: &str) -> Vec<(usize, usize, f32)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    let mut next_free = 0;
    while let Some(off) = memchr_dot(&b[from..]) {
        let dot = from + off;
        from = dot + 1;
        if dot < next_free || !b.get(dot + 1).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let mut s = dot;
        while s > 0 && host_byte(b[s - 1]) {
            s -= 1;
        }
        let mut e = dot + 1;
        while e < b.len() && host_byte(b[e]) {
            e += 1;
        }
        next_free = e;
        from = e.max(from);
        while s < dot && matches!(b[s], b'.' | b'-') {
            s += 1;
        }
        // The domain of an e-mail address is not a URL of its own.
        if s == dot || (s > 0 && b[s - 1] == b'@') {
            continue;
        }
        // The longest prefix of the host ending in a known TLD.
        let host = &text[s..e];
        let mut best = None;
        let mut pos = 0;
        for (i, label) in host.split('.').enumerate() {
            let end = pos + label.len();
            if i > 0
                && is_tld(label.trim_end_matches('-'))
                && label.bytes().all(|c| c.is_ascii_alphabetic() || c == b'-')
            {
                best = Some(s + end);
            }
            pos = end + 1;
        }
        let Some(mut end) = best else { continue };
        // `www.` alone is not a domain.
        let first_label = host.split('.').next().unwrap_or("");
        if first_label.eq_ignore_ascii_case("www") && host[..end - s].matches('.').count() < 2 {
            continue;
        }
        let scheme = [&b"https://"[..], &b"http://"[..]].iter().find_map(|sch| {
            let n = sch.len();
            (s >= n && b[s - n..s].eq_ignore_ascii_case(sch)).then_some(n)
        });
        let start = s - scheme.unwrap_or(0);
        if end == e && b.get(end) == Some(&b'/') {
            while end < b.len() && path_byte(b[end]) {
                end += 1;
            }
            // Leave the path's non-ASCII tail on a char boundary.
            while !text.is_char_boundary(end) {
                end -= 1;
            }
        }
        next_free = next_free.max(end);
        from = from.max(end);
        let score = if scheme.is_some() { 0.6 } else { 0.5 };
        let quoted = start > 0
            && matches!(b[start - 1], b'"' | b'\'')
            && matches!(b.get(end), Some(b'"' | b'\''));
        if quoted {
            out.push((start - 1, end + 1, score));
        } else {
            out.push((start, end, score));
        }
    }
    out
}

fn memchr_dot(h: &[u8]) -> Option<usize> {
    h.iter().position(|&c| c == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_hosts_and_urls() {
        assert_eq!(
            find("see https://example.com/a?b=1 now"),
            vec![(4, 29, 0.6)]
        );
        assert_eq!(
            find("microsoft.com google.co.il"),
            vec![(0, 13, 0.5), (14, 26, 0.5)]
        );
        assert!(find("www.microsoft").is_empty());
        assert!(find("the end. The start").is_empty());
        assert!(is_tld("COM") && is_tld("xn--p1ai") && !is_tld("microsoft"));
    }
}
