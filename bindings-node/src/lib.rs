//! `@vallum/node`'s native addon (napi-rs). It moves JSON text and errors
//! across Node-API and nothing else: the operations, their arguments and
//! their results are `vallum::api`, shared with the browser package. The
//! JavaScript object model (`Vallum`, `memory`, `security`, …) is the thin
//! layer in `index.js`.
//!
//! Errors reach JavaScript as `Error`s whose message is
//! `"<error code>\u{1f}<message>"`; `index.js` turns them into `VallumError`
//! with `.code`. A Rust panic becomes code `internal_error`, never an abort.

use napi::bindgen_prelude::{AsyncTask, Buffer, Function, FunctionRef, Promise};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status, Task};
use napi_derive::napi;
use std::sync::Arc;
use vallum::{Error, ErrorCode};

/// Separates the error code from the message in a thrown error's message.
const SEP: char = '\u{1f}';

fn js_err(code: ErrorCode, message: impl std::fmt::Display) -> napi::Error {
    napi::Error::new(
        Status::GenericFailure,
        format!("{}{SEP}{message}", code.as_str()),
    )
}

fn err(e: Error) -> napi::Error {
    js_err(e.code(), e)
}

/// Runs `f`, turning a Rust panic into an `internal_error`.
fn no_panic<T>(f: impl FnOnce() -> vallum::Result<T>) -> napi::Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(err),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            Err(js_err(
                ErrorCode::Internal,
                format!("internal error (a bug in vallum, please report it): {msg}"),
            ))
        }
    }
}

/// One operation on the libuv thread pool; its Promise resolves to JSON text.
pub struct Call {
    inner: Option<vallum::Vallum>,
    op: String,
    args: String,
}

impl Task for Call {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<String> {
        match &self.inner {
            Some(v) => no_panic(|| vallum::api::call(v, &self.op, &self.args)),
            None => no_panic(|| vallum::api::call_static(&self.op, &self.args)),
        }
    }

    fn resolve(&mut self, _env: Env, output: String) -> napi::Result<String> {
        Ok(output)
    }
}

/// Options of the native constructor (`index.js` fills them in).
#[napi(object)]
pub struct CoreOptions {
    /// The configuration as JSON text.
    pub config_json: Option<String>,
    /// A SQLite file; omitted: in-memory storage.
    pub db_path: Option<String>,
    /// The 32-byte master key.
    pub master_key: Option<Buffer>,
    /// The name of an environment variable holding the key (hex or base64).
    pub master_key_env: Option<String>,
    /// Start a manual clock at this instant (ms since the epoch); tests and
    /// simulations move it with `advanceClock`.
    pub clock_ms: Option<i64>,
    /// The gazetteer pack: omitted, the compiled-in one; `false`, none.
    pub gazetteer: Option<bool>,
    /// A gazetteer pack file to use instead.
    pub gazetteer_path: Option<String>,
    /// A gazetteer pack's text to use instead.
    pub gazetteer_text: Option<String>,
}

/// The core instance. Use `Vallum` from `index.js`, which wraps it.
#[napi]
pub struct Core {
    inner: vallum::Vallum,
    manual: Option<Arc<vallum::ManualClock>>,
}

#[napi]
impl Core {
    /// Builds an instance (opens or creates the SQLite file when one is given).
    #[napi(constructor)]
    pub fn new(options: CoreOptions) -> napi::Result<Self> {
        no_panic(|| {
            let manual = options
                .clock_ms
                .map(|t| Arc::new(vallum::ManualClock::new(t)));
            let mut b = vallum::Vallum::builder();
            if let Some(c) = &manual {
                b = b.clock(c.clone());
            }
            if let Some(c) = options.config_json {
                b = b.config_json(&c)?;
            }
            if let Some(path) = options.gazetteer_path {
                b = b.gazetteer(Some(Arc::new(vallum::pii::Gazetteer::from_file(path)?)));
            } else if let Some(text) = options.gazetteer_text {
                b = b.gazetteer(Some(Arc::new(vallum::pii::Gazetteer::parse(&text)?)));
            } else if options.gazetteer == Some(false) {
                b = b.gazetteer(None);
            }
            b = match options.db_path {
                Some(p) => b.sqlite(p),
                None => b.in_memory(),
            };
            b = match (options.master_key, options.master_key_env) {
                // `index.js` passes its own copy of the key; it is wiped here.
                (Some(mut k), _) => b.master_key(vallum::MasterKey::take_bytes(&mut k)?),
                (None, Some(var)) => b.master_key_from_env(var),
                (None, None) => b,
            };
            Ok(Core {
                inner: b.build()?,
                manual,
            })
        })
    }

    /// Closes the store and releases its writer lock.
    #[napi]
    pub fn close(&self) -> napi::Result<()> {
        no_panic(|| self.inner.close())
    }

    /// Runs an operation of `vallum::api` on this thread.
    #[napi]
    pub fn call(&self, op: String, args: String) -> napi::Result<String> {
        no_panic(|| vallum::api::call(&self.inner, &op, &args))
    }

    /// Runs an operation of `vallum::api` on the libuv thread pool.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn call_async(&self, op: String, args: String) -> AsyncTask<Call> {
        AsyncTask::new(Call {
            inner: Some(self.inner.clone()),
            op,
            args,
        })
    }

    /// Moves a manual clock forward.
    #[napi]
    pub fn advance_clock(&self, ms: i64) -> napi::Result<()> {
        match &self.manual {
            Some(c) => {
                c.advance(ms);
                Ok(())
            }
            None => Err(js_err(
                ErrorCode::InvalidArgument,
                "invalid argument `clock`: this instance uses the system clock; build it with clockMs to move time by hand",
            )),
        }
    }

    /// Calls `callback(eventJson)` on the main thread for every event of
    /// `kind` (null: all) until `close()` on the result. The callback does
    /// not keep the process alive.
    #[napi(ts_args_type = "kind: string | null, callback: (event: string) => void")]
    pub fn subscribe(
        &self,
        kind: Option<String>,
        callback: ThreadsafeFunction<String, (), String, Status, false, true>,
    ) -> napi::Result<Subscription> {
        let kind = no_panic(|| kind.as_deref().map(vallum::EventKind::parse).transpose())?;
        let sub = self.inner.subscribe(kind, move |event| {
            if let Ok(text) = serde_json::to_string(event) {
                callback.call(text, ThreadsafeFunctionCallMode::NonBlocking);
            }
        });
        Ok(Subscription {
            inner: parking_lot::Mutex::new(Some(sub)),
        })
    }
}

/// A JavaScript function as a host recognizer. `index.js` passes it twice:
/// a synchronous wrapper, called directly when the detection runs on the
/// JavaScript thread (`pii.detect`), and an async one, called through a
/// thread-safe function when it runs on the thread pool (`…Async`
/// methods, the guard), whose Promise the worker waits for. Both return
/// the spans as JSON text; `vallum::pii::parse_host_spans` reads them.
struct JsRecognizer {
    main: std::thread::ThreadId,
    /// The `napi_env` of `main`, as an address: used on `main` only.
    env: usize,
    sync_fn: FunctionRef<String, String>,
    async_fn: ThreadsafeFunction<String, Promise<String>, String, Status, false, true>,
}

fn host_err(e: napi::Error) -> Error {
    Error::invalid_arg("recognizer", e.reason.clone())
}

/// Runs a future to completion on this (pool) thread.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

impl vallum::pii::HostRecognizer for JsRecognizer {
    fn recognize(&self, text: &str) -> vallum::Result<Vec<vallum::pii::HostSpan>> {
        let json = if std::thread::current().id() == self.main {
            let env = Env::from_raw(self.env as napi::sys::napi_env);
            let f = self.sync_fn.borrow_back(&env).map_err(host_err)?;
            f.call(text.to_owned()).map_err(host_err)?
        } else {
            let (tx, rx) = std::sync::mpsc::channel();
            let status = self.async_fn.call_with_return_value(
                text.to_owned(),
                ThreadsafeFunctionCallMode::Blocking,
                move |r, _env| {
                    let _ = tx.send(r);
                    Ok(())
                },
            );
            if status != Status::Ok {
                return Err(Error::invalid_arg(
                    "recognizer",
                    format!("the JavaScript function could not be called ({status})"),
                ));
            }
            let promise = rx
                .recv()
                .map_err(|_| {
                    Error::invalid_arg("recognizer", "the JavaScript function did not answer")
                })?
                .map_err(host_err)?;
            block_on(promise).map_err(host_err)?
        };
        vallum::pii::parse_host_spans(&json)
    }
}

#[napi]
impl Core {
    /// Plugs in a JavaScript recognizer (see `JsRecognizer`).
    #[napi(
        ts_args_type = "name: string, entities: string[], offsets: string, recognizeSync: (text: string) => string, recognizeAsync: (text: string) => Promise<string>"
    )]
    pub fn add_recognizer(
        &self,
        env: Env,
        name: String,
        entities: Vec<String>,
        offsets: String,
        recognize_sync: Function<'_, String, String>,
        recognize_async: ThreadsafeFunction<String, Promise<String>, String, Status, false, true>,
    ) -> napi::Result<()> {
        let sync_fn = recognize_sync.create_ref()?;
        no_panic(|| {
            let unit = vallum::pii::Offsets::parse(&offsets)?;
            let r = JsRecognizer {
                main: std::thread::current().id(),
                env: env.raw() as usize,
                sync_fn,
                async_fn: recognize_async,
            };
            self.inner
                .pii()
                .add_recognizer(&name, &entities, unit, Arc::new(r))
        })
    }

    /// Removes a host recognizer; whether there was one.
    #[napi]
    pub fn remove_recognizer(&self, name: String) -> bool {
        self.inner.pii().remove_recognizer(&name)
    }
}

/// A live subscription; `close()` ends it.
#[napi]
pub struct Subscription {
    inner: parking_lot::Mutex<Option<vallum::Subscription>>,
}

#[napi]
impl Subscription {
    /// Ends the subscription (idempotent).
    #[napi]
    pub fn close(&self) {
        self.inner.lock().take();
    }
}

/// Runs an instance-free operation (`validateConfig`, `computeCharge`, …).
#[napi]
pub fn call_static(op: String, args: String) -> napi::Result<String> {
    no_panic(|| vallum::api::call_static(&op, &args))
}

/// The core's version.
#[napi]
pub fn version() -> String {
    vallum::VERSION.to_owned()
}

/// Every error code of the core, in `vallum::ErrorCode::ALL` order.
#[napi]
pub fn error_codes() -> Vec<&'static str> {
    vallum::ErrorCode::names()
}

/// The PII entity types the detector implements.
#[napi]
pub fn entities() -> Vec<String> {
    vallum::pii::ENTITIES
        .iter()
        .map(|e| (*e).to_owned())
        .collect()
}

/// Panics inside a binding call, on this thread (`async: false`) or on the
/// thread pool: the tests check that a panic reaches JavaScript as a
/// `VallumError` with code `internal_error` (the core has no panicking path
/// to trigger on purpose).
#[napi(ts_return_type = "void | Promise<string>")]
#[allow(clippy::panic, reason = "the panic is the point: it tests the guard")]
pub fn panic_for_tests(
    message: String,
    run_async: bool,
) -> napi::Result<napi::Either<(), AsyncTask<PanicTask>>> {
    if run_async {
        return Ok(napi::Either::B(AsyncTask::new(PanicTask(message))));
    }
    no_panic(|| panic!("{message}"))
}

/// A task that panics on the thread pool (tests only).
pub struct PanicTask(String);

impl Task for PanicTask {
    type Output = String;
    type JsValue = String;

    #[allow(clippy::panic, reason = "the panic is the point: it tests the guard")]
    fn compute(&mut self) -> napi::Result<String> {
        let m = self.0.clone();
        no_panic(|| panic!("{m}"))
    }

    fn resolve(&mut self, _env: Env, output: String) -> napi::Result<String> {
        Ok(output)
    }
}
