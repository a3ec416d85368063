//! Time zones from the JavaScript engine's own tz database (`Intl`): the
//! core's browser build leaves chrono-tz's tables out and asks here. Only
//! conversions: a zone name in, an offset in seconds out.

use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = DateTimeFormat)]
    type Dtf;
    // `catch`: an unknown zone is a RangeError, not a trap.
    #[wasm_bindgen(constructor, catch, js_namespace = Intl, js_class = "DateTimeFormat")]
    fn new(locale: &str, options: &js_sys::Object) -> Result<Dtf, JsValue>;
    #[wasm_bindgen(method, catch, js_class = "DateTimeFormat")]
    fn format(this: &Dtf, ms: f64) -> Result<String, JsValue>;
}

thread_local! {
    /// One formatter per zone: building one costs far more than using it.
    static FORMATTERS: RefCell<HashMap<String, Option<Dtf>>> = RefCell::new(HashMap::new());
}

/// Runs `f` with the formatter of zone `name` (`None`: `Intl` lacks it).
fn with_formatter<T>(name: &str, f: impl FnOnce(Option<&Dtf>) -> T) -> T {
    FORMATTERS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(name) {
            let options = js_sys::Object::new();
            let set = |k: &str, v: &str| js_sys::Reflect::set(&options, &k.into(), &v.into());
            let made = set("timeZone", name)
                .and_then(|_| set("timeZoneName", "longOffset"))
                .ok()
                .and_then(|_| Dtf::new("en-US", &options).ok());
            cache.insert(name.to_owned(), made);
        }
        f(cache.get(name).and_then(Option::as_ref))
    })
}

/// Seconds east of UTC in a formatted date's `GMT±hh:mm[:ss]` (`GMT` alone
/// is UTC).
fn parse_offset(text: &str) -> Option<i32> {
    let rest = &text[text.rfind("GMT")? + 3..];
    let Some(sign) = rest.chars().next() else {
        return Some(0);
    };
    let digits = &rest[sign.len_utf8()..];
    let sign = match sign {
        '+' => 1,
        '-' | '\u{2212}' => -1,
        _ => return Some(0),
    };
    let mut seconds = 0;
    for (i, part) in digits.split(':').take(3).enumerate() {
        let n: i32 = part.trim().parse().ok()?;
        seconds += n * [3600, 60, 1][i];
    }
    Some(sign * seconds)
}

/// The core's [`vallum::vocab::ZoneSource`] over `Intl.DateTimeFormat`.
pub(crate) struct IntlZones;

impl vallum::vocab::ZoneSource for IntlZones {
    fn has(&self, name: &str) -> bool {
        with_formatter(name, |f| f.is_some())
    }

    fn offset_seconds(&self, name: &str, utc_ms: i64) -> i32 {
        with_formatter(name, |f| {
            f.and_then(|f| f.format(utc_ms as f64).ok())
                .and_then(|text| parse_offset(&text))
                .unwrap_or(0)
        })
    }
}
