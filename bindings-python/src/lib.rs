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
/// core's instants); stored values get no such conversion, which would not
/// round-trip.
fn to_json(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    json_of(obj, false)
}

/// The deepest nesting the converter follows (the core's JSON reader stops
/// at the same depth); a list or dict that contains itself ends here too.
const MAX_DEPTH: usize = 128;

fn json_of(obj: &Bound<'_, PyAny>, dates: bool) -> PyResult<Value> {
    json_at(obj, dates, 0)
}

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

/// Runs a core call with the GIL released and converts its result.
fn call<T: Serialize + Send>(
    py: Python<'_>,
    times: Times,
    f: impl FnOnce() -> vallum::Result<T> + Send,
) -> PyResult<Py<PyAny>> {
    let v = py.detach(f).map_err(err)?;
    out_t(py, &v, times)
}

fn out<T: Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    out_t(py, value, NO_TIMES)
}

fn out_t<T: Serialize>(py: Python<'_>, value: &T, times: Times) -> PyResult<Py<PyAny>> {
    let v = serde_json::to_value(value).map_err(internal)?;
    to_py(py, &v, times)
}

/// A typed argument; aware `datetime`s in it become epoch milliseconds.
fn arg<T: DeserializeOwned>(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<T> {
    serde_json::from_value(json_of(obj, true)?).map_err(|e| bad_arg(what, e))
}

fn context(obj: &Bound<'_, PyAny>) -> PyResult<vallum::Context> {
    let v = to_json(obj)?;
    let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let org = field("organization").ok_or_else(|| bad_arg("context", "needs an `organization`"))?;
    let mut ctx = vallum::Context::new(org);
    if let Some(u) = field("user") {
        ctx = ctx.with_user(u);
    }
    if let Some(s) = field("session") {
        ctx = ctx.with_session(s);
    }
    match v.get("permissions") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for p in list {
                let p = p
                    .as_str()
                    .ok_or_else(|| bad_arg("context", "`permissions` must be a list of strings"))?;
                ctx = ctx.with_permission(p);
            }
        }
        Some(_) => {
            return Err(bad_arg(
                "context",
                "`permissions` must be a list of strings",
            ))
        }
    }
    Ok(ctx)
}

fn context_and_scope(
    ctx: &Bound<'_, PyAny>,
    name: &str,
) -> PyResult<(vallum::Context, vallum::Scope)> {
    Ok((context(ctx)?, scope(name)?))
}

fn scope(name: &str) -> PyResult<vallum::Scope> {
    vallum::Scope::parse(name).map_err(err)
}

/// Findings with Python string offsets (code points) as `start`/`end`.
fn findings(py: Python<'_>, list: &[vallum::pii::Finding]) -> PyResult<Py<PyAny>> {
    let v: Vec<Value> = list
        .iter()
        .map(|f| {
            serde_json::json!({"entity": f.entity, "start": f.char_start, "end": f.char_end,
                               "score": f.score, "recognizer": f.recognizer})
        })
        .collect();
    to_py(py, &Value::Array(v), NO_TIMES)
}

/// Replaces byte offsets with code-point offsets in a serialized verdict's findings.
fn python_offsets(v: &mut Value, key: &str) {
    if let Some(list) = v.get_mut(key).and_then(Value::as_array_mut) {
        for f in list {
            if let Some(m) = f.as_object_mut() {
                let cs = m.remove("charStart");
                let ce = m.remove("charEnd");
                if let (Some(cs), Some(ce)) = (cs, ce) {
                    m.insert("start".into(), cs);
                    m.insert("end".into(), ce);
                }
            }
        }
    }
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
    #[pyo3(signature = (config_json=None, db_path=None, master_key=None, master_key_env=None, in_memory=false, clock_ms=None))]
    fn new(
        py: Python<'_>,
        config_json: Option<String>,
        db_path: Option<String>,
        master_key: Option<Vec<u8>>,
        master_key_env: Option<String>,
        in_memory: bool,
        clock_ms: Option<i64>,
    ) -> PyResult<Self> {
        no_panic(|| {
            let manual = clock_ms.map(|t| Arc::new(vallum::ManualClock::new(t)));
            let clock = manual.clone();
            py.detach(|| {
                let mut b = vallum::Vallum::builder();
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

    fn master_key_id(&self) -> PyResult<String> {
        no_panic(|| Ok(self.inner.master_key_id()))
    }

    /// (subscriber panics, dropped events) since start.
    fn event_health(&self) -> PyResult<(u64, u64)> {
        no_panic(|| Ok((self.inner.subscriber_panics(), self.inner.dropped_events())))
    }

    // --- guard -----------------------------------------------------------
    fn guard_prompt(&self, py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let input: vallum::guard::PromptInput = arg("input", input)?;
            let v = py.detach(|| self.inner.guard_prompt(&input)).map_err(err)?;
            let mut j = serde_json::to_value(&v).map_err(internal)?;
            python_offsets(&mut j, "findings");
            to_py(py, &j, RESERVATION_TIMES)
        })
    }

    fn guard_response(&self, py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let input: vallum::guard::ResponseInput = arg("input", input)?;
            let v = py
                .detach(|| self.inner.guard_response(&input))
                .map_err(err)?;
            let mut j = serde_json::to_value(&v).map_err(internal)?;
            python_offsets(&mut j, "leaked");
            to_py(py, &j, NO_TIMES)
        })
    }

    // --- pii ---------------------------------------------------------------
    fn pii_detect(&self, py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let f = py.detach(|| self.inner.pii().detect(text));
            findings(py, &f)
        })
    }

    #[pyo3(signature = (text, entities=None, threshold=None, context=true, resolve_overlaps=true))]
    fn pii_detect_with(
        &self,
        py: Python<'_>,
        text: &str,
        entities: Option<Vec<String>>,
        threshold: Option<f32>,
        context: bool,
        resolve_overlaps: bool,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let mut o = vallum::pii::DetectOptions::default()
                .context(context)
                .resolve_overlaps(resolve_overlaps);
            if let Some(e) = entities {
                o = o.entities(e);
            }
            if let Some(t) = threshold {
                o = o.threshold(t);
            }
            let f = py.detach(|| self.inner.pii().detect_with(text, &o));
            findings(py, &f)
        })
    }

    /// The entity's check-digit validator on a bare value (None: no validator).
    fn pii_validate(&self, entity: &str, text: &str) -> PyResult<Option<bool>> {
        no_panic(|| Ok(self.inner.pii().detector().validate(entity, text)))
    }

    #[pyo3(signature = (text, ctx=None))]
    fn pii_mask(
        &self,
        py: Python<'_>,
        text: &str,
        ctx: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let ctx = ctx.map(context).transpose()?;
            let m = py
                .detach(|| match &ctx {
                    Some(c) => self.inner.pii().mask_for(c, text),
                    None => self.inner.pii().mask(text),
                })
                .map_err(err)?;
            let d = PyDict::new(py);
            d.set_item("text", &m.text)?;
            d.set_item("findings", findings(py, &m.findings)?)?;
            Ok(d.into_any().unbind())
        })
    }

    fn pii_mask_in_session(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        text: &str,
    ) -> PyResult<String> {
        no_panic(|| {
            let ctx = context(ctx)?;
            py.detach(|| self.inner.pii().mask_in_session(&ctx, text))
                .map(|m| m.text)
                .map_err(err)
        })
    }

    fn pii_unmask_in_session(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        text: &str,
    ) -> PyResult<String> {
        no_panic(|| {
            let ctx = context(ctx)?;
            py.detach(|| self.inner.pii().unmask_in_session(&ctx, text))
                .map_err(err)
        })
    }

    // --- policy, rbac, limits, threats ---------------------------------------
    #[pyo3(signature = (request, audited_by=None))]
    fn evaluate_request(
        &self,
        py: Python<'_>,
        request: &Bound<'_, PyAny>,
        audited_by: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let r = json_of(request, true)?;
            let d = match audited_by {
                Some(actor) => py
                    .detach(|| self.inner.evaluate_request_audited(&r, actor))
                    .map_err(err)?,
                None => self.inner.evaluate_request(&r),
            };
            out(py, &d)
        })
    }

    fn add_policy(&self, policy: &Bound<'_, PyAny>) -> PyResult<String> {
        no_panic(|| {
            self.inner
                .policies()
                .add_json(to_json(policy)?)
                .map_err(err)
        })
    }

    fn update_policy(&self, id: &str, patch: &Bound<'_, PyAny>) -> PyResult<()> {
        no_panic(|| {
            self.inner
                .policies()
                .update(id, to_json(patch)?)
                .map_err(err)
        })
    }

    fn remove_policy(&self, id: &str) -> PyResult<bool> {
        no_panic(|| self.inner.policies().remove(id).map_err(err))
    }

    fn get_policy(&self, py: Python<'_>, id: &str) -> PyResult<Py<PyAny>> {
        no_panic(|| out(py, &self.inner.policies().get(id)))
    }

    fn list_policies(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        no_panic(|| out(py, &self.inner.policies().list()))
    }

    fn has_permission(&self, principal: &Bound<'_, PyAny>, permission: &str) -> PyResult<bool> {
        no_panic(|| {
            let p: vallum::policy::Principal = arg("principal", principal)?;
            Ok(self.inner.has_permission(&p, permission))
        })
    }

    fn roles_of(&self, principal: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        no_panic(|| {
            let p: vallum::policy::Principal = arg("principal", principal)?;
            Ok(self.inner.rbac().roles_of(&p).into_iter().collect())
        })
    }

    fn cost_center(&self, principal: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
        no_panic(|| {
            let p: vallum::policy::Principal = arg("principal", principal)?;
            Ok(self.inner.rbac().cost_center(&p))
        })
    }

    fn rate_check(&self, py: Python<'_>, name: &str, key: &str) -> PyResult<Py<PyAny>> {
        no_panic(|| out(py, &self.inner.limits().check(name, key).map_err(err)?))
    }

    fn threat_scan(&self, py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let s = py.detach(|| self.inner.threats().scan(text));
            out(py, &s)
        })
    }

    fn threat_scan_and_record(
        &self,
        py: Python<'_>,
        text: &str,
        source: &str,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            call(py, NO_TIMES, || {
                self.inner.threats().scan_and_record(text, source)
            })
        })
    }

    fn report_threat(&self, py: Python<'_>, threat: &Bound<'_, PyAny>) -> PyResult<String> {
        no_panic(|| {
            let t: vallum::policy::ThreatRecord = arg("threat", threat)?;
            py.detach(|| self.inner.threats().report_threat(t))
                .map_err(err)
        })
    }

    fn threats(&self, py: Python<'_>, period: &str) -> PyResult<Py<PyAny>> {
        no_panic(|| call(py, THREAT_TIMES, || self.inner.threats().threats(period)))
    }

    fn threat_summary(&self, py: Python<'_>, period: &str) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            call(py, THREAT_TIMES, || {
                self.inner.threats().threat_summary(period)
            })
        })
    }

    // --- audit -------------------------------------------------------------
    #[pyo3(signature = (actor, action, resource, outcome, details=None))]
    fn audit_append(
        &self,
        py: Python<'_>,
        actor: &str,
        action: &str,
        resource: &str,
        outcome: &str,
        details: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        no_panic(|| {
            let mut e = vallum::audit::AuditEntry::new(actor, action, resource, outcome);
            if let Some(d) = details {
                e = e.details(to_json(d)?);
            }
            py.detach(|| self.inner.audit().append(e)).map_err(err)
        })
    }

    fn audit_query(&self, py: Python<'_>, filter: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let f: vallum::storage::AuditFilter = arg("filter", filter)?;
            call(py, AUDIT_TIMES, || self.inner.audit().query(&f))
        })
    }

    fn audit_verify(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        no_panic(|| call(py, NO_TIMES, || self.inner.audit().verify()))
    }

    fn audit_checkpoint(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        no_panic(|| call(py, AUDIT_TIMES, || self.inner.audit().checkpoint()))
    }

    fn audit_verify_against(
        &self,
        py: Python<'_>,
        checkpoint: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let c: vallum::audit::Checkpoint = arg("checkpoint", checkpoint)?;
            call(py, NO_TIMES, || self.inner.audit().verify_against(&c))
        })
    }

    fn audit_purge_expired(&self, py: Python<'_>) -> PyResult<u64> {
        no_panic(|| {
            py.detach(|| self.inner.audit().purge_expired())
                .map_err(err)
        })
    }

    /// The log as JSON text (`csv=False`) or CSV, filtered.
    #[pyo3(signature = (filter, csv=false))]
    fn audit_export(
        &self,
        py: Python<'_>,
        filter: &Bound<'_, PyAny>,
        csv: bool,
    ) -> PyResult<String> {
        no_panic(|| {
            let f: vallum::storage::AuditFilter = arg("filter", filter)?;
            py.detach(|| {
                if csv {
                    self.inner.audit().export_csv(&f)
                } else {
                    self.inner.audit().export_json(&f)
                }
            })
            .map_err(err)
        })
    }

    fn audit_verify_records(
        &self,
        py: Python<'_>,
        records: &Bound<'_, PyAny>,
        start_seq: u64,
        start_prev: &str,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let rows: Vec<vallum::storage::AuditRow> = arg("records", records)?;
            call(py, NO_TIMES, || {
                self.inner
                    .audit()
                    .verify_records(&rows, start_seq, start_prev)
            })
        })
    }

    // --- memory ------------------------------------------------------------
    #[pyo3(signature = (ctx, scope_name, key, value, options=None))]
    fn memory_set(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        scope_name: &str,
        key: &str,
        value: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        no_panic(|| {
            let ctx = context(ctx)?;
            let value = to_json(value)?;
            let opts = set_options(options)?;
            let s = scope(scope_name)?;
            py.detach(|| self.inner.memory().set(&ctx, s, key, value, &opts))
                .map_err(err)
        })
    }

    fn memory_get(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        scope_name: &str,
        key: &str,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let (ctx, s) = context_and_scope(ctx, scope_name)?;
            match py
                .detach(|| self.inner.memory().get(&ctx, s, key))
                .map_err(err)?
            {
                Some(v) => to_py(py, &v, NO_TIMES),
                None => Ok(py.None()),
            }
        })
    }

    fn memory_get_entry(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        scope_name: &str,
        key: &str,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let (ctx, s) = context_and_scope(ctx, scope_name)?;
            call(py, ENTRY_TIMES, || {
                self.inner.memory().get_entry(&ctx, s, key)
            })
        })
    }

    fn memory_remove(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        scope_name: &str,
        key: &str,
    ) -> PyResult<bool> {
        no_panic(|| {
            let (ctx, s) = context_and_scope(ctx, scope_name)?;
            py.detach(|| self.inner.memory().remove(&ctx, s, key))
                .map_err(err)
        })
    }

    fn memory_clear_scope(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        scope_name: &str,
    ) -> PyResult<u64> {
        no_panic(|| {
            let (ctx, s) = context_and_scope(ctx, scope_name)?;
            py.detach(|| self.inner.memory().clear_scope(&ctx, s))
                .map_err(err)
        })
    }

    fn memory_get_batch(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        scope_name: &str,
        keys: Vec<String>,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let (ctx, s) = context_and_scope(ctx, scope_name)?;
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            let m = py
                .detach(|| self.inner.memory().get_batch(&ctx, s, &keys))
                .map_err(err)?;
            let d = PyDict::new(py);
            for (k, v) in &m {
                d.set_item(k, to_py(py, v, NO_TIMES)?)?;
            }
            Ok(d.into_any().unbind())
        })
    }

    #[pyo3(signature = (ctx, scope_name, items, options=None))]
    fn memory_set_batch(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        scope_name: &str,
        items: &Bound<'_, PyDict>,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        no_panic(|| {
            let (ctx, s) = context_and_scope(ctx, scope_name)?;
            let opts = set_options(options)?;
            let mut pairs = Vec::with_capacity(items.len());
            for (k, v) in items.iter() {
                let key: String = k
                    .extract()
                    .map_err(|_| bad_arg("items", "keys must be strings"))?;
                pairs.push((key, to_json(&v)?));
            }
            py.detach(|| self.inner.memory().set_batch(&ctx, s, pairs, &opts))
                .map_err(err)
        })
    }

    fn memory_search(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        scope_name: &str,
        query: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let (ctx, s) = context_and_scope(ctx, scope_name)?;
            let q: vallum::memory::SearchQuery = arg("query", query)?;
            call(py, ENTRY_TIMES, || self.inner.memory().search(&ctx, s, &q))
        })
    }

    fn memory_resolve(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        key: &str,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let ctx = context(ctx)?;
            call(py, NO_TIMES, || self.inner.memory().resolve(&ctx, key))
        })
    }

    fn memory_export(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        subject: &str,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let ctx = context(ctx)?;
            let subject = parse_subject(subject)?;
            call(py, ENTRY_TIMES, || {
                self.inner.memory().export(&ctx, subject)
            })
        })
    }

    fn memory_forget(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        subject: &str,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let ctx = context(ctx)?;
            let subject = parse_subject(subject)?;
            call(py, NO_TIMES, || self.inner.memory().forget(&ctx, subject))
        })
    }

    #[pyo3(signature = (scope_name=None))]
    fn memory_stats(&self, py: Python<'_>, scope_name: Option<&str>) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let s = scope_name.map(scope).transpose()?;
            call(py, NO_TIMES, || self.inner.memory().stats(s))
        })
    }

    fn memory_optimize(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        no_panic(|| call(py, NO_TIMES, || self.inner.memory().optimize()))
    }

    fn memory_rotate_data_key(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        scope_name: &str,
    ) -> PyResult<u64> {
        no_panic(|| {
            let (ctx, s) = context_and_scope(ctx, scope_name)?;
            py.detach(|| self.inner.memory().rotate_data_key(&ctx, s))
                .map_err(err)
        })
    }

    // --- costs ---------------------------------------------------------------
    fn record_usage(&self, py: Python<'_>, usage: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let u: vallum::cost::Usage = arg("usage", usage)?;
            call(py, NO_TIMES, || self.inner.costs().record_usage(&u))
        })
    }

    fn estimate_cost(&self, py: Python<'_>, usage: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let u: vallum::cost::Usage = arg("usage", usage)?;
            out(py, &self.inner.costs().estimate(&u).map_err(err)?)
        })
    }

    fn reserve(&self, py: Python<'_>, usage: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let u: vallum::cost::Usage = arg("usage", usage)?;
            call(py, RESERVATION_TIMES, || self.inner.costs().reserve(&u))
        })
    }

    fn settle(
        &self,
        py: Python<'_>,
        reservation: &Bound<'_, PyAny>,
        usage: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let r: vallum::cost::Reservation = arg("reservation", reservation)?;
            let u: vallum::cost::Usage = arg("usage", usage)?;
            call(py, NO_TIMES, || self.inner.costs().settle(&r, &u))
        })
    }

    fn release_reservation(&self, reservation: &Bound<'_, PyAny>) -> PyResult<bool> {
        no_panic(|| {
            let r: vallum::cost::Reservation = arg("reservation", reservation)?;
            Ok(self.inner.costs().release(&r))
        })
    }

    fn cost_report(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let r: vallum::cost::ReportRequest = arg("request", request)?;
            call(py, SPAN_TIMES, || self.inner.costs().report(&r))
        })
    }

    fn budget_status(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        no_panic(|| call(py, BUDGET_TIMES, || self.inner.costs().budget_status()))
    }

    fn add_budgets(&self, budgets: &Bound<'_, PyAny>) -> PyResult<()> {
        no_panic(|| {
            let b: Vec<vallum::cost::Budget> = arg("budgets", budgets)?;
            self.inner.costs().add_budgets(b).map_err(err)
        })
    }

    fn budgets(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        no_panic(|| out(py, &self.inner.costs().budgets()))
    }

    #[pyo3(signature = (user, tier=None, organization=None))]
    fn set_user_tier(
        &self,
        user: &str,
        tier: Option<&str>,
        organization: Option<&str>,
    ) -> PyResult<()> {
        no_panic(|| {
            match organization {
                Some(o) => self.inner.costs().set_user_tier_in(o, user, tier),
                None => self.inner.costs().set_user_tier(user, tier),
            }
            Ok(())
        })
    }

    fn load_litellm_prices(&self, py: Python<'_>, json: &str) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            call(py, NO_TIMES, || {
                self.inner.costs().load_litellm_prices(json)
            })
        })
    }

    // --- metrics -------------------------------------------------------------
    #[pyo3(signature = (name, value, labels=None))]
    fn record_metric(
        &self,
        name: &str,
        value: f64,
        labels: Option<Vec<(String, String)>>,
    ) -> PyResult<()> {
        no_panic(|| {
            with_labels(labels, |l| {
                self.inner.metrics().record_metric(name, value, l)
            })
        })
    }

    #[pyo3(signature = (name, by=1.0, labels=None))]
    fn increment(
        &self,
        name: &str,
        by: f64,
        labels: Option<Vec<(String, String)>>,
    ) -> PyResult<()> {
        no_panic(|| with_labels(labels, |l| self.inner.metrics().increment(name, by, l)))
    }

    #[pyo3(signature = (name, value, labels=None))]
    fn set_gauge(
        &self,
        name: &str,
        value: f64,
        labels: Option<Vec<(String, String)>>,
    ) -> PyResult<()> {
        no_panic(|| with_labels(labels, |l| self.inner.metrics().set_gauge(name, value, l)))
    }

    fn query_metrics(&self, py: Python<'_>, query: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let q: vallum::metrics::Query = arg("query", query)?;
            out_t(
                py,
                &self.inner.metrics().query(&q).map_err(err)?,
                SERIES_TIMES,
            )
        })
    }

    fn record_user_journey(&self, step: &Bound<'_, PyAny>) -> PyResult<()> {
        no_panic(|| {
            let s: vallum::metrics::JourneyStep = arg("step", step)?;
            self.inner.metrics().record_user_journey(&s).map_err(err)
        })
    }

    fn journey_stats(
        &self,
        py: Python<'_>,
        start: &Bound<'_, PyAny>,
        end: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            let s: vallum::metrics::TimePoint = arg("start", start)?;
            let e: vallum::metrics::TimePoint = arg("end", end)?;
            out(
                py,
                &self.inner.metrics().journey_stats(&s, &e).map_err(err)?,
            )
        })
    }

    /// (health score 0–100, healthy).
    fn health(&self) -> PyResult<(u8, bool)> {
        no_panic(|| {
            let m = self.inner.metrics();
            Ok((m.overall_score(), m.is_healthy()))
        })
    }

    fn generate_report(&self, py: Python<'_>, period: &str) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            call(py, SPAN_TIMES, || {
                self.inner.metrics().generate_report(period)
            })
        })
    }

    fn add_alert_rule(&self, rule: &Bound<'_, PyAny>) -> PyResult<()> {
        no_panic(|| {
            let r: vallum::metrics::AlertRule = arg("rule", rule)?;
            self.inner.metrics().add_alert_rule(r).map_err(err)
        })
    }

    fn remove_alert_rule(&self, name: &str) -> PyResult<bool> {
        no_panic(|| Ok(self.inner.metrics().remove_alert_rule(name)))
    }

    fn alert_rules(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        no_panic(|| out(py, &self.inner.metrics().alert_rules()))
    }

    fn active_alerts(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        no_panic(|| out_t(py, &self.inner.metrics().active_alerts(), ALERT_TIMES))
    }

    fn alert_history(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        no_panic(|| out_t(py, &self.inner.metrics().alert_history(), ALERT_TIMES))
    }

    fn acknowledge_alert(&self, id: &str, by: &str) -> PyResult<()> {
        no_panic(|| self.inner.metrics().acknowledge_alert(id, by).map_err(err))
    }

    fn prometheus(&self, py: Python<'_>) -> PyResult<String> {
        no_panic(|| py.detach(|| self.inner.prometheus()).map_err(err))
    }

    // --- compliance, keys ------------------------------------------------------
    fn compliance_check(&self, py: Python<'_>, framework: &str) -> PyResult<Py<PyAny>> {
        no_panic(|| {
            call(py, COMPLIANCE_TIMES, || {
                self.inner.compliance_check(framework)
            })
        })
    }

    fn rotate_master_key(&self, py: Python<'_>, mut new_key: Vec<u8>) -> PyResult<usize> {
        no_panic(|| {
            let k = vallum::MasterKey::take_bytes(&mut new_key).map_err(err)?;
            py.detach(|| self.inner.rotate_master_key(&k)).map_err(err)
        })
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

fn set_options(options: Option<&Bound<'_, PyAny>>) -> PyResult<vallum::SetOptions> {
    match options {
        Some(o) => arg("options", o),
        None => Ok(vallum::SetOptions::default()),
    }
}

fn parse_subject(subject: &str) -> PyResult<vallum::Subject> {
    serde_json::from_value(Value::String(subject.into())).map_err(|_| {
        bad_arg(
            "subject",
            format!("`{subject}` is not session, user or organization"),
        )
    })
}

fn with_labels(
    labels: Option<Vec<(String, String)>>,
    f: impl FnOnce(&[(&str, &str)]) -> vallum::Result<()>,
) -> PyResult<()> {
    let labels = labels.unwrap_or_default();
    let l: Vec<(&str, &str)> = labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    f(&l).map_err(err)
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

/// Every error in a configuration (JSON text) with its path.
#[pyfunction]
fn validate_config(py: Python<'_>, json: &str) -> PyResult<Py<PyAny>> {
    no_panic(|| out(py, &vallum::config::validate_json(json)))
}

/// A base configuration (JSON text) migrated to a full one.
#[pyfunction]
fn migrate_config(py: Python<'_>, json: &str) -> PyResult<Py<PyAny>> {
    no_panic(|| {
        let v: Value = serde_json::from_str(json).map_err(|e| bad_arg("config", e))?;
        let c = vallum::config::migrate(&v).map_err(err)?;
        to_py(py, &c.to_json_value(), NO_TIMES)
    })
}

/// A full enterprise configuration from a partial one (JSON text).
#[pyfunction]
fn create_enterprise_config(py: Python<'_>, json: &str) -> PyResult<Py<PyAny>> {
    no_panic(|| {
        let v: Value = serde_json::from_str(json).map_err(|e| bad_arg("config", e))?;
        let c = vallum::config::create_enterprise_config(&v).map_err(err)?;
        to_py(py, &c.to_json_value(), NO_TIMES)
    })
}

/// Opens one stored value (the crypto known-answer procedure).
#[pyfunction]
#[allow(clippy::too_many_arguments, reason = "the vector's fields, one by one")]
fn open_stored_value(
    py: Python<'_>,
    master_key: &str,
    scope_name: &str,
    owner: &str,
    key: &str,
    data_key_id: u32,
    wrapped: Vec<u8>,
    blob: Vec<u8>,
) -> PyResult<Py<PyAny>> {
    no_panic(|| {
        let master = vallum::MasterKey::from_encoded(master_key).map_err(err)?;
        let v = vallum::memory::open_stored_value(
            &master,
            scope(scope_name)?,
            owner,
            key,
            data_key_id,
            &wrapped,
            &blob,
        )
        .map_err(err)?;
        to_py(py, &v, NO_TIMES)
    })
}

/// The price of `usage` from the bundled catalog.
#[pyfunction]
fn compute_charge(py: Python<'_>, usage: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    no_panic(|| {
        let u: vallum::cost::Usage = arg("usage", usage)?;
        let catalog = vallum::cost::PriceCatalog::bundled().map_err(err)?;
        let price = catalog.price(&u.model).map_err(err)?;
        let c = vallum::cost::compute_charge(&u, price).map_err(err)?;
        let mut j = serde_json::to_value(&c).map_err(internal)?;
        // The exact pico-dollar total can exceed 2^64: keep it a string.
        j["costPicos"] = Value::String(c.cost_picos.to_string());
        to_py(py, &j, NO_TIMES)
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
    m.add_function(wrap_pyfunction!(validate_config, m)?)?;
    m.add_function(wrap_pyfunction!(migrate_config, m)?)?;
    m.add_function(wrap_pyfunction!(create_enterprise_config, m)?)?;
    m.add_function(wrap_pyfunction!(open_stored_value, m)?)?;
    m.add_function(wrap_pyfunction!(compute_charge, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(_raise_for_tests, m)?)?;
    Ok(())
}
