//! Warm-up: the automata behind detection (the regex crate's lazy DFAs, the
//! word-list hash tables, the TLD set) build their states on first use, so
//! the first calls of a new detector ran up to ten times slower than later
//! ones. A detector runs every recognizer once over this text when it is
//! built ([`super::Detector::warm_up`]), so its first call is as fast as its
//! thousandth on the thread that built it.
//!
//! The text mixes prose, chat and every entity shape the recognizers know,
//! so the DFA states real prompts need are already there.

pub(super) const TEXT: &str = "\
Hi team, quick summary of yesterday's call with Dr. Maria Gonzalez (maria.gonzalez@example.com, \
+1 (415) 555-0132 ext. 12) from Acme Holdings Inc. She lives at 1600 Amphitheatre Parkway, \
Mountain View, CA 94043 and moved from 221B Baker Street, London NW1 6XE, United Kingdom. \
Her colleague Jean-Pierre Dubois, 42 years old, a French citizen and senior software engineer \
in Paris, can be reached on 06 12 34 56 78 or +33 1 23 45 67 89; Hans Müller in Berlin on \
+49 30 123456 or 030 1234567 (Musterstraße 12, 10115 Berlin, Germany). Call me on 0412 345 678 \
or +61 2 9374 4000, mobile 07700 900123, +44 20 7123 4567, +91 98765 43210, +972-3-555-1234, \
+55 11 91234-5678, +81 3-1234-5678, +86 138 0013 8000. \
Card 4111 1111 1111 1111 exp 12/27, 5500-0000-0000-0004, 378282246310005. \
IBAN DE89 3704 0044 0532 0130 00, GB82WEST12345698765432, routing 011000015, account 12345678901. \
SSN 078-05-1123, ITIN 912-70-1234, passport 123456789, driver license D1234567, NHS 943 476 5919, \
NINO AB 12 34 56 C, SIN 046 454 286, TFN 123 456 782, ABN 51 824 753 556, ACN 004 085 616, \
Medicare 2123 45670 1, Aadhaar 2345 6789 0124, PAN ABCDE1234F, NIF 12345678Z, NIE X1234567L, \
codice fiscale RSSMRA85T10A562S, PESEL 44051401359, personnummer 811228-9874, NRIC S1234567D, \
HETU 131052-308T, TCKN 10000000146, RRN 900101-1234568, ZA id 8001015009087, Steuer-ID 65929970489, \
DEA AB1234563. Dates: 2024-01-15T10:30:00Z, 2024-01-15 10:30, 01/15/2024, 15/01/2024, 2024/01/15, \
15.01.2024, 15-Jan-2024, Jan-2024, 3 March 1985, born on 12 May 1990, DOB 05/06/1978. \
Server 192.168.1.10, 10.0.0.1/24, ::ffff:192.0.2.1, 2001:db8:85a3::8a2e:370:7334, MAC 00:1A:2B:3C:4D:5E, \
0123.4567.89ab, UUID 123e4567-e89b-12d3-a456-426614174000. See https://www.example.org/path?q=1 \
and docs.example.co.uk, wallet 1BoatSLRHtKNngkdXEeobR76b53LBKtFWQ or bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq. \
Keys: AKIAIOSFODNN7EXAMPLE, ghp_abcdefghijklmnopqrstuvwxyz0123456789, xoxb-123456789012-abcdefghij, \
sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD, eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijk. \
Opt-in ids: DE123456789, HRB 12345, B AB 1234, SW1A 1AA, AB12 CDE, 1EG4-TE5-MK73, 1234567893, \
KA01AB1234, 27ABCDE1234F1Z5, 123-45-67890, T01AA0001A, 1234567890123, 34 ABC 1234, +639171234567, \
+905321234567, ABC-123DE, 0281508150123, 123/456/78901. \
lol ok so my order #12345 ships tmrw, ping me at 555-0199 or DM @jdoe — thx!! \
MEETING NOTES: ALICE SMITH AND BOB JONES WILL REVIEW THE Q3 NUMBERS ON MONDAY. \
The quick brown fox jumps over the lazy dog; nothing personal here, just words, numbers like 3.14 \
and 2,500 items, version 1.2.3, a list (a, b, c) and punctuation: ; : ! ? — « » \"quoted\" 'text'.";
