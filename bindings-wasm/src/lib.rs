//! `@vallum/wasm`'s WebAssembly module (wasm-bindgen). It moves JSON text,
//! bytes and errors across the JavaScript boundary and nothing else: the
//! operations are `vallum::api`, shared with the Node package, and the
//! storage journal that IndexedDB mirrors is `vallum::storage::JournaledBackend`.
//! The object model (`Vallum`, `memory`, `security`, …) and the IndexedDB
//! module are the thin JavaScript in `bindings-wasm/js/`.
//!
//! Errors reach JavaScript as `Error`s whose message is
//! `"<error code>\u{1f}<message>"`, as in the Node addon. A Rust panic aborts
//! the module (wasm32 has no unwinding); the JavaScript layer reports it as
//! `internal_error` with the message the panic hook recorded, and refuses
//! further calls on that instance.

use parking_lot::Mutex;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use vallum::pii::Gazetteer;
use vallum::storage::JournaledBackend;
use vallum::{Error, ErrorCode};
use wasm_bindgen::prelude::*;

mod recognizers;
mod zones;

/// Separates the error code from the message in a thrown error's message.
const SEP: char = '\u{1f}';

fn js_err(code: ErrorCode, message: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&format!("{}{SEP}{message}", code.as_str())).into()
}

fn err(e: Error) -> JsValue {
    js_err(e.code(), e)
}

fn bad_arg(name: &str, message: impl std::fmt::Display) -> JsValue {
    js_err(
        ErrorCode::InvalidArgument,
        format!("invalid argument `{name}`: {message}"),
    )
}

/// The message of the last panic, for the JavaScript layer to report.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Records panic messages (called once, when the module is instantiated).
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        *LAST_PANIC.lock() = Some(info.to_string());
    }));
    vallum::vocab::set_zone_source(Box::new(zones::IntlZones));
}

/// The message of the panic that aborted the module, if one did.
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.lock().clone()
}

/// Gazetteer packs installed in this module, by language.
static PACKS: Mutex<BTreeMap<String, Arc<Gazetteer>>> = Mutex::new(BTreeMap::new());

/// Parses a gazetteer pack (its text, as `core/data/gazetteer-en.txt`) and
/// keeps it for instances opened with its language, which it returns. A
/// pack of the same language replaces the one before, for instances opened
/// after.
#[wasm_bindgen(js_name = installGazetteer)]
pub fn install_gazetteer(text: &str) -> Result<String, JsValue> {
    let pack = Gazetteer::parse(text).map_err(err)?;
    let language = pack.language().to_owned();
    PACKS.lock().insert(language.clone(), Arc::new(pack));
    Ok(language)
}

type EventQueue = Arc<Mutex<VecDeque<(u32, String)>>>;

/// The core instance. Use `Vallum` from `vallum.js`, which wraps it.
#[wasm_bindgen]
pub struct Core {
    inner: vallum::Vallum,
    /// The journaled store when rows persist (see `new`).
    journal: Option<Arc<JournaledBackend>>,
    manual: Option<Arc<vallum::ManualClock>>,
    events: EventQueue,
    subscriptions: Vec<(u32, vallum::Subscription)>,
    next_subscription: u32,
}

#[wasm_bindgen]
impl Core {
    /// Builds an instance. With `restore` (an array of `[id, Uint8Array]`
    /// read back from IndexedDB; empty for a new store) the store journals
    /// its rows for `takeChanges`; without it, memory stays in this page and
    /// nothing is journaled. `config_json` is the configuration as JSON
    /// text; `master_key` the 32-byte key; `clock_ms` starts a manual clock
    /// (tests); `gazetteer` the language of a pack `installGazetteer` loaded
    /// (none: names and places from the rules alone).
    #[wasm_bindgen(constructor)]
    pub fn new(
        config_json: Option<String>,
        master_key: &mut [u8],
        clock_ms: Option<f64>,
        restore: Option<js_sys::Array>,
        gazetteer: Option<String>,
    ) -> Result<Core, JsValue> {
        let journal = match restore {
            Some(rows) => {
                let rows = rows_of(&rows)?;
                Some(Arc::new(
                    JournaledBackend::restore(
                        rows.iter().map(|(id, v)| (id.as_str(), v.as_slice())),
                    )
                    .map_err(err)?,
                ))
            }
            None => None,
        };
        let manual = clock_ms.map(|t| Arc::new(vallum::ManualClock::new(t as i64)));
        let pack = match gazetteer {
            None => None,
            Some(language) => Some(PACKS.lock().get(&language).cloned().ok_or_else(|| {
                bad_arg(
                    "gazetteer",
                    format!("no gazetteer pack for language `{language}` is installed"),
                )
            })?),
        };
        let mut b = vallum::Vallum::builder().gazetteer(pack);
        b = match &journal {
            // One writer: the JavaScript side holds an exclusive Web Lock
            // on the IndexedDB database for as long as this instance lives.
            Some(j) => b.exclusive_backend(j.clone()),
            None => b.in_memory(),
        };
        if let Some(c) = &manual {
            b = b.clock(c.clone());
        }
        if let Some(c) = config_json {
            b = b.config_json(&c).map_err(err)?;
        }
        // The key bytes were copied into this call; wipe that copy (it is
        // also copied back over the caller's buffer, a copy of its own).
        let key = vallum::MasterKey::take_bytes(master_key).map_err(err)?;
        let inner = b.master_key(key).build().map_err(err)?;
        Ok(Core {
            inner,
            journal,
            manual,
            events: Arc::default(),
            subscriptions: Vec::new(),
            next_subscription: 1,
        })
    }

    /// Plugs in a JavaScript recognizer: `recognize(text)` returns the
    /// spans as JSON text (the object model's wrapper converts them).
    #[wasm_bindgen(js_name = addRecognizer)]
    pub fn add_recognizer(
        &self,
        name: &str,
        entities: Vec<String>,
        offsets: &str,
        recognize: js_sys::Function,
    ) -> Result<(), JsValue> {
        let unit = vallum::pii::Offsets::parse(offsets).map_err(err)?;
        let r = recognizers::JsRecognizer::new(recognize);
        self.inner
            .pii()
            .add_recognizer(name, &entities, unit, Arc::new(r))
            .map_err(err)
    }

    /// Removes a host recognizer; whether there was one.
    #[wasm_bindgen(js_name = removeRecognizer)]
    pub fn remove_recognizer(&self, name: &str) -> bool {
        self.inner.pii().remove_recognizer(name)
    }

    /// Runs an operation of `vallum::api`; returns its result as JSON text.
    pub fn call(&self, op: &str, args: &str) -> Result<String, JsValue> {
        vallum::api::call(&self.inner, op, args).map_err(err)
    }

    /// The rows written or deleted since the last call, as an array of
    /// `[id, Uint8Array | null]` (null: delete the row), for IndexedDB.
    #[wasm_bindgen(js_name = takeChanges)]
    pub fn take_changes(&self) -> Result<js_sys::Array, JsValue> {
        let out = js_sys::Array::new();
        let Some(journal) = &self.journal else {
            return Ok(out);
        };
        for c in journal.take_changes().map_err(err)? {
            let value = match c.value {
                Some(v) => js_sys::Uint8Array::from(v.as_slice()).into(),
                None => JsValue::NULL,
            };
            out.push(&js_sys::Array::of2(&JsValue::from(c.id), &value));
        }
        Ok(out)
    }

    /// Whether rows are waiting for `takeChanges`.
    #[wasm_bindgen(js_name = hasChanges)]
    pub fn has_changes(&self) -> bool {
        self.journal.as_ref().is_some_and(|j| j.has_changes())
    }

    /// Starts queueing events of `kind` (null: all) under the returned id;
    /// `drainEvents` hands them over.
    pub fn subscribe(&mut self, kind: Option<String>) -> Result<u32, JsValue> {
        let kind = kind
            .as_deref()
            .map(vallum::EventKind::parse)
            .transpose()
            .map_err(err)?;
        let id = self.next_subscription;
        self.next_subscription += 1;
        let queue = self.events.clone();
        let sub = self.inner.subscribe(kind, move |event| {
            if let Ok(text) = serde_json::to_string(event) {
                queue.lock().push_back((id, text));
            }
        });
        self.subscriptions.push((id, sub));
        Ok(id)
    }

    /// Ends subscription `id` (idempotent); its queued events are dropped.
    pub fn unsubscribe(&mut self, id: u32) {
        self.subscriptions.retain(|(i, _)| *i != id);
        self.events.lock().retain(|(i, _)| *i != id);
    }

    /// The queued events, oldest first, as an array of `[subscriptionId, eventJson]`.
    #[wasm_bindgen(js_name = drainEvents)]
    pub fn drain_events(&self) -> js_sys::Array {
        let out = js_sys::Array::new();
        for (id, text) in self.events.lock().drain(..) {
            out.push(&js_sys::Array::of2(
                &JsValue::from(id),
                &JsValue::from(text),
            ));
        }
        out
    }

    /// Moves a manual clock forward.
    #[wasm_bindgen(js_name = advanceClock)]
    pub fn advance_clock(&self, ms: f64) -> Result<(), JsValue> {
        match &self.manual {
            Some(c) => {
                c.advance(ms as i64);
                Ok(())
            }
            None => Err(bad_arg(
                "clock",
                "this instance uses the system clock; build it with clockMs to move time by hand",
            )),
        }
    }
}

fn rows_of(restore: &js_sys::Array) -> Result<Vec<(String, Vec<u8>)>, JsValue> {
    let mut rows = Vec::with_capacity(restore.length() as usize);
    for (i, row) in restore.iter().enumerate() {
        let pair = row
            .dyn_into::<js_sys::Array>()
            .map_err(|_| bad_arg("restore", format!("row {i} is not an [id, bytes] pair")))?;
        let id = pair
            .get(0)
            .as_string()
            .ok_or_else(|| bad_arg("restore", format!("row {i}: the id is not a string")))?;
        let bytes = pair.get(1).dyn_into::<js_sys::Uint8Array>().map_err(|_| {
            bad_arg(
                "restore",
                format!("row {id}: the value is not a Uint8Array"),
            )
        })?;
        rows.push((id, bytes.to_vec()));
    }
    Ok(rows)
}

/// Runs an instance-free operation (`validateConfig`, `computeCharge`, …).
#[wasm_bindgen(js_name = callStatic)]
pub fn call_static(op: &str, args: &str) -> Result<String, JsValue> {
    vallum::api::call_static(op, args).map_err(err)
}

/// The core's version.
#[wasm_bindgen]
pub fn version() -> String {
    vallum::VERSION.to_owned()
}

/// Every error code of the core, in `vallum::ErrorCode::ALL` order.
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> Vec<String> {
    vallum::ErrorCode::names()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// The PII entity types the detector implements.
#[wasm_bindgen]
pub fn entities() -> Vec<String> {
    vallum::pii::ENTITIES
        .iter()
        .map(|e| (*e).to_owned())
        .collect()
}

/// Panics inside the module: the tests check that a panic reaches
/// JavaScript as a `VallumError` with code `internal_error` (the core has no
/// panicking path to trigger on purpose).
#[wasm_bindgen(js_name = panicForTests)]
#[allow(clippy::panic, reason = "the panic is the point: it tests the guard")]
pub fn panic_for_tests(message: &str) {
    panic!("{message}");
}
