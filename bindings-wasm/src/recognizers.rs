//! JavaScript functions as host recognizers. The module runs on one thread
//! and JavaScript values cannot leave it, so the core holds a plain id and
//! the functions stay in a table of this thread; removing the recognizer
//! (dropping the core's handle) removes the function.

use std::cell::RefCell;
use std::collections::HashMap;
use vallum::pii::{parse_host_spans, HostRecognizer, HostSpan};
use vallum::Error;
use wasm_bindgen::JsValue;

thread_local! {
    static FUNCTIONS: RefCell<(u32, HashMap<u32, js_sys::Function>)> = RefCell::new((0, HashMap::new()));
}

/// One registered function; `recognize` calls it with the text and reads
/// the JSON text of spans it returns (the object model's `sync` wrapper).
pub(crate) struct JsRecognizer {
    id: u32,
}

impl JsRecognizer {
    pub(crate) fn new(f: js_sys::Function) -> JsRecognizer {
        let id = FUNCTIONS.with(|t| {
            let mut t = t.borrow_mut();
            t.0 = t.0.wrapping_add(1);
            let id = t.0;
            t.1.insert(id, f);
            id
        });
        JsRecognizer { id }
    }
}

impl Drop for JsRecognizer {
    fn drop(&mut self) {
        // `try_with`: the table may already be gone at thread exit.
        let _ = FUNCTIONS.try_with(|t| t.borrow_mut().1.remove(&self.id));
    }
}

fn message(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "the JavaScript function threw".to_owned())
}

impl HostRecognizer for JsRecognizer {
    fn recognize(&self, text: &str) -> vallum::Result<Vec<HostSpan>> {
        let f = FUNCTIONS
            .with(|t| t.borrow().1.get(&self.id).cloned())
            .ok_or_else(|| Error::invalid_arg("recognizer", "the recognizer was removed"))?;
        let out = f
            .call1(&JsValue::NULL, &JsValue::from_str(text))
            .map_err(|e| Error::invalid_arg("recognizer", message(&e)))?;
        let json = out.as_string().ok_or_else(|| {
            Error::invalid_arg("recognizer", "the recognizer's wrapper returned no text")
        })?;
        parse_host_spans(&json)
    }
}
