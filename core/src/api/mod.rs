//! The operations the bindings run, from one table ([`ops`]).
//!
//! Every operation is declared once, in [`ops`]: its id, the JavaScript
//! methods that run it, its parameters with their types and defaults, its
//! result's TypeScript type. From the table come:
//! - [`dispatch`] and [`dispatch_static`], generic over a [`Wire`]: the form the
//!   arguments arrive in and the result leaves in. [`JsonWire`] is the
//!   JavaScript packages' form (`@vallum/node`, `@vallum/wasm`): one JSON
//!   array of positional arguments in, JSON text out ([`call`],
//!   [`call_static`]);
//! - [`table`] and [`static_table`], the description `ops.json` is generated
//!   from ([`ops_json`]), which the JavaScript object model is built from and
//!   the declaration files are tested against.
//!
//! JavaScript hosts hand over values as JSON text: V8's `JSON.stringify` and
//! `JSON.parse` are far faster than walking objects property by property
//! through Node-API or wasm-bindgen (ADR 0004). Conversions that differ by
//! runtime go through the wire:
//! - text offsets (`start`, `end` of PII and threat findings) are the
//!   wire's string indices: **UTF-16 code units** for JavaScript;
//! - metric labels may be numbers or booleans (the spec's examples pass
//!   `timestamp: Date.now()`); they are recorded as their decimal text;
//! - instants stay integers (milliseconds since the Unix epoch).
//!
//! A missing or null argument takes the parameter's default; a malformed one
//! is an `invalid_argument` error that names the operation and the parameter,
//! never a panic.

#[macro_use]
mod table;
mod ops;

pub use ops::{dispatch, dispatch_static, static_table, table, OPERATIONS, STATIC_OPERATIONS};

use crate::pii::{DetectOptions, Finding, Masked};
use crate::policy::ThreatScan;
use crate::{Context, Error, Result, Scope, Subject};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Where an operation's arguments come from and its result goes.
pub trait Wire {
    /// The result's form.
    type Out;
    /// The next argument, named `name`, of Rust type `rust` (as written in
    /// the table): a missing or null one takes `default` when there is one.
    fn arg<T: DeserializeOwned + 'static>(
        &mut self,
        name: &'static str,
        rust: &'static str,
        default: Option<fn() -> T>,
    ) -> Result<T>;
    /// Runs the operation itself (the host may release a lock around it).
    fn run<R: Send>(&mut self, f: impl FnOnce() -> R + Send) -> R {
        f()
    }
    /// Called after the last argument: refuses extra ones.
    fn end(&mut self, names: &[&str]) -> Result<()>;
    /// The result in the wire's form.
    fn out<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<Self::Out>;
    /// Byte offsets in `text` as the host's string indices, in the order given.
    fn offsets(&self, text: &str, byte_offsets: &[usize]) -> Vec<usize>;
}

/// The JavaScript form: a JSON array of positional arguments in, JSON text
/// out, offsets in UTF-16 code units.
///
/// Each element is parsed straight into its parameter's type where it
/// stands (serde_json's stream reader says where it ended), then the
/// separator after it is checked: the text is read once.
pub struct JsonWire<'a> {
    op: &'a str,
    text: &'a str,
    /// Where the next element starts; `None` once the closing `]` is read.
    pos: Option<usize>,
    /// Elements read so far.
    read: usize,
}

impl<'a> JsonWire<'a> {
    /// The arguments of `op`, a JSON array.
    pub fn new(op: &'a str, arguments: &'a str) -> Result<Self> {
        let at = skip_ws(arguments, 0);
        if arguments.as_bytes().get(at) != Some(&b'[') {
            return Err(Self::malformed(op, "expected a JSON array"));
        }
        let mut w = Self {
            op,
            text: arguments,
            pos: Some(at + 1),
            read: 0,
        };
        let first = skip_ws(arguments, at + 1);
        if arguments.as_bytes().get(first) == Some(&b']') {
            w.close_at(first)?;
        }
        Ok(w)
    }

    fn malformed(op: &str, why: &str) -> Error {
        Error::invalid_arg("arguments", format!("{op}: {why}"))
    }

    /// The closing `]` is at `at`: only whitespace may follow.
    fn close_at(&mut self, at: usize) -> Result<()> {
        self.pos = None;
        if skip_ws(self.text, at + 1) != self.text.len() {
            return Err(Self::malformed(self.op, "text after the argument array"));
        }
        Ok(())
    }

    /// An element ended at `end`: a `,` (another follows) or the `]`.
    fn after_item(&mut self, end: usize) -> Result<()> {
        self.read += 1;
        let at = skip_ws(self.text, end);
        match self.text.as_bytes().get(at) {
            Some(b',') => {
                self.pos = Some(at + 1);
                Ok(())
            }
            Some(b']') => self.close_at(at),
            _ => Err(Self::malformed(
                self.op,
                "expected `,` or `]` after an argument",
            )),
        }
    }

    /// Whether the element at `at` is `null`.
    fn is_null(&self, at: usize) -> bool {
        let rest = &self.text[at..];
        rest.starts_with("null")
            && matches!(
                self.text.as_bytes().get(skip_ws(self.text, at + 4)),
                Some(b',' | b']')
            )
    }

    /// The next element as `T`, and where it ended.
    fn parse<T: DeserializeOwned>(&self, at: usize) -> std::result::Result<(T, usize), String> {
        let mut stream = serde_json::Deserializer::from_str(&self.text[at..]).into_iter::<T>();
        match stream.next() {
            Some(Ok(v)) => Ok((v, at + stream.byte_offset())),
            Some(Err(e)) => {
                let message = e.to_string();
                Err(message
                    .split(" at line ")
                    .next()
                    .unwrap_or_default()
                    .to_owned())
            }
            None => Err("an argument is missing".to_owned()),
        }
    }
}

/// The offset of the first non-whitespace byte of `text` at or after `at`.
fn skip_ws(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = at;
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

impl Wire for JsonWire<'_> {
    type Out = String;

    fn arg<T: DeserializeOwned + 'static>(
        &mut self,
        name: &'static str,
        _rust: &'static str,
        default: Option<fn() -> T>,
    ) -> Result<T> {
        let required = |op: &str| Error::invalid_arg(name, format!("{op}: required"));
        let Some(pos) = self.pos else {
            // Left out: the default, or `null` for an `Option`.
            return match default {
                Some(d) => Ok(d()),
                None => serde_json::from_str("null").map_err(|_| required(self.op)),
            };
        };
        let at = skip_ws(self.text, pos);
        let null = self.is_null(at);
        if let (Some(d), true) = (default, null) {
            self.after_item(at + 4)?;
            return Ok(d());
        }
        match self.parse::<T>(at) {
            Ok((v, end)) => {
                self.after_item(end)?;
                Ok(v)
            }
            Err(_) if null => Err(required(self.op)),
            Err(message) => Err(Error::invalid_arg(name, format!("{}: {message}", self.op))),
        }
    }

    fn end(&mut self, names: &[&str]) -> Result<()> {
        while let Some(pos) = self.pos {
            let at = skip_ws(self.text, pos);
            let (_, end) = self
                .parse::<serde::de::IgnoredAny>(at)
                .map_err(|m| Self::malformed(self.op, &m))?;
            self.after_item(end)?;
        }
        arity(self.op, names, self.read)
    }

    fn out<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<String> {
        serde_json::to_string(value)
            .map_err(|e| Error::internal(format!("serializing a result: {e}")))
    }

    fn offsets(&self, text: &str, byte_offsets: &[usize]) -> Vec<usize> {
        utf16_offsets(text, byte_offsets)
    }
}

/// Runs `op` of [`OPERATIONS`] on `v` with `arguments`, a JSON array, and
/// returns the result as JSON text.
pub fn call(v: &crate::Vallum, op: &str, arguments: &str) -> Result<String> {
    dispatch(v, op, &mut JsonWire::new(op, arguments)?)
}

/// Runs `op` of [`STATIC_OPERATIONS`] (no instance needed) with `arguments`,
/// a JSON array, and returns the result as JSON text.
pub fn call_static(op: &str, arguments: &str) -> Result<String> {
    dispatch_static((), op, &mut JsonWire::new(op, arguments)?)
}

/// One operation of the table.
#[derive(Debug, Clone, Serialize)]
pub struct OpInfo {
    /// Its id (`memory.get`), which every binding dispatches on (Python:
    /// `Core.call("memory.get", …)`).
    pub name: &'static str,
    /// What it does.
    pub doc: String,
    /// Its parameters, in order.
    pub params: Vec<ParamInfo>,
    /// Its result's TypeScript type.
    pub result: &'static str,
    /// The JavaScript methods that run it.
    pub js: Vec<JsMethod>,
}

/// One parameter of an operation.
#[derive(Debug, Clone, Serialize)]
pub struct ParamInfo {
    /// Its name (the JavaScript parameter name).
    pub name: &'static str,
    /// Its Rust type.
    pub rust: String,
    /// Whether it may be left out (it has a default or is an `Option`).
    pub optional: bool,
    /// Its default, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
}

impl ParamInfo {
    /// A parameter from the macro's tokens.
    pub fn new(name: &'static str, rust: &str, default: Option<Value>) -> Self {
        let rust: String = rust.chars().filter(|c| !c.is_whitespace()).collect();
        let optional = default.is_some() || rust.starts_with("Option<");
        Self {
            name,
            rust,
            optional,
            default,
        }
    }
}

/// A JavaScript method of an operation.
#[derive(Debug, Clone, Serialize)]
pub struct JsMethod {
    /// Where it lives: `now` on the instance, `pii.detect`, or
    /// `memory.scoped.getData` on `memory.for(context)`.
    pub path: &'static str,
    /// `sync` (returns the value) or `async` (returns a Promise).
    pub mode: &'static str,
}

/// `ops.json`: the table, for the JavaScript object model and the tests
/// that hold the declaration files to it.
pub fn ops_json() -> String {
    #[derive(Serialize)]
    struct Doc {
        #[serde(rename = "$comment")]
        comment: &'static str,
        operations: Vec<OpInfo>,
        statics: Vec<OpInfo>,
    }
    let doc = Doc {
        comment: "Generated from core/src/api/ops.rs by `VALLUM_BLESS=1 cargo test -p vallum --lib api`; do not edit.",
        operations: table(),
        statics: static_table(),
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// Refuses more arguments than `op` has parameters (`names`).
pub fn arity(op: &str, names: &[&str], got: usize) -> Result<()> {
    if got > names.len() {
        return Err(Error::invalid_arg(
            "arguments",
            format!(
                "{op} takes {} arguments ({}), got {got}",
                names.len(),
                names.join(", "),
            ),
        ));
    }
    Ok(())
}

pub(crate) fn unknown(op: &str, known: &[&str]) -> Error {
    Error::invalid_arg(
        "operation",
        format!("`{op}` is not an operation (known: {})", known.join(", ")),
    )
}

// --- argument types

/// A request context as the hosts pass it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Ctx {
    organization: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    session: Option<String>,
    /// Granted by the host (e.g. `memory:global:write`).
    #[serde(default)]
    permissions: Vec<String>,
}

impl Ctx {
    fn context(self) -> Context {
        let mut c = Context::new(self.organization);
        if let Some(u) = self.user {
            c = c.with_user(u);
        }
        if let Some(s) = self.session {
            c = c.with_session(s);
        }
        for p in self.permissions {
            c = c.with_permission(p);
        }
        c
    }
}

/// The options of `pii.detect`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DetectArgs {
    #[serde(default)]
    entities: Option<Vec<String>>,
    #[serde(default)]
    threshold: Option<f32>,
    #[serde(default)]
    context: Option<bool>,
    #[serde(default)]
    resolve_overlaps: Option<bool>,
}

fn detect_options(o: DetectArgs) -> DetectOptions {
    let mut opts = DetectOptions::default()
        .context(o.context.unwrap_or(true))
        .resolve_overlaps(o.resolve_overlaps.unwrap_or(true));
    if let Some(e) = o.entities {
        opts = opts.entities(e);
    }
    if let Some(t) = o.threshold {
        opts = opts.threshold(t);
    }
    opts
}

/// The options of `policy.evaluate`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EvaluateOptions {
    /// Audit the decision as this actor.
    #[serde(default)]
    audited_by: Option<String>,
}

/// The argument of `openStoredValue`: a stored value as the crypto
/// known-answer vectors describe it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StoredValueArgs {
    master_key: String,
    scope: String,
    owner: String,
    key: String,
    data_key_id: u32,
    /// Hex.
    wrapped_data_key: String,
    /// Hex.
    stored_value: String,
}

fn scope_of(name: &str) -> Result<Scope> {
    Scope::parse(name)
}

fn subject_of(name: &str) -> Result<Subject> {
    serde_json::from_value(Value::String(name.into())).map_err(|_| {
        Error::invalid_arg(
            "subject",
            format!("`{name}` is not session, user or organization"),
        )
    })
}

/// Lowercase or uppercase hex → bytes.
fn hex(name: &'static str, text: &str) -> Result<Vec<u8>> {
    crate::text::hex_decode(text)
        .ok_or_else(|| Error::invalid_arg(name, "expected an even number of hex digits"))
}

/// Runs `f` with metric labels from a JSON object; numbers and booleans
/// become their text.
fn labeled(
    obj: Option<Map<String, Value>>,
    f: impl FnOnce(&[(&str, &str)]) -> Result<()>,
) -> Result<()> {
    let owned = obj
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            Value::Number(n) => Ok((k, n.to_string())),
            Value::Bool(b) => Ok((k, b.to_string())),
            other => Err(Error::invalid_arg(
                "labels",
                format!("label `{k}` must be a string, number or boolean; got {other}"),
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    let l: Vec<(&str, &str)> = owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    f(&l)
}

// --- results

/// `eventHealth`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct EventHealth {
    subscriber_panics: u64,
    dropped_events: u64,
}

/// `performance.getHealth`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Health {
    overall_score: u8,
    is_healthy: bool,
}

/// A PII finding with the host's string offsets.
#[derive(Debug, Serialize)]
struct HostFinding<'a> {
    entity: &'a str,
    /// Host offset of the first character.
    start: usize,
    /// Host offset one past the last character.
    end: usize,
    score: f32,
    recognizer: &'a str,
}

fn findings<'a, W: Wire>(w: &W, text: &str, found: &'a [Finding]) -> Vec<HostFinding<'a>> {
    let points: Vec<usize> = found.iter().flat_map(|f| [f.start, f.end]).collect();
    let units = w.offsets(text, &points);
    found
        .iter()
        .zip(units.chunks_exact(2))
        .map(|(f, u)| HostFinding {
            entity: &f.entity,
            start: u[0],
            end: u[1],
            score: f.score,
            recognizer: &f.recognizer,
        })
        .collect()
}

/// The result of `mask`: the masked text and the findings in the original.
#[derive(Debug, Serialize)]
struct HostMasked<'a> {
    text: &'a str,
    findings: Vec<HostFinding<'a>>,
}

fn masked<'a, W: Wire>(w: &W, text: &str, m: &'a Masked) -> HostMasked<'a> {
    HostMasked {
        text: &m.text,
        findings: findings(w, text, &m.findings),
    }
}

/// The result of `detectPII`: the spec's `PIIDetectionResult`.
#[derive(Debug, Serialize)]
struct Detection<'a> {
    found: bool,
    /// Entity types found, each once, in order of first appearance.
    types: Vec<&'a str>,
    findings: Vec<HostFinding<'a>>,
}

fn detection<'a, W: Wire>(w: &W, text: &str, found: &'a [Finding]) -> Detection<'a> {
    let mut types: Vec<&str> = Vec::new();
    for f in found {
        if !types.contains(&f.entity.as_str()) {
            types.push(&f.entity);
        }
    }
    Detection {
        found: !found.is_empty(),
        types,
        findings: findings(w, text, found),
    }
}

fn to_value<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::internal(format!("serializing a result: {e}")))
}

/// A verdict with its PII findings under `key` and its threat findings'
/// spans in the host's offsets of `text`.
fn verdict_with<T: Serialize, W: Wire>(
    w: &W,
    verdict: &T,
    key: &str,
    text: &str,
    found: &[Finding],
) -> Result<Value> {
    let mut v = to_value(verdict)?;
    let list = to_value(&findings(w, text, found))?;
    if let Some(m) = v.as_object_mut() {
        m.insert(key.into(), list);
    }
    spans(w, &mut v, "threats", text);
    Ok(v)
}

/// Rewrites the byte offsets `start`/`end` of each item of `value[key]`
/// (threat findings) as the host's offsets in `text`.
fn spans<W: Wire>(w: &W, value: &mut Value, key: &str, text: &str) {
    let Some(items) = value.get_mut(key).and_then(Value::as_array_mut) else {
        return;
    };
    let points: Vec<usize> = items
        .iter()
        .flat_map(|f| ["start", "end"].map(|k| f[k].as_u64().unwrap_or(0) as usize))
        .collect();
    let units = w.offsets(text, &points);
    for (f, u) in items.iter_mut().zip(units.chunks_exact(2)) {
        if let Some(m) = f.as_object_mut() {
            m.insert("start".into(), u[0].into());
            m.insert("end".into(), u[1].into());
        }
    }
}

/// A threat scan with its findings' spans in the host's offsets of `text`.
fn threat_scan<W: Wire>(w: &W, scan: &ThreatScan, text: &str) -> Value {
    let mut v = serde_json::to_value(scan).unwrap_or_default();
    spans(w, &mut v, "findings", text);
    v
}

/// Byte offsets in `text` → offsets in Unicode scalar values (Python string
/// indices), in the order given; as [`utf16_offsets`] otherwise.
pub fn char_offsets(text: &str, byte_offsets: &[usize]) -> Vec<usize> {
    offsets_in(text, byte_offsets, |_| 1)
}

/// Byte offsets in `text` → UTF-16 code-unit offsets (JavaScript string
/// indices), in the order given. An offset inside a character or past the
/// end maps to the next character boundary's offset.
pub fn utf16_offsets(text: &str, byte_offsets: &[usize]) -> Vec<usize> {
    offsets_in(text, byte_offsets, char::len_utf16)
}

fn offsets_in(text: &str, byte_offsets: &[usize], width: fn(char) -> usize) -> Vec<usize> {
    if text.is_ascii() {
        return byte_offsets.to_vec();
    }
    let mut order: Vec<usize> = (0..byte_offsets.len()).collect();
    order.sort_unstable_by_key(|&i| byte_offsets[i]);
    let mut out = vec![0; byte_offsets.len()];
    let mut units = 0;
    let mut chars = text.char_indices().peekable();
    for i in order {
        let target = byte_offsets[i];
        while let Some(&(at, c)) = chars.peek() {
            if at >= target {
                break;
            }
            units += width(c);
            chars.next();
        }
        out[i] = units;
    }
    out
}

#[cfg(test)]
mod tests;
