//! The country-specific recognizers Presidio ships disabled by default
//! (`enabled: false` in its `default_recognizers.yaml`), under Presidio's
//! entity names, with its patterns, scores, context words and validators.
//!
//! They are opt-in here too: many of them match any run of 5–11 digits or
//! a few letters and digits, so running them on every prompt would mask
//! order numbers and postcodes as identifiers. Name them in
//! `piiProtection.entities` or in a call's entity list.
//!
//! Presidio compiles every pattern case-insensitively, so these do too.
//! Look-arounds become a consumed neighbour with the entity in group 1, or
//! a `guard`.

use super::{p, pg, pguard, v, Builtin, Engine, Env, Kind, Validate, D};
use crate::pii::phone::Region;

fn de_vat_id(s: &str, env: &Env) -> Option<bool> {
    super::strict(v::de_vat_id(s), env)
}

fn kr_frn(s: &str, env: &Env) -> Option<bool> {
    super::strict(v::kr_frn(s), env)
}

fn sg_uen(s: &str, env: &Env) -> Option<bool> {
    v::sg_uen(s, env.today.0)
}

/// The last `n` characters are not all `0` (Presidio's `(?!0000)\d{4}\b`).
fn tail_not_zero<const N: usize>(s: &str) -> bool {
    s.len() < N || s.as_bytes()[s.len() - N..].iter().any(|&c| c != b'0')
}

/// Bharat-series plates: the four digits after `BH` are not `0000`.
fn bh_serial(s: &str) -> bool {
    s.as_bytes().get(4..8).is_some_and(|d| d != b"0000")
}

/// Armed-forces plates do not start with `00`.
fn not_00(s: &str) -> bool {
    !s.starts_with("00")
}

/// Postleitzahlen `01000` and `99999` are not issued.
fn plz(s: &str) -> bool {
    !matches!(s, "01000" | "99999")
}

pub(crate) const OPT_IN: &[Builtin] = &[
    // ---- Germany ----------------------------------------------------------
    opt!("DE_BSNR", Engine::Patterns(&[
        p("Betriebsstättennummer BSNR (9 digits)", r"\b\d{9}\b", 0.2),
    ]), ctx: &["betriebsstättennummer", "betriebsstätten-nummer", "bsnr", "betriebsstätte", "praxisnummer", "arztpraxis", "praxis", "kassenärztliche vereinigung", "kv-nummer", "kv nummer", "praxisadresse", "praxisstandort", "nebenbetriebsstätte", "hauptbetriebsstätte", "behandlungsort", "vertragsarztpraxis"],
        validate: Some(plain!(v::de_bsnr)), invalidate: None),
    opt!("DE_FUEHRERSCHEIN", Engine::Patterns(&[
        p("Führerscheinnummer (EU format, 11 characters)", r"(?i)\b[A-Z]{2}\d{8}[A-Z0-9]\b", 0.35),
    ]), ctx: &["führerscheinnummer", "führerschein", "fahrerlaubnis", "fahrerlaubnisnummer", "fahrerlaubnisklasse", "führerscheininhaber", "fev", "kba", "kraftfahrt-bundesamt", "driving licence", "driving license", "driver's license", "licence number", "license number", "dokument nr", "dokument-nr", "feld 5"],
        validate: None, invalidate: None),
    opt!("DE_HANDELSREGISTER", Engine::Patterns(&[
        p("Handelsregisternummer HRA/HRB", r"(?i)\bHR[AB]\s*\d{1,6}\b", 0.5),
    ]), ctx: &["handelsregister", "handelsregisternummer", "amtsgericht", "registergericht", "hra", "hrb", "hr-nummer", "registerauszug", "handelsregistereintrag", "firma", "gesellschaft", "gmbh", "ag", "ug", "kg", "ohg", "einzelkaufmann", "einzelkauffrau", "handelsregisterblattnummer"],
        validate: None, invalidate: None),
    opt!("DE_HEALTH_INSURANCE", Engine::Patterns(&[
        p("Krankenversicherungsnummer KVNR (letter + 9 digits)", r"(?i)\b[A-Z]\d{9}\b", 0.3),
    ]), ctx: &["krankenversicherungsnummer", "krankenversichertennummer", "versichertennummer", "kvnr", "krankenkasse", "krankenversicherung", "gesundheitskarte", "egk", "elektronische gesundheitskarte", "gkv", "gesetzliche krankenversicherung", "krankenversicherungsausweis", "versichertenausweis", "versichertenkarte", "aok", "tkk", "barmer", "dak"],
        validate: Some(plain!(v::de_health_insurance)), invalidate: None),
    opt!("DE_ID_CARD", Engine::Patterns(&[
        p("Personalausweisnummer nPA (ICAO charset + check digit)", r"(?i)\b[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{7}[0-9]\b", 0.4),
        p("Personalausweisnummer alt (T + 8 Ziffern)", r"(?i)\bT\d{8}\b", 0.5),
    ]), ctx: &["personalausweis", "ausweis", "personalausweisnummer", "ausweisnummer", "ausweisdokument", "dokumentennummer", "seriennummer", "npa", "neuer personalausweis", "personalausweisgesetz", "pauwsg", "bundespersonalausweis", "identity card", "national id"],
        validate: Some(plain!(v::de_id_card)), invalidate: None),
    opt!("DE_KFZ", Engine::Patterns(&[
        pg("KFZ-Kennzeichen (mit Leerzeichen)", r"(?i)(?:^|[^\w-])([A-ZÄÖÜ]{1,3}\s[A-Z]{1,2}\s\d{1,4}[EH]?)(?:$|\W)", 0.3),
        pg("KFZ-Kennzeichen (mit Bindestrich)", r"(?i)(?:^|[^\w-])([A-ZÄÖÜ]{1,3}-[A-Z]{1,2}-\d{1,4}[EH]?)(?:$|\W)", 0.3),
        pg("KFZ-Kennzeichen (Bindestrich + Leerzeichen)", r"(?i)(?:^|[^\w-])([A-ZÄÖÜ]{1,3}-[A-Z]{1,2}\s\d{1,4}[EH]?)(?:$|\W)", 0.3),
    ]), ctx: &["kennzeichen", "kfz-kennzeichen", "kraftfahrzeugkennzeichen", "nummernschild", "fahrzeugkennzeichen", "zulassung", "kfz", "fahrzeug", "auto", "pkw", "lkw", "fahrzeugschein", "fahrzeugbrief", "zulassungsbescheinigung", "amtliches kennzeichen"],
        validate: None, invalidate: None),
    opt!("DE_LANR", Engine::Patterns(&[
        p("Lebenslange Arztnummer LANR (9 digits)", r"\b\d{9}\b", 0.3),
    ]), ctx: &["arztnummer", "lanr", "lebenslange arztnummer", "arzt-nr", "arzt nr", "arzt-nummer", "vertragsarzt", "kassenarzt", "niedergelassener arzt", "kbv", "kassenärztliche vereinigung", "kv-nummer", "rezept", "verschreibung", "behandelnder arzt", "hausarzt", "facharzt"],
        validate: Some(plain!(v::de_lanr)), invalidate: None),
    opt!("DE_PASSPORT", Engine::Patterns(&[
        p("Reisepassnummer (strict ICAO charset)", r"(?i)\b[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{7}[0-9]\b", 0.4),
    ]), ctx: &["reisepass", "pass", "passnummer", "reisepassnummer", "passport", "passport number", "pass-nr", "dokumentennummer", "bundesrepublik deutschland", "ausweisdokument", "mrz"],
        validate: Some(plain!(v::de_passport)), invalidate: None),
    opt!("DE_PLZ", Engine::Patterns(&[
        pguard("Postleitzahl (5 digits, context required)", r"\b(?:0[1-9]\d{3}|[1-9]\d{4})\b", 0.05, plz),
    ]), ctx: &["plz", "postleitzahl", "postanschrift", "adresse", "wohnort", "ort", "wohnanschrift", "lieferadresse", "rechnungsadresse", "straße", "strasse", "hausnummer", "postfach", "bundesland", "gemeinde", "stadt", "dorf"],
        validate: None, invalidate: None),
    opt!("DE_SOCIAL_SECURITY", Engine::Patterns(&[
        p("Rentenversicherungsnummer (strict, with birth date)", r"(?i)\b\d{2}(?:0[1-9]|[12]\d|3[01]|5[1-9]|[67]\d|8[01])(?:0[1-9]|1[0-2])\d{2}[A-Z]\d{2}[0-9]\b", 0.5),
        p("Rentenversicherungsnummer (relaxed)", r"(?i)\b\d{8}[A-Z]\d{3}\b", 0.3),
    ]), ctx: &["rentenversicherungsnummer", "sozialversicherungsnummer", "versicherungsnummer", "rvnr", "svnr", "sv-nummer", "rente", "rentenversicherung", "deutsche rentenversicherung", "drv", "sozialversicherung", "sozialversicherungsausweis", "rentenausweis"],
        validate: Some(plain!(v::de_social_security)), invalidate: None),
    opt!("DE_TAX_NUMBER", Engine::Patterns(&[
        p("Steuernummer ELSTER (13 digits)", r"\b(?:0[1-9]|1[0-6])\d{11}\b", 0.5),
        pg("Steuernummer 3/3/5", r"(?:^|\W)(\d{3}/\d{3}/\d{5})(?:$|\W)", 0.4),
        pg("Steuernummer 2-3/3-4/4-5", r"(?:^|\W)(\d{2,3}/\d{3,4}/\d{4,5})(?:$|\W)", 0.2),
    ]), ctx: &["steuernummer", "steuer-nr", "steuer nr", "st.-nr", "st-nr", "finanzamt", "umsatzsteuer", "einkommensteuer", "körperschaftsteuer", "gewerbesteuer", "steuerveranlagung", "steuerbescheid"],
        validate: None, invalidate: None),
    opt!("DE_VAT_ID", Engine::Patterns(&[
        p("USt-IdNr. (DE + 9 digits)", r"(?i)\bDE\d{9}\b", 0.5),
        p("USt-IdNr. (with separators)", r"(?i)\bDE[\s.\-]?\d{3}[\s.\-]?\d{3}[\s.\-]?\d{3}\b", 0.4),
    ]), ctx: &["umsatzsteuer-identifikationsnummer", "umsatzsteueridentifikationsnummer", "ust-idnr", "ust-id", "ustidnr", "umsatzsteuer-id", "mehrwertsteuer", "vat", "vat-id", "vat id", "steueridentifikation", "bzst", "bundeszentralamt für steuern", "finanzamt", "invoice", "rechnung"],
        validate: Some(de_vat_id), invalidate: None),
    // ---- Spain, Italy -----------------------------------------------------
    opt!("ES_PASSPORT", Engine::Patterns(&[
        p("ES_PASSPORT", r"(?i)\b[A-Z]{3}[0-9]{6}\b", 0.05),
    ]), ctx: &["pasaporte", "passport", "número de pasaporte", "passport number"],
        validate: None, invalidate: None),
    opt!("IT_DRIVER_LICENSE", Engine::Patterns(&[
        p("Driver License", r"(?i)\b(?:[A-Z]{2}\d{7}[A-Z]|U1[BCDEFGHLJKMNPRSTUWYXZ0-9]{7}[A-Z])\b", 0.2),
    ]), ctx: &["patente", "patente di guida", "licenza", "licenza di guida"],
        validate: None, invalidate: None),
    opt!("IT_IDENTITY_CARD", Engine::Patterns(&[
        p("Paper-based Identity Card (very weak)", r"(?i)\b[A-Z]{2}\s?\d{7}\b", 0.01),
        p("Electronic Identity Card (CIE) 2.0 (very weak)", r"(?i)\b\d{7}[A-Z]{2}\b", 0.01),
        p("Electronic Identity Card (CIE) 3.0 (very weak)", r"(?i)\b[A-Z]{2}\d{5}[A-Z]{2}\b", 0.01),
    ]), ctx: &["carta", "identità", "elettronica", "cie", "documento", "riconoscimento", "espatrio"],
        validate: None, invalidate: None),
    opt!("IT_PASSPORT", Engine::Patterns(&[
        p("Passport (very weak)", r"(?i)\b[A-Z]{2}\d{7}\b", 0.01),
    ]), ctx: &["passaporto", "elettronico", "italiano", "viaggio", "viaggiare", "estero", "documento", "dogana"],
        validate: None, invalidate: None),
    opt!("IT_VAT_CODE", Engine::Patterns(&[
        p("IT Vat code (piva)", r"\b(?:[0-9][ _]?){11}\b", 0.1),
    ]), ctx: &["piva", "partita iva", "pi"],
        validate: Some(plain!(v::it_vat_code)), invalidate: None),
    // ---- India ------------------------------------------------------------
    opt!("IN_GSTIN", Engine::Patterns(&[
        p("GSTIN (High)", r"(?i)\b(?:0[1-9]|[1-3][0-7])[A-Z0-9]{11}Z[A-Z0-9]\b", 0.8),
        p("GSTIN (Low)", r"(?i)\b[0-9]{2}[A-Z0-9]{11}Z[A-Z0-9]\b", 0.1),
    ]), ctx: &["gstin", "gst", "goods and services tax", "tax identification", "gst number", "gst registration"],
        validate: Some(plain!(v::in_gstin)), invalidate: None),
    opt!("IN_PASSPORT", Engine::Patterns(&[
        p("PASSPORT", r"(?i)\b[A-Z][1-9]\d\s?\d{4}[1-9]\b", 0.1),
    ]), ctx: &["passport", "indian passport", "passport number"],
        validate: None, invalidate: None),
    opt!("IN_VEHICLE_REGISTRATION", Engine::Patterns(&[
        pguard("India Vehicle Registration (very weak, 1 letter)", r"(?i)\b[A-Z][0-9]{4}\b", 0.01, tail_not_zero::<4>),
        pguard("India Vehicle Registration (very weak, 2 letters)", r"(?i)\b[A-Z]{2}\d{4}\b", 0.01, tail_not_zero::<4>),
        pguard("India Vehicle Registration (very weak, I)", r"(?i)\bI\d{5}\b", 0.01, tail_not_zero::<5>),
        pguard("India Vehicle Registration (weak)", r"(?i)\b[A-Z]{3}\d{4}\b", 0.2, tail_not_zero::<4>),
        p("India Vehicle Registration (diplomatic)", r"(?i)\b\d{1,3}(?:CD|CC|UN)[1-9][0-9]{1,3}\b", 0.4),
        pguard("India Vehicle Registration (1-digit district)", r"(?i)\b[A-Z]{2}\d[A-Z]{1,3}\d{4}\b", 0.5, tail_not_zero::<4>),
        pguard("India Vehicle Registration", r"(?i)\b[A-Z]{2}\d{2}[A-Z]{1,2}\d{4}\b", 0.5, tail_not_zero::<4>),
        pguard("India Vehicle Registration (Bharat series)", r"(?i)\b[2-9][1-9]BH\d{4}[A-HJ-NP-Z]{2}\b", 0.85, bh_serial),
        pguard("India Vehicle Registration (armed forces)", r"(?i)\b\d{2}[ABCDEFHKPRX]\d{6}[A-Z]\b", 0.85, not_00),
    ]), ctx: &["rto", "vehicle", "plate", "registration"],
        validate: Some(plain!(v::in_vehicle_registration)), invalidate: None),
    opt!("IN_VOTER", Engine::Patterns(&[
        p("VOTER", r"(?i)\b[A-Z][ABCDGHJKMNPRSY][A-Z]\d{7}\b", 0.4),
        p("VOTER (weak)", r"(?i)\b[A-Z]{3}\d{7}\b", 0.3),
    ]), ctx: &["voter", "epic", "elector photo identity card"],
        validate: None, invalidate: None),
    // ---- Korea ------------------------------------------------------------
    opt!("KR_BRN", Engine::Patterns(&[
        pg("BRN (Weak)", r"(?:^|[^0-9])(\d{3}-\d{2}-\d{5})(?:$|[^0-9])", 0.1),
        pg("BRN (Very weak)", r"(?:^|[^0-9])(\d{10})(?:$|[^0-9])", 0.05),
    ]), ctx: &["사업자등록번호", "사업자번호", "사업자", "brn", "business registration number", "korean brn", "business number", "tax registration number"],
        validate: Some(plain!(v::kr_brn)), invalidate: None),
    opt!("KR_DRIVER_LICENSE", Engine::Patterns(&[
        pg("Driver License (very weak)", r"(?:^|[^0-9])(\d{2}[- ]?\d{2}[- ]?\d{6}[- ]?\d{2})(?:$|[^0-9])", 0.05),
    ]), ctx: &["운전면허", "운전면허번호", "면허번호", "korean driver license", "korean driver's license"],
        validate: Some(plain!(v::kr_driver_license)), invalidate: None),
    opt!("KR_FRN", Engine::Patterns(&[
        pg("FRN (Medium)", r"(?:^|[^0-9])(\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])-?[5-8]\d{6})(?:$|[^0-9])", 0.5),
    ]), ctx: &["외국인등록번호", "korean frn", "frn", "foreigner registration number", "korean foreigner registration number", "외국인번호"],
        validate: Some(kr_frn), invalidate: None),
    opt!("KR_PASSPORT", Engine::Patterns(&[
        pg("Passport Number (Current)", r"(?i)(?:^|[^A-Z0-9])([MSROD]\d{3}[A-Z]\d{4})(?:$|[^0-9])", 0.1),
        pg("Passport Number (Previous)", r"(?i)(?:^|[^A-Z0-9])([MSROD]\d{8})(?:$|[^0-9])", 0.05),
    ]), ctx: &["korean passport", "korean passport number", "대한민국 여권", "여권", "passport", "passport number"],
        validate: None, invalidate: None),
    // ---- Nigeria, Philippines, Singapore, Sweden, Thailand, Turkey ----------
    opt!("NG_NIN", Engine::Patterns(&[
        p("NIN (Very Weak)", r"\b\d{11}\b", 0.01),
    ]), ctx: &["nin", "national identification number", "national identity number", "nimc", "national identity", "nigeria id", "nigerian identification"],
        validate: Some(plain!(v::ng_nin)), invalidate: None),
    opt!("NG_VEHICLE_REGISTRATION", Engine::Patterns(&[
        p("Nigeria Vehicle Registration", r"(?i)\b[A-Z]{3}[- ]?\d{3}[A-Z]{2}\b", 0.5),
    ]), ctx: &["plate number", "vehicle registration", "license plate", "number plate", "plate", "vehicle", "registration"],
        validate: None, invalidate: None),
    opt!("PH_MOBILE_NUMBER", Engine::Phone(Some(&[Region::PH])),
        ctx: &["mobile", "phone", "cell", "cellphone", "telepono", "numero", "mobile number", "contact number", "numero ng telepono", "contact", "number", "call", "tawag", "mensahe", "sms", "whatsapp", "viber", "telegram", "signal", "celphone", "phone number", "mobile no"],
        validate: None, invalidate: None),
    opt!("PH_TIN", Engine::Patterns(&[
        p("TIN (Low)", r"\b\d{3}-\d{3}-\d{3}(?:-\d{3})?\b", 0.05),
        p("TIN (Very Low)", r"\b(?:\d{9}|\d{12})\b", 0.01),
    ]), ctx: &["tin", "taxpayer identification number", "bir", "taxpayer id", "tax id", "rdo", "revenue district office"],
        validate: None, invalidate: Some(v::ph_tin_invalid)),
    opt!("SE_ORGANISATIONSNUMMER", Engine::Patterns(&[
        p("Swedish Organisationsnummer (Medium)", r"\b\d{6}-?\d{4}\b", 0.6),
        p("Swedish Organisationsnummer (Weak)", r"\d{6}-?\d{4}", 0.2),
    ]), ctx: &["organisationsnummer", "orgnr", "org nr", "företagsnummer"],
        validate: Some(plain!(v::se_organisationsnummer)), invalidate: None),
    opt!("SG_UEN", Engine::Patterns(&[
        p("UEN (low)", r"(?i)\b\d{8}[A-Z]\b|\b\d{9}[A-Z]\b|\b[TSR]\d{2}[A-Z]{2}\d{4}[A-Z]\b", 0.3),
    ]), ctx: &["uen", "unique entity number", "business registration", "acra"],
        validate: Some(sg_uen), invalidate: None),
    opt!("TH_TNIN", Engine::Patterns(&[
        p("TNIN (Medium)", r"\b[1-9](?:[134][0-9]|2[0-7]|5[0-8]|[67][01234567]|[89][0123456])\d{10}\b", 0.5),
    ]), ctx: &["thai national id", "thai id number", "tnin", "เลขประจำตัวประชาชน", "เลขบัตรประชาชน", "รหัสปชช"],
        validate: Some(plain!(v::th_tnin)), invalidate: None),
    opt!("TR_LICENSE_PLATE", Engine::Patterns(&[
        p("TR License Plate (space)", r"(?i)\b(?:0[1-9]|[1-7][0-9]|8[0-1])\s?[A-PR-VY-Z]{1,3}\s?\d{2,4}\b", 0.3),
        p("TR License Plate (hyphen)", r"(?i)\b(?:0[1-9]|[1-7][0-9]|8[0-1])-[A-PR-VY-Z]{1,3}-\d{2,4}\b", 0.3),
    ]), ctx: &["plaka", "araç plakası", "plaka numarası", "kayıt plakası", "tr plaka", "license plate", "number plate", "plate", "taşıt plakası", "kayıt"],
        validate: Some(plain!(v::tr_license_plate)), invalidate: None),
    opt!("TR_PHONE_NUMBER", Engine::Phone(Some(&[Region::TR])),
        ctx: &["telefon", "telefon numarası", "cep telefonu", "cep no", "telefon no", "numara", "mobil telefon", "mobil no", "hücresel telefon", "ara", "ulaş", "iletişim", "bağlantı", "irtibat", "numaram", "telefonum", "cep telefonum", "mobil telefonum", "cep numarası", "mobil numarası", "phone", "mobile", "cell", "cellphone", "call", "contact", "number", "phone number", "sms", "mesaj", "whatsapp", "telegram", "signal", "viber"],
        validate: None, invalidate: None),
    // ---- United Kingdom ---------------------------------------------------
    opt!("UK_DRIVING_LICENCE", Engine::Patterns(&[
        p("UK Driving Licence", r"(?i)\b[A-Z9]{5}[0-9](?:0[1-9]|1[0-2]|5[1-9]|6[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9][A-Z9]{2}[A-Z0-9][A-Z]{2}\b", 0.5),
    ]), ctx: &["driving licence", "driving license", "driver's licence", "driver's license", "dvla", "dl number", "licence number", "license number"],
        validate: Some(plain!(v::uk_driving_licence)), invalidate: None),
    opt!("UK_PASSPORT", Engine::Patterns(&[
        p("UK Passport (weak)", r"(?i)\b[A-Z]{2}\d{7}\b", 0.1),
    ]), ctx: &["passport", "passport number", "travel document", "uk passport", "british passport", "her majesty", "his majesty", "hm passport", "hmpo"],
        validate: None, invalidate: None),
    opt!("UK_POSTCODE", Engine::Patterns(&[
        p("UK Postcode", r"(?i)\b(?:GIR\s?0AA|[A-PR-UWYZ][0-9][ABCDEFGHJKPSTUW]?\s?[0-9][ABD-HJLNP-UW-Z]{2}|[A-PR-UWYZ][0-9]{2}\s?[0-9][ABD-HJLNP-UW-Z]{2}|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]?\s?[0-9][ABD-HJLNP-UW-Z]{2}|[A-PR-UWYZ][A-HK-Y][0-9]{2}\s?[0-9][ABD-HJLNP-UW-Z]{2})\b", 0.1),
    ]), ctx: &["postcode", "post code", "postal code", "zip", "address", "delivery", "mailing", "shipping", "correspondence"],
        validate: None, invalidate: None),
    opt!("UK_VEHICLE_REGISTRATION", Engine::Patterns(&[
        p("UK Vehicle Registration (current)", r"(?i)\b[A-HJ-PR-Y][A-HJ-PR-Y](?:0[1-9]|[1-7][0-9])[- ]?[A-HJ-PR-Z]{3}\b", 0.3),
        p("UK Vehicle Registration (prefix)", r"(?i)\b[A-HJ-NPR-TV-Y]\d{1,3}[- ]?[A-HJ-PR-Y][A-HJ-PR-Z]{2}\b", 0.2),
        p("UK Vehicle Registration (suffix)", r"(?i)\b[A-HJ-PR-Z]{3}[- ]?\d{1,3}[- ]?[A-HJ-NPR-TV-Y]\b", 0.15),
    ]), ctx: &["vehicle", "registration", "number plate", "licence plate", "license plate", "reg", "vrn", "dvla", "v5c", "logbook", "mot", "car", "insured vehicle"],
        validate: Some(plain!(v::uk_vehicle_registration)), invalidate: None),
    // ---- United States ----------------------------------------------------
    opt!("US_MBI", Engine::Patterns(&[
        p("MBI (weak)", r"(?i)\b[0-9][ACDEFGHJKMNPQRTUVWXY][0-9ACDEFGHJKMNPQRTUVWXY][0-9][ACDEFGHJKMNPQRTUVWXY][0-9ACDEFGHJKMNPQRTUVWXY][0-9][ACDEFGHJKMNPQRTUVWXY][ACDEFGHJKMNPQRTUVWXY][0-9][0-9]\b", 0.3),
        p("MBI (medium)", r"(?i)\b[0-9][ACDEFGHJKMNPQRTUVWXY][0-9ACDEFGHJKMNPQRTUVWXY][0-9]-[ACDEFGHJKMNPQRTUVWXY][0-9ACDEFGHJKMNPQRTUVWXY][0-9]-[ACDEFGHJKMNPQRTUVWXY][ACDEFGHJKMNPQRTUVWXY][0-9][0-9]\b", 0.5),
    ]), ctx: &["medicare", "mbi", "beneficiary", "cms", "medicaid", "hic", "hicn"],
        validate: None, invalidate: None),
    opt!("US_NPI", Engine::Patterns(&[
        p("NPI (weak)", r"\b[12]\d{9}\b", 0.1),
        p("NPI (medium)", r"\b[12]\d{3}[ -]\d{3}[ -]\d{3}\b", 0.4),
    ]), ctx: &["npi", "national provider", "provider", "npi number", "provider id", "provider identifier", "taxonomy"],
        validate: Some(plain!(v::us_npi)), invalidate: Some(v::us_npi_invalid)),
];
