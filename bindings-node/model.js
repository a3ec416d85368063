'use strict'
// The JavaScript object model of Vallum, shared by @vallum/node (this file,
// CommonJS) and @vallum/wasm (a copy wrapped as an ES module at build time,
// scripts/build-wasm.sh). It only shapes calls: every method is built from
// the core's operation table (ops.json, generated from core/src/api/ops.rs),
// and every operation runs in the core over a transport:
//
//   callSync(op, args)        → the result
//   callAsync(op, args)       → a Promise of the result
//   subscribe(kind, callback) → an unsubscribe function
//
// Arguments cross as one JSON array; a left-out argument takes the core's
// default. The types are in client.d.ts.

/** Every Vallum failure: `code` is the core's stable error code. */
class VallumError extends Error {
  constructor(code, message) {
    super(message)
    this.name = 'VallumError'
    this.code = code
  }
}

/** A core error → VallumError. The core sends "<code>\x1f<message>";
 * anything else (the host's own argument checks) is a bad argument. */
function fail(e) {
  if (e instanceof VallumError) return e
  const m = e && typeof e.message === 'string' ? e.message : String(e)
  const i = m.indexOf('\x1f')
  if (i > 0) return new VallumError(m.slice(0, i), m.slice(i + 1))
  return new VallumError('invalid_argument', m)
}

/** A recognizer's answer → the JSON text the core reads. */
function spansText(name, spans) {
  if (spans === null || typeof spans !== 'object' || typeof spans[Symbol.iterator] !== 'function') {
    throw new VallumError('invalid_argument', `invalid argument \`recognizer\`: recognizer '${name}' must return an array of spans, got ${typeOf(spans)}`)
  }
  return JSON.stringify(Array.from(spans))
}

function encode(args) {
  try {
    return JSON.stringify(args)
  } catch (e) {
    throw new VallumError('invalid_argument', `the arguments are not JSON: ${e.message}`)
  }
}

function typeOf(v) {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v
}

function hex(bytes) {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

/** Arguments the core takes in another form than JavaScript callers pass. */
const PREPARE = {
  // A new master key: bytes become hex; text (hex or base64) goes as is.
  rotateMasterKey(args) {
    const k = args[0]
    if (k instanceof Uint8Array) args[0] = hex(k)
    else if (typeof k !== 'string') {
      throw new VallumError('invalid_argument', `invalid argument \`newKey\`: expected 32 bytes (Uint8Array) or 64 hex digits, got ${typeOf(k)}`)
    }
  },
  // A search by text alone.
  'memory.scoped.search'(args) {
    if (typeof args[1] === 'string') args[1] = { text: args[1] }
  },
}

/** A method that runs `op` (one entry of ops.json) in `mode`. On the scoped
 * memory object the context comes from the object, and the scope defaults
 * to the object's default scope. */
function method(path, op, mode, scoped) {
  const name = op.name
  const params = op.params
  const n = params.length
  const bound = scoped && n > 0 && params[0].name === 'context' ? 1 : 0
  const scopeAt = bound ? params.findIndex((p) => p.name === 'scope') : -1
  const prepare = PREPARE[path]
  const sync = mode === 'sync'
  const isVoid = op.result === 'void'
  const optional = params.map((p) => p.optional)
  function args(self, given) {
    const a = bound ? [self.context] : []
    for (let i = bound; i < n; i++) {
      const v = given[i - bound]
      if (v === undefined && !optional[i]) {
        throw new VallumError('invalid_argument', `invalid argument \`${params[i].name}\`: required (undefined is not a JSON value; pass null to mean "nothing")`)
      }
      a.push(v)
    }
    if (scopeAt >= 0 && (a[scopeAt] === undefined || a[scopeAt] === null)) a[scopeAt] = self.defaultScope
    if (prepare) prepare(a)
    // Left-out trailing arguments take the core's defaults.
    while (a.length > 0 && a[a.length - 1] === undefined) a.pop()
    return a
  }
  // Fixed-arity functions: cheaper than rest parameters on the hot path.
  const call = sync
    ? function (self, given) {
        const value = self._t.callSync(name, args(self, given))
        return isVoid ? undefined : value
      }
    : function (self, given) {
        let a
        try {
          a = args(self, given)
        } catch (e) {
          return Promise.reject(e)
        }
        return self._t.callAsync(name, a)
      }
  switch (n - bound) {
    case 0:
      return function () {
        return call(this, [])
      }
    case 1:
      return function (a) {
        return call(this, [a])
      }
    case 2:
      return function (a, b) {
        return call(this, [a, b])
      }
    case 3:
      return function (a, b, c) {
        return call(this, [a, b, c])
      }
    default:
      return function (...given) {
        return call(this, given)
      }
  }
}

class Part {
  constructor(t) {
    Object.defineProperty(this, '_t', { value: t })
  }

  /** Events of one kind (every kind with null) until the returned function is called. */
  subscribe(event, callback) {
    return this._t.subscribe(event, callback)
  }
}

/** Memory for one request context; the spec's `useMemoryScope` result. */
class ScopedMemory extends Part {
  constructor(t, context, defaultScope) {
    super(t)
    this.context = context
    this.defaultScope = defaultScope
  }

  getCurrentScope() {
    return this.defaultScope
  }

  /** Memory events (`memory_changed` unless another kind is given). */
  subscribe(event, callback) {
    return this._t.subscribe(event ?? 'memory_changed', callback)
  }
}

class Memory extends Part {
  /** Memory for one request context, defaulting to `defaultScope` ('session'). */
  for(context, options) {
    if (context === null || typeof context !== 'object' || typeof context.organization !== 'string') {
      throw new VallumError('invalid_argument', 'invalid argument `context`: expected { organization, user?, session? }')
    }
    return new ScopedMemory(this._t, context, options?.defaultScope ?? 'session')
  }
}

/** The spec's `useSecurityPolicy` surface: policies, threats, compliance, PII. */
class Security extends Part {}
class Pii extends Part {
  /**
   * Plugs in a recognizer of your own (client.d.ts). The transport gets it
   * twice, each returning the spans as JSON text: `sync` for detections on
   * the calling thread, `later` (async) for those the runtime runs elsewhere.
   */
  addRecognizer(name, recognize, options) {
    if (typeof recognize !== 'function') {
      throw new VallumError('invalid_argument', 'invalid argument `recognize`: expected a function')
    }
    const entities = options?.entities
    if (!Array.isArray(entities)) {
      throw new VallumError('invalid_argument', 'invalid argument `entities`: expected an array of entity names')
    }
    const sync = (text) => {
      const out = recognize(text)
      if (out !== null && typeof out === 'object' && typeof out.then === 'function') {
        throw new Error(`recognizer '${name}' returned a Promise: ${this._t.promiseHint}`)
      }
      return spansText(name, out)
    }
    const later = async (text) => spansText(name, await recognize(text))
    return this._t.addRecognizer(String(name), entities.map(String), options?.offsets ?? 'utf16', sync, later)
  }

  /** Removes a plugged-in recognizer; whether there was one. */
  removeRecognizer(name) {
    return this._t.removeRecognizer(name)
  }
}
class Guard extends Part {}
class Audit extends Part {}
/** The spec's `usePerformanceMonitoring` surface. */
class Performance extends Part {}
/** The spec's cost tracking surface. */
class Costs extends Part {}

/** The members every runtime's `Vallum` shares (`VallumClient` in
 * client.d.ts); each package subclasses it with how it opens and closes. */
class Client {
  constructor(t) {
    Object.defineProperty(this, '_t', { value: t })
    this.memory = new Memory(t)
    this.security = new Security(t)
    this.pii = new Pii(t)
    this.guard = new Guard(t)
    this.audit = new Audit(t)
    this.performance = new Performance(t)
    this.costs = new Costs(t)
  }

  /** Every event (`kind` null) or one kind, until the returned function is called. */
  subscribe(kind, callback) {
    return this._t.subscribe(kind, callback)
  }
}

const OWNERS = {
  '': Client,
  memory: Memory,
  'memory.scoped': ScopedMemory,
  security: Security,
  pii: Pii,
  guard: Guard,
  audit: Audit,
  performance: Performance,
  costs: Costs,
}

let installed = null

/**
 * The object model over the operation table `ops` (ops.json): the `Client`
 * base class, `VallumError`, and the static functions over `callStatic(op,
 * args)`.
 */
function makeModel(ops, callStatic) {
  if (installed !== ops) {
    for (const op of ops.operations) {
      for (const { path, mode } of op.js) {
        const dot = path.lastIndexOf('.')
        const owner = OWNERS[dot < 0 ? '' : path.slice(0, dot)]
        if (!owner) throw new Error(`ops.json: no object for ${path}`)
        Object.defineProperty(owner.prototype, path.slice(dot + 1), {
          value: method(path, op, mode, owner === ScopedMemory),
          writable: true,
          configurable: true,
        })
      }
    }
    installed = ops
  }
  const statics = {}
  const t = { callSync: callStatic }
  for (const op of ops.statics) {
    for (const { path, mode } of op.js) {
      const run = method(path, op, mode, false)
      statics[path] = (...args) => run.apply({ _t: t }, args)
    }
  }
  return { Client, statics }
}

module.exports = { makeModel, VallumError, fail, encode, typeOf }
