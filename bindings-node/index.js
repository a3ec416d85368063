'use strict'
// @vallum/node: the native addon under the object model shared with
// @vallum/wasm (model.js, built from the core's operation table, ops.json).
// This file holds what is Node's own: opening the addon's core, the
// transport over it, and closing. Storage work runs on the libuv thread
// pool and returns a Promise; pure computations are synchronous, with async
// forms. The types are in index.d.ts (the client interface in client.d.ts).

const native = require('./native.js')
const { makeModel, VallumError, fail, encode } = require('./model.js')

/** Every error code of the core (`vallum::ErrorCode::ALL`), from the core. */
const ERROR_CODES = Object.freeze(native.errorCodes())

function rethrow(e) {
  throw fail(e)
}

/** A native Promise of JSON text → a Promise of the value; `start` may throw. */
function settle(start) {
  let p
  try {
    p = start()
  } catch (e) {
    return Promise.reject(fail(e))
  }
  return p.then(JSON.parse, rethrow)
}

/** The model's transport over one native core. */
class Transport {
  constructor(core) {
    this.core = core
    /** What a recognizer that returns a Promise is told. */
    this.promiseHint = 'call the async methods (detectAsync, maskAsync, the guard) or return spans directly'
  }

  callSync(op, args) {
    const text = encode(args)
    let out
    try {
      out = this.core.call(op, text)
    } catch (e) {
      throw fail(e)
    }
    return JSON.parse(out)
  }

  callAsync(op, args) {
    return settle(() => this.core.callAsync(op, encode(args)))
  }

  /**
   * Plugs in a recognizer (wrapped by the model's `Pii.addRecognizer`): the
   * core calls `sync` directly on this thread, and `later` through a
   * thread-safe function from the thread pool (the `…Async` methods, the
   * guard), waiting for its Promise there.
   */
  addRecognizer(name, entities, offsets, sync, later) {
    try {
      this.core.addRecognizer(name, entities, offsets, sync, later)
    } catch (e) {
      throw fail(e)
    }
  }

  removeRecognizer(name) {
    return this.core.removeRecognizer(String(name))
  }

  subscribe(kind, callback) {
    if (typeof callback !== 'function') {
      throw new VallumError('invalid_argument', 'invalid argument `callback`: expected a function')
    }
    let sub
    try {
      sub = this.core.subscribe(kind ?? null, (text) => callback(JSON.parse(text)))
    } catch (e) {
      throw fail(e)
    }
    return () => sub.close()
  }
}

function callStatic(op, args) {
  let out
  try {
    out = native.callStatic(op, encode(args))
  } catch (e) {
    throw fail(e)
  }
  return JSON.parse(out)
}

const { Client, statics } = makeModel(require('./ops.json'), callStatic)

function configText(config) {
  if (config === undefined || config === null) return undefined
  if (typeof config === 'string') return config
  return encode(config)
}

/** The `gazetteer` option → the native constructor's fields. */
function gazetteerOption(g) {
  if (g === undefined || g === null || g === true) return {}
  if (g === false) return { gazetteer: false }
  if (typeof g === 'string') return { gazetteerPath: g }
  if (g instanceof URL && g.protocol === 'file:') return { gazetteerPath: require('node:url').fileURLToPath(g) }
  if (typeof g === 'object' && typeof g.text === 'string') return { gazetteerText: g.text }
  throw new VallumError('invalid_argument', 'invalid argument `gazetteer`: expected false, a pack file path or file URL, or { text: string }')
}

/** Open instances, flushed when the process exits: queued `fast` writes
 * and metric roll-ups would otherwise wait for a garbage collection that
 * may never come. Weak, so an instance the program drops can be collected
 * (the core flushes when it is). */
const live = new Set()
let exitHook = false
function flushAtExit() {
  for (const ref of live) {
    const core = ref.deref()
    if (!core) continue
    try {
      core.call('flush', '[]')
    } catch {
      // A closed store or a failed flush: nothing more can be done at exit.
    }
  }
}

/** One Vallum instance: implements `VallumClient` (client.d.ts). */
class Vallum extends Client {
  constructor(options) {
    const o = options ?? {}
    let core
    // A copy of the key bytes that the core wipes once it has the key.
    const key = o.masterKey === undefined || o.masterKey === null ? undefined : masterKeyBuffer(o.masterKey)
    try {
      core = new native.Core({
        configJson: configText(o.config),
        dbPath: o.dbPath ?? undefined,
        masterKey: key,
        masterKeyEnv: o.masterKeyEnv ?? undefined,
        clockMs: o.clockMs ?? undefined,
        ...gazetteerOption(o.gazetteer),
      })
    } catch (e) {
      throw fail(e)
    } finally {
      if (key) key.fill(0)
    }
    super(new Transport(core))
    for (const ref of live) if (!ref.deref()) live.delete(ref)
    live.add(new WeakRef(core))
    if (!exitHook) {
      exitHook = true
      process.on('exit', flushAtExit)
    }
    Object.freeze(this)
  }

  advanceClock(ms) {
    try {
      this._t.core.advanceClock(ms)
    } catch (e) {
      throw fail(e)
    }
  }

  /** Closes the store and releases its writer lock (another instance or
   * process may then open it); later storage calls reject with `storage_error`. */
  close() {
    try {
      this._t.core.close()
      return Promise.resolve()
    } catch (e) {
      return Promise.reject(fail(e))
    }
  }
}

function masterKeyBuffer(key) {
  // Always a fresh copy (never the caller's array), wiped after use.
  if (key instanceof Uint8Array) return Buffer.from(key)
  if (typeof key === 'string' && /^[0-9a-fA-F]{64}$/.test(key)) return Buffer.from(key, 'hex')
  throw new VallumError('invalid_key', 'invalid argument `masterKey`: expected 32 bytes (Uint8Array) or 64 hex digits')
}

function validateConfig(config) {
  return callStatic('validateConfig', [typeof config === 'string' ? config : encode(config)])
}

function migrateConfig(config) {
  return callStatic('migrateConfig', [config])
}

function createEnterpriseConfig(config) {
  return callStatic('createEnterpriseConfig', [config ?? {}])
}

function computeCharge(usage) {
  return callStatic('computeCharge', [usage])
}

function openStoredValue(stored) {
  const s = stored ?? {}
  return callStatic('openStoredValue', [
    s.masterKey,
    s.scope,
    s.owner,
    s.key,
    s.dataKeyId,
    s.wrappedDataKey,
    s.storedValue,
  ])
}

/** Test hook: panics inside the addon (`async`: on the thread pool). */
function panicForTests(message, runAsync) {
  if (runAsync) return settle(() => native.panicForTests(message, true))
  try {
    native.panicForTests(message, false)
  } catch (e) {
    throw fail(e)
  }
}

module.exports = {
  Vallum,
  VallumError,
  ERROR_CODES,
  errorCodes: () => [...ERROR_CODES],
  ENTITIES: Object.freeze(native.entities()),
  VERSION: native.version(),
  ...statics,
  _panicForTests: panicForTests,
}
