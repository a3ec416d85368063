use super::*;

fn spans(text: &str) -> Vec<(&'static str, String)> {
    let g = Gazetteer::english();
    let mut out: Vec<_> = find(text, g.as_deref())
        .into_iter()
        .filter(|s| s.score >= 0.4)
        .map(|s| (s.kind.entity(), text[s.start..s.end].to_owned()))
        .collect();
    out.sort();
    out
}

fn has(text: &str, entity: &str, value: &str) -> bool {
    spans(text).iter().any(|(e, v)| *e == entity && v == value)
}

fn none_of(text: &str, entity: &str) -> bool {
    spans(text).iter().all(|(e, _)| *e != entity)
}

#[test]
fn people() {
    assert!(has(
        "The HR partner is Dana Scott, based in Chicago.",
        "PERSON",
        "Dana Scott"
    ));
    assert!(has(
        "Hello, this is Mr. Tenchi Kouno. Who are you?",
        "PERSON",
        "Tenchi Kouno"
    ));
    assert!(has(
        "Hello, this is Mr. Tenchi Kouno. Who are you?",
        "TITLE",
        "Mr."
    ));
    assert!(has(
        "Dear Okonkwo, thanks for the files.",
        "PERSON",
        "Okonkwo"
    ));
    assert!(has(
        "My name is Zbigniew Brzezinski-Nowak",
        "PERSON",
        "Zbigniew Brzezinski-Nowak"
    ));
    assert!(has("Name: Angus S Hardacre", "PERSON", "Angus S Hardacre"));
    assert!(has(
        "call john tomorrow about the invoice",
        "PERSON",
        "john"
    ));
    assert!(has(
        "Best regards,\nMaria Gonzalez",
        "PERSON",
        "Maria Gonzalez"
    ));
    assert!(has(
        "We heard from Hassan Lund's lawyer",
        "PERSON",
        "Hassan Lund"
    ));
    // Diacritics fold for the ASCII census lists.
    assert!(has("Éva is very reliable.", "PERSON", "Éva"));
}

#[test]
fn people_the_lists_do_not_know() {
    // First name, initial, last name: a name whatever the words.
    for (text, name) in [
        (
            "Follow up with Tihomila Z. Crnić in a couple of months.",
            "Tihomila Z. Crnić",
        ),
        (
            "It's under my partner's name Sigríður Þ Ottarsdóttir",
            "Sigríður Þ Ottarsdóttir",
        ),
        (
            "Have you been to a Jindřich Š. Holinka concert before?",
            "Jindřich Š. Holinka",
        ),
        // A speaker at the start of a line.
        ("Vehbija: \"What a wife.\"\\nSean: Remember me?", "Vehbija"),
        ("Vehbija: \"What a wife.\"\\nSean: Remember me?", "Sean"),
        // After a cue, with letters English rarely uses.
        ("A great coda (not by Csenger Gyôry).", "Csenger Gyôry"),
    ] {
        assert!(has(text, "PERSON", name), "{text}: {:?}", spans(text));
    }
    // The same person mentioned again by one of their names.
    let text = "My name is Kateřina J. Krejčíková but everyone calls me Kateřina";
    let people: Vec<String> = spans(text)
        .into_iter()
        .filter(|(e, _)| *e == "PERSON")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(people, ["Kateřina", "Kateřina J. Krejčíková"], "{text}");
    // Form labels are not speakers; a country is not a person even where
    // its words are census surnames; initials need two real words.
    for text in [
        "Mobile: 0473 47 32 80\\nDesk: +41 (0)47 659 83 99\\nFax: 001-974-790-0491",
        "Bot: Where would you like this to be sent to?",
        "Done: I drafted the note for you.\nSummary: all good",
        "We moved here from United Kingdom",
        "Please see Plan B for details and World War I history.",
    ] {
        assert!(none_of(text, "PERSON"), "{text}: {:?}", spans(text));
    }
}

#[test]
fn words_that_are_also_names() {
    assert!(none_of("Will you send the report?", "PERSON"));
    assert!(none_of("May I ask a question about the invoice?", "PERSON"));
    assert!(none_of("Please bill me later.", "PERSON"));
    assert!(none_of("Carry Me Back To Germany", "PERSON"));
    assert!(has("Will Smith called twice.", "PERSON", "Will Smith"));
    assert!(has("We flew to Jordan last May.", "LOCATION", "Jordan"));
    assert!(has("I moved to Paris in 2019.", "LOCATION", "Paris"));
    assert!(has(
        "Georgia Williams joined the team.",
        "PERSON",
        "Georgia Williams"
    ));
}

#[test]
fn names_inside_addresses_and_urls_are_not_people() {
    assert!(none_of("Write to john.smith@example.com today", "PERSON"));
    assert!(none_of(
        "See https://example.com/Maria/Gonzalez for details",
        "PERSON"
    ));
}

#[test]
fn places() {
    assert!(has(
        "I live in New York City these days",
        "LOCATION",
        "New York City"
    ));
    assert!(has(
        "She was born in Rio de Janeiro",
        "LOCATION",
        "Rio de Janeiro"
    ));
    assert!(has(
        "Ms. Zeeb flew to Giessenburg on Monday morning.",
        "LOCATION",
        "Giessenburg"
    ));
    assert!(has(
        "The office is in Kuopio, Finland.",
        "LOCATION",
        "Kuopio"
    ));
    assert!(has(
        "The office is in Kuopio, Finland.",
        "LOCATION",
        "Finland"
    ));
}

#[test]
fn addresses() {
    for (text, addr) in [
        (
            "Ship it to 1600 Pennsylvania Avenue NW, Washington, DC 20500 please",
            "1600 Pennsylvania Avenue NW, Washington, DC 20500",
        ),
        (
            "My address is 221B Baker Street, London NW1 6XE.",
            "221B Baker Street, London NW1 6XE",
        ),
        (
            "Send it to 123 Main St Apt 4B, Springfield, IL 62704",
            "123 Main St Apt 4B, Springfield, IL 62704",
        ),
        (
            "Unsere Adresse: Hauptstraße 5, 10115 Berlin",
            "Hauptstraße 5, 10115 Berlin",
        ),
        (
            "Envoyez à 12 rue de la Paix, 75002 Paris",
            "12 rue de la Paix, 75002 Paris",
        ),
        (
            "Office: 100 Queen St W, Toronto, ON M5H 2N2",
            "100 Queen St W, Toronto, ON M5H 2N2",
        ),
        (
            "PSC 5947, Box 3321\nAPO AE 15050",
            "PSC 5947, Box 3321\nAPO AE 15050",
        ),
        (
            "Mail: P.O. Box 4471, Austin, TX 78765",
            "P.O. Box 4471, Austin, TX 78765",
        ),
    ] {
        assert!(
            has(text, "STREET_ADDRESS", addr),
            "{text}: {:?}",
            spans(text)
        );
    }
    // Street names from many countries, with their own street types and
    // abbreviations; a unit ends the street; `the corner of … and …`.
    for (text, addr) in [
        (
            "The restaurant is located at 568 20 Sofocleous Street Apt. 353, Ebenweiler, Germany 53264. It serves",
            "568 20 Sofocleous Street Apt. 353, Ebenweiler, Germany 53264",
        ),
        (
            "User: 538 12 West Way Suite 251 Durie Hill New Zealand",
            "538 12 West Way Suite 251 Durie Hill New Zealand",
        ),
        (
            "change it to 246 ul. Grunwaldzka 15\n Apt. 746\n Bydgoszcz\n Poland 82354?",
            "246 ul. Grunwaldzka 15\n Apt. 746\n Bydgoszcz\n Poland 82354",
        ),
        (
            "70336 Avda. Rio Nalon 95\\n Apt. 513\\n Riosa\\n\\n Spain 28004",
            "70336 Avda. Rio Nalon 95\\n Apt. 513\\n Riosa\\n\\n Spain 28004",
        ),
        (
            "sent to 3304 Rákóczi út 22.\nMiddelburg\n, ZE\n Netherlands 95691",
            "3304 Rákóczi út 22.\nMiddelburg\n, ZE\n Netherlands 95691",
        ),
        ("his address: 403 Nordahl Rolfsens vei 187", "403 Nordahl Rolfsens vei 187"),
        (
            "change my address to the corner of 450 Abner Road and Dmitry Island for post",
            "the corner of 450 Abner Road and Dmitry Island",
        ),
    ] {
        assert!(has(text, "STREET_ADDRESS", addr), "{text}: {:?}", spans(text));
    }
    assert!(none_of("Mobile: 51-42-36-94", "LOCATION"));
    // A phone number on the line after the postcode is not part of it.
    let text =
        "723 Spittelwiese 77\\n Suite 049\\n VIERHÖF\\n Austria 37228\\n0676 590 19 25-Office";
    assert!(
        has(
            text,
            "STREET_ADDRESS",
            "723 Spittelwiese 77\\n Suite 049\\n VIERHÖF\\n Austria 37228"
        ),
        "{:?}",
        spans(text)
    );
    assert!(has("My zip code is 90210", "ZIP_CODE", "90210"));
    // A number and a capitalised word alone is not an address.
    assert!(none_of("Chapter 3 Section 4 explains it", "STREET_ADDRESS"));
}

#[test]
fn organizations_groups_ages() {
    assert!(has(
        "I work at Cano Health Inc. since May",
        "ORGANIZATION",
        "Cano Health Inc."
    ));
    assert!(has(
        "Judith Kerr of Assystem SA spoke",
        "ORGANIZATION",
        "Assystem SA"
    ));
    assert!(has(
        "The Norwegian government formally began",
        "NRP",
        "Norwegian"
    ));
    assert!(has("We are proud Africans", "NRP", "Africans"));
    assert!(has(
        "This 25 year old female complaining of pain.",
        "AGE",
        "25"
    ));
    assert!(has("My father retired at the age of 67", "AGE", "67"));
    assert!(none_of("I bought 25 apples", "AGE"));
}

#[test]
fn escaped_line_breaks_separate_lines() {
    // Text escaped once (JSON, logs) keeps `\n` as two characters.
    let t = r"Anas Rønning\n\nBragança\nPortugal";
    assert!(has(t, "LOCATION", "Portugal"), "{:?}", spans(t));
    assert!(!spans(t).iter().any(|(_, v)| v.contains(r"\n")));
}

#[test]
fn without_a_gazetteer_rules_still_run() {
    let found = find("Dr. Okafor lives at 12 Main Street.", None);
    let kinds: Vec<_> = found.iter().map(|s| s.kind).collect();
    assert!(kinds.contains(&NerKind::Person));
    assert!(kinds.contains(&NerKind::StreetAddress));
}

#[test]
fn never_panics_and_spans_are_char_boundaries() {
    // Deterministic pseudo-random token soup over the rule vocabulary.
    let vocab = [
        "Mr.", "Dr", "Dana", "Scott", "12", "Main", "St", ",", "\n", r"\n", "Apt", "#", "Box",
        "PSC", "APO", "AE", "12345", "Inc.", "Ltd", "Co", ".", "my", "name", "is", ":", "Zürich",
        "ß", "é", "São", "Paulo", "'s", "-", "year", "old", "40", "lives", "in", "at", "P.O.",
        "NW1", "6XE", "Straße", "rue", "de", "la", "?", "}}", "x", "", " ", "\u{200b}", "🙂",
    ];
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..3000 {
        let mut text = String::new();
        let len = (seed % 24) as usize;
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(vocab[(seed % vocab.len() as u64) as usize]);
            if seed & 0x100 != 0 {
                text.push(' ');
            }
        }
        for s in find(&text, Gazetteer::english().as_deref()) {
            assert!(s.start < s.end && s.end <= text.len(), "{text:?}");
            assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        }
    }
}

#[test]
fn gazetteer_packs_are_checked() {
    let g =
        Gazetteer::parse("#vallum-gazetteer 1 fr\n@given\njean\n@city\nsaint-étienne\n").unwrap();
    assert_eq!(g.language(), "fr");
    assert_eq!(g.len(), 2);
    assert_eq!(g.lookup(&["Saint-Étienne"]), gazetteer::flag::CITY);
    for (bad, why) in [
        ("", "header"),
        ("#vallum-gazetteer 2 en\n", "header"),
        ("#vallum-gazetteer 1\n", "language"),
        ("#vallum-gazetteer 1 en\njean\n", "before any"),
        ("#vallum-gazetteer 1 en\n@nope\n", "unknown section"),
        ("#vallum-gazetteer 1 en\n@given\nJean\n", "lower-case"),
        (
            "#vallum-gazetteer 1 en\n@city\nnew  york\n",
            "single spaces",
        ),
    ] {
        let e = Gazetteer::parse(bad).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::InvalidArgument);
        assert!(e.to_string().contains(why), "{bad:?}: {e}");
    }
}

#[test]
fn english_pack_loads() {
    let g = Gazetteer::english().unwrap();
    assert!(g.len() > 100_000);
    assert!(g.lookup(&["james"]) & gazetteer::flag::GIVEN != 0);
    assert!(g.lookup(&["New", "York"]) & gazetteer::flag::PLACE != 0);
    assert_eq!(g.lookup(&["qwxzv"]), 0);
}

#[test]
fn organizations_start_and_end_where_their_names_do() {
    for (text, org) in [
        (
            "Mashuu Ohara of Yandex N.V. is the CEO of the year.",
            "Yandex N.V.",
        ),
        (
            "Golden Leaf Holdings Ltd. is a design agency",
            "Golden Leaf Holdings Ltd.",
        ),
        (
            "TOYO MACHINERY & METAL CO.Ltd. is a design agency",
            "TOYO MACHINERY & METAL CO.Ltd.",
        ),
        (
            "The address of Great Lakes Dredge & Dock Corporation is downtown",
            "Great Lakes Dredge & Dock Corporation",
        ),
        (
            "Jamie Pratt\\nClerk\\nSITE Centers Corp.\\n",
            "SITE Centers Corp.",
        ),
    ] {
        assert!(has(text, "ORGANIZATION", org), "{text}: {:?}", spans(text));
    }
    // A verb or greeting opening the sentence is not part of the name.
    assert!(has(
        "Call Acme Holdings Inc. tomorrow",
        "ORGANIZATION",
        "Acme Holdings Inc."
    ));
}

#[test]
fn job_titles() {
    for (text, title) in [
        (
            "Robert Martinez\\nReactor operator\\nCapitol Federal Financial Inc.",
            "Reactor operator",
        ),
        (
            "I used to work for BIO-key International Inc. as Gas furnace installer, but quit",
            "Gas furnace installer",
        ),
        ("Lea Reiniger, the Log sorter, said: hello", "Log sorter"),
        (
            "Mehrudin Thaler\\n\\nMineralogist\\n\\nPersonal Info:",
            "Mineralogist",
        ),
        (
            "She works as a senior data analyst in Leeds",
            "senior data analyst",
        ),
    ] {
        assert!(has(text, "TITLE", title), "{text}: {:?}", spans(text));
    }
    // An occupation word without a cue is just a word.
    assert!(none_of("The operator said the line was busy", "TITLE"));
}

#[test]
fn role_nouns_apposition_ages_and_street_word_surnames() {
    for (text, entity, value) in [
        (
            "The caller said her name was Grace O'Connor and she lives in Cork.",
            "PERSON",
            "Grace O'Connor",
        ),
        (
            "passenger Wanjiru Kamau, booking ref XK77PQ",
            "PERSON",
            "Wanjiru Kamau",
        ),
        (
            "Thank Ngozi Okonjo-Iweala for the keynote",
            "PERSON",
            "Ngozi Okonjo-Iweala",
        ),
        (
            "Last time we talked to Dr. Helen Park.",
            "PERSON",
            "Helen Park",
        ),
        (
            "Please check in on Agnes Moore, 88, at the care home",
            "AGE",
            "88",
        ),
        (
            "Our intern Mateo Silva (19, Colombian) starts Monday",
            "AGE",
            "19",
        ),
        (
            "Our intern Mateo (19, Colombian) starts Monday",
            "PERSON",
            "Mateo",
        ),
    ] {
        assert!(has(text, entity, value), "{text}: {:?}", spans(text));
    }
    // A street word before a house number still ends the name; a number
    // after a non-person is not an age.
    assert!(has(
        "Send it to Helen at 12 Park Lane, London.",
        "PERSON",
        "Helen"
    ));
    assert!(none_of("Order 4471, 12, shipped", "AGE"));
}

#[test]
fn lower_case_honorifics_are_cues_not_titles() {
    let t = "I'd like to join accounts with ms. Ranko";
    assert!(has(t, "PERSON", "Ranko"), "{:?}", spans(t));
    assert!(none_of(t, "TITLE"), "{:?}", spans(t));
    // Without its dot a lower-case honorific is just a word.
    assert!(none_of("take the dr exit", "PERSON"));
}

#[test]
fn possessives_before_what_only_people_have() {
    let t = "As promised, here's Vidoslav's address: 12 Main Street";
    assert!(has(t, "PERSON", "Vidoslav"), "{:?}", spans(t));
    assert!(has("It was Rubija's kid.", "PERSON", "Rubija"));
    assert!(has(
        "the verses from Isolda Marrero's wife",
        "PERSON",
        "Isolda Marrero"
    ));
    // Places, acronyms and things that are not personal stay.
    for t in [
        "London's mayor spoke.",
        "IBM's address changed.",
        "Zorblax's roadmap slipped.",
    ] {
        assert!(none_of(t, "PERSON"), "{t}: {:?}", spans(t));
    }
}

#[test]
fn contact_blocks_start_with_a_name() {
    let t = "Please send it to:\nMinea Martinsson\n2674 Ilichova 26\nLjubljana";
    assert!(has(t, "PERSON", "Minea Martinsson"), "{:?}", spans(t));
    let t = "Klaudijo Kundid\nklaudijo@example.com";
    assert!(has(t, "PERSON", "Klaudijo Kundid"), "{:?}", spans(t));
    // Headings of common words, lines in the middle of a block, and
    // all-caps lines are not names.
    for t in [
        "Action Items\n1. Ship it",
        "Notes from today\nVidol Partners\n12 Main Street",
        "ACME CORP\n12 Main Street",
    ] {
        assert!(none_of(t, "PERSON"), "{t}: {:?}", spans(t));
    }
}

#[test]
fn lists_of_people_share_their_entity() {
    let t = "They had 6: Alistair, Sarah, Cathy, Shawn, Michael and William.";
    for name in ["Alistair", "Sarah", "Cathy", "Shawn", "Michael", "William"] {
        assert!(has(t, "PERSON", name), "{name}: {:?}", spans(t));
    }
    // A list without a person in it, or of places, stays as it is.
    for t in [
        "We ship to Paris, London, Berlin and Madrid.",
        "Compare Zorblax, Quimbly and Vantor on price.",
    ] {
        assert!(none_of(t, "PERSON"), "{t}: {:?}", spans(t));
    }
}

#[test]
fn a_name_line_at_the_very_end_is_not_out_of_bounds() {
    for t in [
        "Minea Martinsson",
        "Minea Martinsson\n",
        "Send to:\nMinea Martinsson\n\n",
        "Alistair, Sarah and",
    ] {
        let _ = spans(t);
    }
}

#[test]
fn places_after_more_cues_and_above_a_country() {
    for (t, place) in [
        ("Mr. Zubarev grew up in Melliste.", "Melliste"),
        ("We moved here from Korbous", "Korbous"),
        ("we returned to Križe by helicopter", "Križe"),
        ("the economy of his home city Nuussuaq", "Nuussuaq"),
        ("Joseph Tolbert\n\nKustja\nEstonia", "Kustja"),
    ] {
        assert!(has(t, "LOCATION", place), "{t}: {:?}", spans(t));
    }
    // A heading above a country name is not a town.
    assert!(!has(
        "Quarterly Report\nEstonia",
        "LOCATION",
        "Quarterly Report"
    ));
}
