//! The macro that turns the operation table ([`super::ops`]) into its
//! dispatch function and its description.
//!
//! Each operation is written once, as
//!
//! ```text
//! /// What it does.
//! "memory.get" [async "memory.scoped.getData"]
//!     (context: Ctx, key: String, scope: String = "session".into()) -> "T | null"
//!     => v.memory().get(&context.context(), scope_of(&scope)?, &key);
//! ```
//!
//! - the operation's id (`memory.get`), which every binding dispatches on
//!   (Python: `Core.call("memory.get", …)`);
//! - the JavaScript methods that run it, each `sync` or `async`, at its path
//!   in the object model (`memory.scoped.getData`: the `getData` method of the
//!   object `vallum.memory.for(context)` returns);
//! - its parameters, in JavaScript order, each with its Rust type and, where
//!   it has one, its default (a missing or null argument takes the default;
//!   an `Option` parameter without one is `None`);
//! - its result's TypeScript type, which the declaration files must match;
//! - the expression that runs it, a `Result` of something serializable; the
//!   wire may run it off the host's thread or lock (Python releases the GIL),
//!   so it must not touch the wire;
//! - optionally `=> |result| …`, which presents the result for the host
//!   (offsets in the host's string indices) and may use the wire.
//!
//! From that the macro writes the dispatch (`call`: read each argument from a
//! [`Wire`](super::Wire), run, hand the result back to the wire) and `table`,
//! the description `ops.json` is generated from. Only tests and the generator
//! read `table`, so the browser build carries none of it.

/// A parameter's default as a function, or none.
macro_rules! default_fn {
    ($t:ty) => {
        None::<fn() -> $t>
    };
    ($t:ty, $d:expr) => {
        Some((|| -> $t { $d }) as fn() -> $t)
    };
}

/// A parameter's default as JSON, for the table.
macro_rules! default_json {
    ($t:ty) => {
        None
    };
    ($t:ty, $d:expr) => {
        Some(serde_json::to_value::<$t>($d).unwrap_or(serde_json::Value::Null))
    };
}

macro_rules! operations {
    (
        fn $call:ident($v:ident : $vt:ty, $w:ident);
        table $table:ident;
        list $list:ident;
        $(
            $(#[doc = $doc:literal])*
            $op:literal [$($mode:ident $path:literal),* $(,)?]
            ($($p:ident : $t:ty $(= $d:expr)?),* $(,)?) -> $res:literal
            => $body:expr
            $(=> |$r:ident| $post:expr)?;
        )*
    ) => {
        /// The operations' ids, in table order.
        pub const $list: &[&str] = &[$($op),*];

        /// Runs operation `op` with the arguments `wire` holds and returns
        /// its result in the wire's form.
        #[allow(clippy::too_many_lines, non_snake_case, reason = "one arm per operation of the table; parameters keep their JavaScript names")]
        pub fn $call<W: $crate::api::Wire>($v: $vt, op: &str, $w: &mut W) -> $crate::Result<W::Out> {
            match op {
                $(
                    $op => {
                        $( let $p: $t = $w.arg(stringify!($p), stringify!($t), default_fn!($t $(, $d)?))?; )*
                        $w.end(&[$(stringify!($p)),*])?;
                        let value = $w.run(|| $body)?;
                        $( let $r = value; let value = $post?; )?
                        $w.out(&value)
                    }
                )*
                _ => Err($crate::api::unknown(op, $list)),
            }
        }

        /// The table's description (for `ops.json` and the bindings' tests).
        pub fn $table() -> Vec<$crate::api::OpInfo> {
            vec![$(
                $crate::api::OpInfo {
                    name: $op,
                    doc: [$($doc),*].iter().map(|l| l.trim()).collect::<Vec<_>>().join(" "),
                    params: vec![$(
                        $crate::api::ParamInfo::new(
                            stringify!($p),
                            stringify!($t),
                            default_json!($t $(, $d)?),
                        )
                    ),*],
                    result: $res,
                    js: vec![$($crate::api::JsMethod { path: $path, mode: stringify!($mode) }),*],
                }
            ),*]
        }
    };
}
