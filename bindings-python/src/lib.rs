//! `vallum._vallum`: the Python extension module. It converts Python values
//! to and from the core's types and maps errors to exceptions; all logic
//! lives in the `vallum` crate. The Pythonic object model (attributes
//! `memory`, `pii`, `guard`, …) is the thin layer in `python/vallum/`.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
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

/// Python value → JSON (dict, list, tuple, str, int, float, bool, None).
fn to_json(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
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
        let mut m = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| bad_arg("value", "dict keys must be strings"))?
                .to_cow()?
                .into_owned();
            m.insert(key, to_json(&v)?);
        }
        return Ok(Value::Object(m));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return l
            .iter()
            .map(|x| to_json(&x))
            .collect::<PyResult<_>>()
            .map(Value::Array);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return t
            .iter()
            .map(|x| to_json(&x))
            .collect::<PyResult<_>>()
            .map(Value::Array);
    }
    let type_name = obj.get_type().name()?.to_string();
    Err(bad_arg(
        "value",
        format!(
            "a {type_name} is not a JSON value (use dict, list, str, int, float, bool or None)"
        ),
    ))
}

/// JSON → Python value.
fn to_py(py: Python<'_>, v: &Value) -> PyResult<Py<PyAny>> {
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
                .map(|x| to_py(py, x))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any().unbind()
        }
        Value::Object(m) => {
            let d = PyDict::new(py);
            for (k, x) in m {
                d.set_item(k, to_py(py, x)?)?;
            }
            d.into_any().unbind()
        }
    })
}

fn out<T: Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    let v = serde_json::to_value(value).map_err(internal)?;
    to_py(py, &v)
}

fn arg<T: DeserializeOwned>(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<T> {
    serde_json::from_value(to_json(obj)?).map_err(|e| bad_arg(what, e))
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
    Ok(ctx)
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
    to_py(py, &Value::Array(v))
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
                (Some(k), _) => b.master_key(vallum::MasterKey::from_bytes(&k)?),
                (None, Some(var)) => b.master_key_from_env(var),
                (None, None) => b,
            };
            b.build()
        })
        .map(|inner| Core { inner, manual })
        .map_err(err)
    }

    /// Moves a manual clock (an instance built with `clock_ms`) forward.
    fn advance_clock(&self, ms: i64) -> PyResult<()> {
        match &self.manual {
            Some(c) => {
                c.advance(ms);
                Ok(())
            }
            None => Err(bad_arg(
                "clock",
                "this instance uses the system clock; build it with clock_ms to move time by hand",
            )),
        }
    }

    // --- guard -----------------------------------------------------------
    fn guard_prompt(&self, py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let input: vallum::guard::PromptInput = arg("input", input)?;
        let v = py.detach(|| self.inner.guard_prompt(&input)).map_err(err)?;
        let mut j = serde_json::to_value(&v).map_err(internal)?;
        python_offsets(&mut j, "findings");
        to_py(py, &j)
    }

    fn guard_response(&self, py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let input: vallum::guard::ResponseInput = arg("input", input)?;
        let v = py
            .detach(|| self.inner.guard_response(&input))
            .map_err(err)?;
        let mut j = serde_json::to_value(&v).map_err(internal)?;
        python_offsets(&mut j, "leaked");
        to_py(py, &j)
    }

    // --- pii ---------------------------------------------------------------
    fn pii_detect(&self, py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
        let f = py.detach(|| self.inner.pii().detect(text));
        findings(py, &f)
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
    }

    /// The entity's check-digit validator on a bare value (None: no validator).
    fn pii_validate(&self, entity: &str, text: &str) -> Option<bool> {
        self.inner.pii().detector().validate(entity, text)
    }

    fn pii_mask(&self, py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
        let m = py.detach(|| self.inner.pii().mask(text)).map_err(err)?;
        let d = PyDict::new(py);
        d.set_item("text", &m.text)?;
        d.set_item("findings", findings(py, &m.findings)?)?;
        Ok(d.into_any().unbind())
    }

    fn pii_mask_in_session(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        text: &str,
    ) -> PyResult<String> {
        let ctx = context(ctx)?;
        py.detach(|| self.inner.pii().mask_in_session(&ctx, text))
            .map(|m| m.text)
            .map_err(err)
    }

    fn pii_unmask_in_session(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        text: &str,
    ) -> PyResult<String> {
        let ctx = context(ctx)?;
        py.detach(|| self.inner.pii().unmask_in_session(&ctx, text))
            .map_err(err)
    }

    // --- policy, rbac, limits, threats ---------------------------------------
    fn evaluate_request(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let r = to_json(request)?;
        out(py, &self.inner.evaluate_request(&r))
    }

    fn add_policy(&self, policy: &Bound<'_, PyAny>) -> PyResult<String> {
        self.inner
            .policies()
            .add_json(to_json(policy)?)
            .map_err(err)
    }

    fn remove_policy(&self, id: &str) -> PyResult<bool> {
        self.inner.policies().remove(id).map_err(err)
    }

    fn list_policies(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        out(py, &self.inner.policies().list())
    }

    fn has_permission(&self, principal: &Bound<'_, PyAny>, permission: &str) -> PyResult<bool> {
        let p: vallum::policy::Principal = arg("principal", principal)?;
        Ok(self.inner.has_permission(&p, permission))
    }

    fn roles_of(&self, principal: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        let p: vallum::policy::Principal = arg("principal", principal)?;
        Ok(self.inner.rbac().roles_of(&p).into_iter().collect())
    }

    fn cost_center(&self, principal: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
        let p: vallum::policy::Principal = arg("principal", principal)?;
        Ok(self.inner.rbac().cost_center(&p))
    }

    fn rate_check(&self, py: Python<'_>, name: &str, key: &str) -> PyResult<Py<PyAny>> {
        out(py, &self.inner.limits().check(name, key).map_err(err)?)
    }

    fn threat_scan(&self, py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
        let s = py.detach(|| self.inner.threats().scan(text));
        out(py, &s)
    }

    fn threat_summary(&self, py: Python<'_>, period: &str) -> PyResult<Py<PyAny>> {
        out(
            py,
            &self.inner.threats().threat_summary(period).map_err(err)?,
        )
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
        let mut e = vallum::audit::AuditEntry::new(actor, action, resource, outcome);
        if let Some(d) = details {
            e = e.details(to_json(d)?);
        }
        py.detach(|| self.inner.audit().append(e)).map_err(err)
    }

    fn audit_verify(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let r = py.detach(|| self.inner.audit().verify()).map_err(err)?;
        out(py, &r)
    }

    fn audit_export_json(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| self.inner.audit().export_json(&Default::default()))
            .map_err(err)
    }

    fn audit_verify_records(
        &self,
        py: Python<'_>,
        records: &Bound<'_, PyAny>,
        start_seq: u64,
        start_prev: &str,
    ) -> PyResult<Py<PyAny>> {
        let rows: Vec<vallum::storage::AuditRow> = arg("records", records)?;
        let r = py
            .detach(|| {
                self.inner
                    .audit()
                    .verify_records(&rows, start_seq, start_prev)
            })
            .map_err(err)?;
        out(py, &r)
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
        let ctx = context(ctx)?;
        let value = to_json(value)?;
        let opts: vallum::SetOptions = match options {
            Some(o) => arg("options", o)?,
            None => vallum::SetOptions::default(),
        };
        let s = scope(scope_name)?;
        py.detach(|| self.inner.memory().set(&ctx, s, key, value, &opts))
            .map_err(err)
    }

    fn memory_get(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        scope_name: &str,
        key: &str,
    ) -> PyResult<Py<PyAny>> {
        let ctx = context(ctx)?;
        let s = scope(scope_name)?;
        match py
            .detach(|| self.inner.memory().get(&ctx, s, key))
            .map_err(err)?
        {
            Some(v) => to_py(py, &v),
            None => Ok(py.None()),
        }
    }

    fn memory_remove(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        scope_name: &str,
        key: &str,
    ) -> PyResult<bool> {
        let ctx = context(ctx)?;
        let s = scope(scope_name)?;
        py.detach(|| self.inner.memory().remove(&ctx, s, key))
            .map_err(err)
    }

    fn memory_forget(
        &self,
        py: Python<'_>,
        ctx: &Bound<'_, PyAny>,
        subject: &str,
    ) -> PyResult<Py<PyAny>> {
        let ctx = context(ctx)?;
        let subject: vallum::Subject = serde_json::from_value(Value::String(subject.into()))
            .map_err(|_| {
                bad_arg(
                    "subject",
                    format!("`{subject}` is not session, user or organization"),
                )
            })?;
        let r = py
            .detach(|| self.inner.memory().forget(&ctx, subject))
            .map_err(err)?;
        out(py, &r)
    }

    // --- costs, metrics, compliance ----------------------------------------
    fn record_usage(&self, py: Python<'_>, usage: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let u: vallum::cost::Usage = arg("usage", usage)?;
        let c = py
            .detach(|| self.inner.costs().record_usage(&u))
            .map_err(err)?;
        out(py, &c)
    }

    fn cost_report(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let r: vallum::cost::ReportRequest = arg("request", request)?;
        let rep = py.detach(|| self.inner.costs().report(&r)).map_err(err)?;
        out(py, &rep)
    }

    fn budget_status(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        out(py, &self.inner.costs().budget_status().map_err(err)?)
    }

    fn release_reservation(&self, reservation: &Bound<'_, PyAny>) -> PyResult<bool> {
        let r: vallum::cost::Reservation = arg("reservation", reservation)?;
        Ok(self.inner.costs().release(&r))
    }

    #[pyo3(signature = (name, value, labels=None))]
    fn record_metric(
        &self,
        name: &str,
        value: f64,
        labels: Option<Vec<(String, String)>>,
    ) -> PyResult<()> {
        let labels = labels.unwrap_or_default();
        let l: Vec<(&str, &str)> = labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.inner
            .metrics()
            .record_metric(name, value, &l)
            .map_err(err)
    }

    fn query_metrics(&self, py: Python<'_>, query: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let q: vallum::metrics::Query = arg("query", query)?;
        out(py, &self.inner.metrics().query(&q).map_err(err)?)
    }

    fn active_alerts(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        out(py, &self.inner.metrics().active_alerts())
    }

    fn prometheus(&self) -> PyResult<String> {
        self.inner.prometheus().map_err(err)
    }

    fn compliance_check(&self, py: Python<'_>, framework: &str) -> PyResult<Py<PyAny>> {
        let r = py
            .detach(|| self.inner.compliance_check(framework))
            .map_err(err)?;
        out(py, &r)
    }

    fn rotate_master_key(&self, py: Python<'_>, new_key: Vec<u8>) -> PyResult<usize> {
        let k = vallum::MasterKey::from_bytes(&new_key).map_err(err)?;
        py.detach(|| self.inner.rotate_master_key(&k)).map_err(err)
    }

    // --- events ------------------------------------------------------------
    /// Calls `callback(event: dict)` for events of `kind` (None: all) until the
    /// returned handle's `close()` (or its collection). Exceptions raised by
    /// the callback are reported with `sys.unraisablehook`, never propagated.
    #[pyo3(signature = (kind, callback))]
    fn subscribe(&self, kind: Option<&str>, callback: Py<PyAny>) -> PyResult<Subscription> {
        let kind = kind
            .map(vallum::EventKind::parse)
            .transpose()
            .map_err(err)?;
        let cb = Arc::new(callback);
        let sub = self.inner.subscribe(kind, move |e| {
            Python::attach(|py| {
                let event = match out(py, e) {
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

/// Every error in a configuration (JSON text) with its path.
#[pyfunction]
fn validate_config(py: Python<'_>, json: &str) -> PyResult<Py<PyAny>> {
    out(py, &vallum::config::validate_json(json))
}

/// A base configuration (JSON text) migrated to a full one.
#[pyfunction]
fn migrate_config(py: Python<'_>, json: &str) -> PyResult<Py<PyAny>> {
    let v: Value = serde_json::from_str(json).map_err(|e| bad_arg("config", e))?;
    let c = vallum::config::migrate(&v).map_err(err)?;
    to_py(py, &c.to_json_value())
}

/// A full enterprise configuration from a partial one (JSON text).
#[pyfunction]
fn create_enterprise_config(py: Python<'_>, json: &str) -> PyResult<Py<PyAny>> {
    let v: Value = serde_json::from_str(json).map_err(|e| bad_arg("config", e))?;
    let c = vallum::config::create_enterprise_config(&v).map_err(err)?;
    to_py(py, &c.to_json_value())
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
    to_py(py, &v)
}

/// The price of `usage` from the bundled catalog.
#[pyfunction]
fn compute_charge(py: Python<'_>, usage: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let u: vallum::cost::Usage = arg("usage", usage)?;
    let catalog = vallum::cost::PriceCatalog::bundled().map_err(err)?;
    let price = catalog.price(&u.model).map_err(err)?;
    let c = vallum::cost::compute_charge(&u, price).map_err(err)?;
    let mut j = serde_json::to_value(&c).map_err(internal)?;
    // The exact pico-dollar total can exceed 2^64: keep it a string.
    j["costPicos"] = Value::String(c.cost_picos.to_string());
    to_py(py, &j)
}

#[pymodule]
fn _vallum(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", vallum::VERSION)?;
    m.add("ENTITIES", vallum::pii::ENTITIES.to_vec())?;
    m.add_class::<Core>()?;
    m.add_class::<Subscription>()?;
    m.add("VallumError", py.get_type::<VallumError>())?;
    add_exceptions(m)?;
    m.add_function(wrap_pyfunction!(validate_config, m)?)?;
    m.add_function(wrap_pyfunction!(migrate_config, m)?)?;
    m.add_function(wrap_pyfunction!(create_enterprise_config, m)?)?;
    m.add_function(wrap_pyfunction!(open_stored_value, m)?)?;
    m.add_function(wrap_pyfunction!(compute_charge, m)?)?;
    Ok(())
}
