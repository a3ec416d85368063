//! `vallum._vallum`: the Python extension module. It converts Python values
//! to and from the core's types and maps errors to exceptions; all logic
//! lives in the `vallum` crate. The Pythonic object model (attributes
//! `memory`, `pii`, `guard`, …) is the thin layer in `python/vallum/`.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyDateTime, PyDelta, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyTzInfo,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Number, Value};
use std::sync::Arc;
use vallum::api::Wire;
use vallum::{Error, ErrorCode};

pyo3::create_exception!(
    _vallum,
    VallumError,
    PyException,
    "Base class of every Vallum error; `.code` is the stable error code."
);
/// One list of (exception, error code): it defines the subclasses, the
/// match that makes them and their registration in the module.
macro_rules! exceptions {
    ($($name:ident => $code:ident),* $(,)?) => {
        $(pyo3::create_exception!(
            _vallum,
            $name,
            VallumError,
            concat!("Vallum error `", stringify!($name), "`; see `.code`.")
        );)*

        fn exception_for(code: ErrorCode, msg: String) -> PyErr {
            match code {
                $(ErrorCode::$code => $name::new_err(msg),)*
                // `ErrorCode` is non-exhaustive: a code added to the core
                // before the binding learns it is still a VallumError.
                _ => InternalError::new_err(msg),
            }
        }

        fn add_exceptions(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $(m.add(stringify!($name), m.py().get_type::<$name>())?;)*
            Ok(())
        }
    };
}
exceptions!(
    InvalidConfig => InvalidConfig,
    InvalidPolicy => InvalidPolicy,
    InvalidArgument => InvalidArgument,
    ValueTooLarge => ValueTooLarge,
    QuotaExceeded => QuotaExceeded,
    DecryptionFailed => DecryptionFailed,
    KeyMismatch => KeyMismatch,
    InvalidKey => InvalidKey,
    StorageError => Storage,
    CorruptStore => CorruptStore,
    SerializationError => Serialization,
    NotFound => NotFound,
    ScopeDisabled => ScopeDisabled,
    UnknownModel => UnknownModel,
    BudgetExceeded => BudgetExceeded,
    StoreLocked => StoreLocked,
    PermissionDenied => PermissionDenied,
    Conflict => Conflict,
    InternalError => Internal,
);

/// A core error as its exception.
fn err(e: Error) -> PyErr {
    raise(e.code(), e.to_string())
}

/// The one place exceptions are made, with their `.code`.
fn raise(code: ErrorCode, msg: String) -> PyErr {
    let exc = exception_for(code, msg);
    Python::attach(|py| {
        let _ = exc.value(py).setattr("code", code.as_str());
    });
    exc
}

fn bad_arg(what: &str, msg: impl std::fmt::Display) -> PyErr {
    raise(
        ErrorCode::InvalidArgument,
        format!("invalid argument `{what}`: {msg}"),
    )
}

fn internal(msg: impl std::fmt::Display) -> PyErr {
    raise(ErrorCode::Internal, msg.to_string())
}

/// Runs one binding call and turns a Rust panic into `vallum.InternalError`.
/// Left to pyo3, a panic would raise `PanicException`, a `BaseException`
/// that `except Exception` and `except VallumError` do not catch.
fn no_panic<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        Err(internal(format!(
            "internal error (a bug in vallum, please report it): {msg}"
        )))
    })
}

/// Keys whose integer values are instants (ms since the epoch) in one kind
/// of result; they become timezone-aware `datetime`s (UTC). Values under
/// [`OPAQUE`] keys are the caller's own JSON and are never converted.
type Times = &'static [&'static str];
const NO_TIMES: Times = &[];
const EVENT_TIMES: Times = &["at", "periodStart"];
const ENTRY_TIMES: Times = &["createdAt", "updatedAt", "expiresAt", "exportedAt"];
const RESERVATION_TIMES: Times = &["expiresAt"];
const ALERT_TIMES: Times = &["firedAt", "resolvedAt"];
const SPAN_TIMES: Times = &["start", "end", "generatedAt", "firedAt", "resolvedAt"];
const SERIES_TIMES: Times = &["start", "end", "t"];
const THREAT_TIMES: Times = &["start", "end", "timestamp"];
const BUDGET_TIMES: Times = &["periodStart", "periodEnd"];
const AUDIT_TIMES: Times = &["ts"];
const COMPLIANCE_TIMES: Times = &["generatedAt"];
const OPAQUE: &[&str] = &["value", "metadata"];

static EPOCH: PyOnceLock<Py<PyDateTime>> = PyOnceLock::new();

fn epoch(py: Python<'_>) -> PyResult<&Bound<'_, PyDateTime>> {
    EPOCH
        .get_or_try_init(py, || {
            let utc = PyTzInfo::utc(py)?;
            PyDateTime::new(py, 1970, 1, 1, 0, 0, 0, 0, Some(&utc)).map(Bound::unbind)
        })
        .map(|e| e.bind(py))
}

/// Milliseconds since the epoch → aware `datetime` (UTC), exactly.
fn datetime_of(py: Python<'_>, ms: i64) -> PyResult<Py<PyAny>> {
    let days = i32::try_from(ms.div_euclid(86_400_000))
        .map_err(|_| internal(format!("instant {ms} ms is out of range")))?;
    let rest = ms.rem_euclid(86_400_000);
    let delta = PyDelta::new(
        py,
        days,
        (rest / 1000) as i32,
        ((rest % 1000) * 1000) as i32,
        false,
    )?;
    Ok(epoch(py)?.add(delta)?.unbind())
}

/// Aware `datetime` → milliseconds since the epoch (sub-millisecond part dropped).
fn millis_of(dt: &Bound<'_, PyAny>) -> PyResult<Value> {
    if dt.getattr("tzinfo")?.is_none() || dt.call_method0("utcoffset")?.is_none() {
        return Err(bad_arg(
            "value",
            "a naive datetime has no time zone; give it one (e.g. tzinfo=timezone.utc)",
        ));
    }
    let py = dt.py();
    let one_ms = PyDelta::new(py, 0, 0, 1000, false)?;
    let ms: i64 = dt.sub(epoch(py)?)?.floor_div(one_ms)?.extract()?;
    Ok(Value::from(ms))
}

/// Python value → JSON (dict, list, tuple, str, int, float, bool, None).
/// With `dates`, an aware `datetime` becomes its epoch milliseconds (the
/// core's instants); the caller's own values get no such conversion, which
/// would not round-trip.
/// The deepest nesting the converter follows (the core's JSON reader stops
/// at the same depth); a list or dict that contains itself ends here too.
const MAX_DEPTH: usize = 128;

fn json_at(obj: &Bound<'_, PyAny>, dates: bool, depth: usize) -> PyResult<Value> {
    // Fast path: exact built-in types are one pointer comparison each.
    if let Ok(s) = obj.cast_exact::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = obj.cast_exact::<PyDict>() {
        return dict_json(d, dates, depth);
    }
    if obj.is_exact_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
    }
    // Subclasses, and the rarer types.
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(bad_arg(
            "value",
            "integers beyond 64 bits cannot be represented",
        ));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| bad_arg("value", format!("{v} is not a finite number")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return dict_json(d, dates, depth);
    }
    if let Ok(l) = obj.cast::<PyList>() {
        let depth = deeper(depth)?;
        return l
            .iter()
            .map(|x| json_at(&x, dates, depth))
            .collect::<PyResult<_>>()
            .map(Value::Array);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        let depth = deeper(depth)?;
        return t
            .iter()
            .map(|x| json_at(&x, dates, depth))
            .collect::<PyResult<_>>()
            .map(Value::Array);
    }
    if obj.is_instance_of::<PyDateTime>() {
        if dates {
            return millis_of(obj);
        }
        return Err(bad_arg(
            "value",
            "a datetime is not a JSON value; store an ISO-8601 string (isoformat()) or epoch milliseconds",
        ));
    }
    let type_name = obj.get_type().name()?.to_string();
    Err(bad_arg(
        "value",
        format!(
            "a {type_name} is not a JSON value (use dict, list, str, int, float, bool or None)"
        ),
    ))
}

/// One level deeper, or an error past [`MAX_DEPTH`].
fn deeper(depth: usize) -> PyResult<usize> {
    if depth >= MAX_DEPTH {
        return Err(bad_arg(
            "value",
            format!("nests lists and dicts more than {MAX_DEPTH} levels deep, or contains itself"),
        ));
    }
    Ok(depth + 1)
}

fn dict_json(d: &Bound<'_, PyDict>, dates: bool, depth: usize) -> PyResult<Value> {
    let depth = deeper(depth)?;
    let mut m = Map::with_capacity(d.len());
    for (k, v) in d.iter() {
        let key = k
            .cast::<PyString>()
            .map_err(|_| bad_arg("value", "dict keys must be strings"))?
            .to_cow()?
            .into_owned();
        m.insert(key, json_at(&v, dates, depth)?);
    }
    Ok(Value::Object(m))
}

/// JSON → Python value; integers under a `times` key become `datetime`s.
fn to_py(py: Python<'_>, v: &Value, times: Times) -> PyResult<Py<PyAny>> {
    Ok(match v {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any().unbind()
            } else {
                n.as_f64()
                    .unwrap_or(f64::NAN)
                    .into_pyobject(py)?
                    .into_any()
                    .unbind()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(a) => {
            let items = a
                .iter()
                .map(|x| to_py(py, x, times))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any().unbind()
        }
        Value::Object(m) => {
            let d = PyDict::new(py);
            for (k, x) in m {
                let item = match x.as_i64() {
                    Some(ms) if times.contains(&k.as_str()) => datetime_of(py, ms)?,
                    _ if OPAQUE.contains(&k.as_str()) => to_py(py, x, NO_TIMES)?,
                    _ => to_py(py, x, times)?,
                };
                d.set_item(k, item)?;
            }
            d.into_any().unbind()
        }
    })
}

/// The most positional arguments an operation of the table takes.
const ARGS: usize = 6;

/// The instants of each operation's result, by key (see [`Times`]).
fn times_of(op: &str) -> Times {
    match op {
        "guard.prompt" | "costs.reserve" => RESERVATION_TIMES,
        "threats.list" | "threats.summary" => THREAT_TIMES,
        "audit.query" | "audit.checkpoint" => AUDIT_TIMES,
        "memory.getEntry" | "memory.search" | "memory.export" => ENTRY_TIMES,
        "costs.report" | "metrics.generateReport" => SPAN_TIMES,
        "costs.budgetStatus" => BUDGET_TIMES,
        "metrics.query" => SERIES_TIMES,
        "metrics.activeAlerts" | "metrics.alertHistory" => ALERT_TIMES,
        "compliance.check" => COMPLIANCE_TIMES,
        _ => NO_TIMES,
    }
}

/// Parameters that hold the caller's own JSON (stored values, policies,
/// audit details): a `datetime` in them is an error, not an instant (it
/// would not read back as one). A policy `request` is JSON too, but its
/// `datetime`s are the instants the policies test.
fn opaque(name: &str, rust: &str) -> bool {
    name != "request" && (rust.contains("Value") || rust.starts_with("Map<"))
}

/// The Python form of the core's operation table (`vallum::api`):
/// positional arguments from a tuple (aware `datetime`s in typed arguments
/// become epoch milliseconds), results as Python objects (instants as
/// `datetime`s), offsets in code points (Python string indices).
struct PyWire<'a, 'py> {
    py: Python<'py>,
    op: &'a str,
    /// The positional arguments; `None` is a left-out (or `None`) argument.
    args: [Option<&'a Bound<'py, PyAny>>; ARGS],
    /// How many were given (the last one given, counted from one).
    given: usize,
    next: usize,
    /// Release the GIL while the operation runs (storage, long scans).
    release: bool,
    /// A Python exception raised while converting, raised instead of the
    /// core error that stands in for it.
    raised: Option<PyErr>,
}

impl<'a, 'py> PyWire<'a, 'py> {
    fn new(
        py: Python<'py>,
        op: &'a str,
        args: [Option<&'a Bound<'py, PyAny>>; ARGS],
        release: bool,
    ) -> Self {
        let given = args.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
        Self {
            py,
            op,
            args,
            given,
            next: 0,
            release,
            raised: None,
        }
    }

    /// Keeps `e` to raise and returns the core error that stands in for it.
    fn keep(&mut self, e: PyErr) -> Error {
        let msg = e.to_string();
        self.raised = Some(e);
        Error::invalid_arg("arguments", msg)
    }

    /// The dispatch's outcome as Python's.
    fn finish(mut self, r: vallum::Result<Py<PyAny>>) -> PyResult<Py<PyAny>> {
        match (r, self.raised.take()) {
            (Ok(v), _) => Ok(v),
            (Err(_), Some(e)) => Err(e),
            (Err(e), None) => Err(err(e)),
        }
    }
}

impl Wire for PyWire<'_, '_> {
    type Out = Py<PyAny>;

    fn arg<T: DeserializeOwned + 'static>(
        &mut self,
        name: &'static str,
        rust: &'static str,
        default: Option<fn() -> T>,
    ) -> vallum::Result<T> {
        let item = self.args.get(self.next).copied().flatten();
        self.next += 1;
        let item = item.filter(|x| !x.is_none());
        // Text parameters (most of them) straight from a `str`, and JSON
        // parameters as built (through `from_value` a `Value` would be
        // rebuilt, map by map): `slot` is an `Option<T>` exactly when the
        // types agree.
        use std::any::{Any, TypeId};
        if TypeId::of::<T>() == TypeId::of::<String>() {
            if let Some(s) = item.as_ref().and_then(|x| x.cast_exact::<PyString>().ok()) {
                let mut typed = Some(s.to_str().map_err(|e| self.keep(e))?.to_owned());
                let typed = (&mut typed as &mut dyn Any).downcast_mut::<Option<T>>();
                if let Some(t) = typed.and_then(Option::take) {
                    return Ok(t);
                }
            }
        }
        let value = match (item, default) {
            (None, Some(d)) => return Ok(d()),
            (None, None) => Value::Null,
            (Some(x), _) => match json_at(x, !opaque(name, rust), 0) {
                Ok(v) => v,
                Err(e) => return Err(self.keep(e)),
            },
        };
        let missing = value.is_null();
        let mut slot = Some(value);
        if let Some(v) = (&mut slot as &mut dyn Any).downcast_mut::<Option<T>>() {
            if let Some(v) = v.take() {
                return Ok(v);
            }
        }
        let value = slot.unwrap_or_default();
        serde_json::from_value(value).map_err(|e| {
            let message = if missing {
                format!("{}: required", self.op)
            } else {
                format!("{}: {e}", self.op)
            };
            Error::invalid_arg(name, message)
        })
    }

    fn end(&mut self, names: &[&str]) -> vallum::Result<()> {
        vallum::api::arity(self.op, names, self.given)
    }

    fn run<R: Send>(&mut self, f: impl FnOnce() -> R + Send) -> R {
        if self.release {
            self.py.detach(f)
        } else {
            f()
        }
    }

    fn out<T: Serialize + ?Sized>(&mut self, value: &T) -> vallum::Result<Py<PyAny>> {
        let times = times_of(self.op);
        let made = if times.is_empty() {
            pythonize::pythonize(self.py, value)
                .map(Bound::unbind)
                .map_err(|e| internal(format!("converting a result: {e}")))
        } else {
            serde_json::to_value(value)
                .map_err(internal)
                .and_then(|v| to_py(self.py, &v, times))
        };
        made.map_err(|e| self.keep(e))
    }

    fn offsets(&self, text: &str, byte_offsets: &[usize]) -> Vec<usize> {
        vallum::api::char_offsets(text, byte_offsets)
    }
}

/// Converts a result for an event callback.
fn out_t<T: Serialize>(py: Python<'_>, value: &T, times: Times) -> PyResult<Py<PyAny>> {
    let v = serde_json::to_value(value).map_err(internal)?;
    to_py(py, &v, times)
}

/// The core instance. Use `vallum.Vallum`, which wraps it.
#[pyclass(frozen, module = "vallum._vallum")]
struct Core {
    inner: vallum::Vallum,
    /// Set when the instance was built on a manual clock (tests, simulations).
    manual: Option<Arc<vallum::ManualClock>>,
}

#[pymethods]
impl Core {
    #[new]
    #[pyo3(signature = (config_json=None, db_path=None, master_key=None, master_key_env=None, in_memory=false, clock_ms=None, gazetteer=None))]
    #[allow(
        clippy::too_many_arguments,
        reason = "the Python constructor's keyword arguments"
    )]
    fn new(
        py: Python<'_>,
        config_json: Option<String>,
        db_path: Option<String>,
        master_key: Option<Vec<u8>>,
        master_key_env: Option<String>,
        in_memory: bool,
        clock_ms: Option<i64>,
        gazetteer: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        no_panic(|| {
            let manual = clock_ms.map(|t| Arc::new(vallum::ManualClock::new(t)));
            let clock = manual.clone();
            // None or True: the compiled-in pack; False: none; a path: that pack.
            let pack: Option<Option<std::path::PathBuf>> = match gazetteer {
                None => None,
                Some(g) if g.is_instance_of::<pyo3::types::PyBool>() => {
                    if g.is_truthy()? {
                        None
                    } else {
                        Some(None)
                    }
                }
                Some(g) => Some(Some(g.extract().map_err(|_| {
                    bad_arg(
                        "gazetteer",
                        "expected a path to a pack file, True (the built-in pack) or False (none)",
                    )
                })?)),
            };
            py.detach(|| {
                let mut b = vallum::Vallum::builder();
                if let Some(pack) = pack {
                    let pack = match pack {
                        Some(path) => Some(Arc::new(vallum::pii::Gazetteer::from_file(path)?)),
                        None => None,
                    };
                    b = b.gazetteer(pack);
                }
                if let Some(c) = clock {
                    b = b.clock(c);
                }
                if let Some(c) = config_json {
                    b = b.config_json(&c)?;
                }
                if let Some(p) = db_path {
                    b = b.sqlite(p);
                } else if in_memory {
                    b = b.in_memory();
                }
                b = match (master_key, master_key_env) {
                    // The copy of the key bytes is wiped once the core has the key.
                    (Some(mut k), _) => b.master_key(vallum::MasterKey::take_bytes(&mut k)?),
                    (None, Some(var)) => b.master_key_from_env(var),
                    (None, None) => b,
                };
                b.build()
            })
            .map(|inner| Core { inner, manual })
            .map_err(err)
        })
    }

    /// Moves a manual clock (an instance built with `clock_ms`) forward.
    fn advance_clock(&self, ms: i64) -> PyResult<()> {
        no_panic(|| match &self.manual {
            Some(c) => {
                c.advance(ms);
                Ok(())
            }
            None => Err(bad_arg(
                "clock",
                "this instance uses the system clock; build it with clock_ms to move time by hand",
            )),
        })
    }

    /// The current time of this instance's clock.
    fn now(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        no_panic(|| datetime_of(py, self.inner.clock().now_ms()))
    }

    /// Closes the store and releases its writer lock.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        no_panic(|| py.detach(|| self.inner.close()).map_err(err))
    }

    /// Runs operation `op` of the core's table with positional arguments,
    /// holding the GIL (quick, in-memory operations). Fixed optional slots
    /// rather than `*args`: no tuple is built per call.
    #[pyo3(signature = (op, a=None, b=None, c=None, d=None, e=None, f=None))]
    #[allow(
        clippy::too_many_arguments,
        reason = "one slot per positional argument"
    )]
    fn call(
        &self,
        py: Python<'_>,
        op: &str,
        a: Option<&Bound<'_, PyAny>>,
        b: Option<&Bound<'_, PyAny>>,
        c: Option<&Bound<'_, PyAny>>,
        d: Option<&Bound<'_, PyAny>>,
        e: Option<&Bound<'_, PyAny>>,
        f: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        self.run(py, op, [a, b, c, d, e, f], false)
    }

    /// As `call`, with the GIL released while the operation runs (storage,
    /// long texts): other Python threads run meanwhile.
    #[pyo3(signature = (op, a=None, b=None, c=None, d=None, e=None, f=None))]
    #[allow(
        clippy::too_many_arguments,
        reason = "one slot per positional argument"
    )]
    fn call_blocking(
        &self,
        py: Python<'_>,
        op: &str,
        a: Option<&Bound<'_, PyAny>>,
        b: Option<&Bound<'_, PyAny>>,
        c: Option<&Bound<'_, PyAny>>,
        d: Option<&Bound<'_, PyAny>>,
        e: Option<&Bound<'_, PyAny>>,
        f: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        self.run(py, op, [a, b, c, d, e, f], true)
    }

    fn rotate_master_key(&self, py: Python<'_>, mut new_key: Vec<u8>) -> PyResult<usize> {
        no_panic(|| {
            let k = vallum::MasterKey::take_bytes(&mut new_key).map_err(err)?;
            py.detach(|| self.inner.rotate_master_key(&k)).map_err(err)
        })
    }

    // --- host recognizers ---------------------------------------------------
    /// Plugs in `recognize(text) -> spans` under `name`, reporting
    /// `entities`; offsets count `chars` (Python string indices, spaCy's
    /// `start_char`), `utf16` or `bytes`.
    #[pyo3(signature = (name, recognize, entities, offsets="chars"))]
    fn add_recognizer(
        &self,
        name: &str,
        recognize: Py<PyAny>,
        entities: Vec<String>,
        offsets: &str,
    ) -> PyResult<()> {
        no_panic(|| {
            let unit = vallum::pii::Offsets::parse(offsets).map_err(err)?;
            let r = Arc::new(PyRecognizer(recognize));
            self.inner
                .pii()
                .add_recognizer(name, &entities, unit, r)
                .map_err(err)
        })
    }

    /// Removes a host recognizer; whether there was one.
    fn remove_recognizer(&self, name: &str) -> bool {
        self.inner.pii().remove_recognizer(name)
    }

    // --- events ------------------------------------------------------------
    /// Calls `callback(event: dict)` for events of `kind` (None: all) until the
    /// returned handle's `close()` (or its collection). Exceptions raised by
    /// the callback are reported with `sys.unraisablehook`, never propagated.
    #[pyo3(signature = (kind, callback))]
    fn subscribe(&self, kind: Option<&str>, callback: Py<PyAny>) -> PyResult<Subscription> {
        no_panic(|| {
            let kind = kind
                .map(vallum::EventKind::parse)
                .transpose()
                .map_err(err)?;
            let cb = Arc::new(callback);
            let sub = self.inner.subscribe(kind, move |e| {
                Python::attach(|py| {
                    let event = match out_t(py, e, EVENT_TIMES) {
                        Ok(ev) => ev,
                        Err(x) => {
                            x.write_unraisable(py, None);
                            return;
                        }
                    };
                    if let Err(x) = cb.call1(py, (event,)) {
                        x.write_unraisable(py, Some(cb.bind(py)));
                    }
                });
            });
            Ok(Subscription {
                inner: parking_lot::Mutex::new(Some(sub)),
            })
        })
    }
}

impl Core {
    /// One operation of the table over the given argument slots.
    fn run<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        slots: [Option<&Bound<'py, PyAny>>; ARGS],
        release: bool,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let mut w = PyWire::new(py, op, slots, release);
            let r = vallum::api::dispatch(&self.inner, op, &mut w);
            w.finish(r)
        })
    }
}

/// A Python callable as a host recognizer. It returns an iterable of
/// spans, each a tuple `(entity, start, end[, score])`, a mapping with those
/// keys, or an object with `label_`, `start_char` and `end_char` (a spaCy
/// `Span`). An exception it raises fails the detection.
struct PyRecognizer(Py<PyAny>);

impl PyRecognizer {
    fn span(item: &Bound<'_, PyAny>) -> PyResult<vallum::pii::HostSpan> {
        let score = |v: Option<Bound<'_, PyAny>>| -> PyResult<Option<f32>> {
            match v {
                Some(v) if !v.is_none() => Ok(Some(v.extract::<f32>()?)),
                _ => Ok(None),
            }
        };
        if let Ok(d) = item.cast::<PyDict>() {
            let get = |k: &str| -> PyResult<Bound<'_, PyAny>> {
                d.get_item(k)?
                    .ok_or_else(|| bad_arg("recognizer", format!("a span has no '{k}'")))
            };
            return Ok(vallum::pii::HostSpan {
                entity: get("entity")?.extract()?,
                start: get("start")?.extract()?,
                end: get("end")?.extract()?,
                score: score(d.get_item("score")?)?,
            });
        }
        if let Ok(t) = item.cast::<PyTuple>() {
            if !(3..=4).contains(&t.len()) {
                return Err(bad_arg(
                    "recognizer",
                    "a span tuple is (entity, start, end) or (entity, start, end, score)",
                ));
            }
            return Ok(vallum::pii::HostSpan {
                entity: t.get_item(0)?.extract()?,
                start: t.get_item(1)?.extract()?,
                end: t.get_item(2)?.extract()?,
                score: score(t.get_item(3).ok())?,
            });
        }
        if item.hasattr("label_")? && item.hasattr("start_char")? {
            return Ok(vallum::pii::HostSpan {
                entity: item.getattr("label_")?.extract()?,
                start: item.getattr("start_char")?.extract()?,
                end: item.getattr("end_char")?.extract()?,
                score: None,
            });
        }
        Err(bad_arg(
            "recognizer",
            format!(
                "a span must be a tuple, a dict or a spaCy Span, not {}",
                item.get_type().name()?
            ),
        ))
    }
}

impl vallum::pii::HostRecognizer for PyRecognizer {
    fn recognize(&self, text: &str) -> vallum::Result<Vec<vallum::pii::HostSpan>> {
        Python::attach(|py| {
            let run = || -> PyResult<Vec<vallum::pii::HostSpan>> {
                let out = self.0.call1(py, (text,))?;
                let mut spans = Vec::new();
                for item in out.bind(py).try_iter()? {
                    spans.push(Self::span(&item?)?);
                }
                Ok(spans)
            };
            run().map_err(|e| Error::invalid_arg("recognizer", e.to_string()))
        })
    }
}

/// A live subscription; `close()` ends it.
#[pyclass(frozen, module = "vallum._vallum")]
struct Subscription {
    inner: parking_lot::Mutex<Option<vallum::Subscription>>,
}

#[pymethods]
impl Subscription {
    fn close(&self) {
        self.inner.lock().take();
    }
}

/// Runs a static operation of the core's table (no instance needed).
#[pyfunction]
#[pyo3(signature = (op, a=None))]
fn call_static(py: Python<'_>, op: &str, a: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
    no_panic(|| {
        let mut w = PyWire::new(py, op, [a, None, None, None, None, None], false);
        let r = vallum::api::dispatch_static((), op, &mut w);
        w.finish(r)
    })
}

/// Panics inside a binding call: the tests check that a Rust panic reaches
/// Python as `vallum.InternalError` (the core itself has no panicking path
/// to trigger on purpose).
#[pyfunction]
#[allow(clippy::panic, reason = "the panic is the point: it tests the guard")]
fn _panic_for_tests(message: &str) -> PyResult<()> {
    no_panic(|| panic!("{message}"))
}

/// Raises the exception the binding makes for error code `code` (the
/// tests check every code of `ERROR_CODES` has its class).
#[pyfunction]
fn _raise_for_tests(code: &str) -> PyResult<()> {
    match ErrorCode::from_name(code) {
        Some(c) => Err(raise(c, format!("raised for code {code}"))),
        None => Err(raise(
            ErrorCode::InvalidArgument,
            format!("`{code}` is not an error code"),
        )),
    }
}

#[pymodule]
fn _vallum(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", vallum::VERSION)?;
    m.add("ENTITIES", vallum::pii::ENTITIES.to_vec())?;
    m.add("ERROR_CODES", ErrorCode::names())?;
    m.add_class::<Core>()?;
    m.add_class::<Subscription>()?;
    m.add("VallumError", py.get_type::<VallumError>())?;
    add_exceptions(m)?;
    m.add_function(wrap_pyfunction!(call_static, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(_raise_for_tests, m)?)?;
    Ok(())
}
