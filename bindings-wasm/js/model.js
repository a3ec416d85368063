// @vallum/wasm: the WebAssembly core under the object model shared with
// @vallum/node (shared.js, a build-time copy of bindings-node/model.js, built
// from the core's operation table in ops.js). This file holds what is the
// browser's own: opening the module's core over IndexedDB, the transport
// that writes changed rows behind each call, and closing. The core runs on
// the calling thread; a call that writes resolves once IndexedDB has
// committed the rows it changed. The types are in vallum.d.ts (the client
// interface in client.d.ts, shared with @vallum/node).

import { makeModel, VallumError, fail, encode, typeOf } from './shared.js'
import ops from './ops.js'
import { hasIndexedDB, openRowStore, deleteRowStore, lockDatabase } from './idb.js'

export { VallumError }

function hexBytes(name, key) {
  if (key instanceof Uint8Array) return key
  if (typeof key === 'string' && /^[0-9a-fA-F]{64}$/.test(key)) {
    const out = new Uint8Array(32)
    for (let i = 0; i < 32; i++) out[i] = parseInt(key.slice(2 * i, 2 * i + 2), 16)
    return out
  }
  throw new VallumError('invalid_key', `invalid argument \`${name}\`: expected 32 bytes (Uint8Array) or 64 hex digits, got ${typeOf(key)}`)
}

/**
 * Everything between the object model and the module: calls, panics,
 * events, and the write-behind of changed rows to IndexedDB.
 */
class Transport {
  constructor(glue, core, store, unlock) {
    this.glue = glue
    this.core = core
    this.store = store
    /** Releases the database's Web Lock (a no-op without persistence). */
    this.unlock = unlock
    this.dead = null
    this.listeners = new Map()
    /** Rows taken from the core but not yet committed (id → bytes | null). */
    this.unsaved = new Map()
    this.chain = Promise.resolve()
    this.lastSyncTime = null
    this.syncListeners = new Set()
    /** What a recognizer that returns a Promise is told. */
    this.promiseHint = 'in the browser the core calls recognizers synchronously; return spans directly (run an async model before the call and look its spans up here)'
  }

  /** Runs `f` against the module, mapping errors and panics. */
  guard(f) {
    if (this.dead) throw new VallumError('internal_error', `this Vallum instance stopped after an internal error: ${this.dead}`)
    try {
      return f()
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        let why = e.message
        try {
          why = this.glue.lastPanic() ?? why
        } catch {
          // The module is unusable; keep the trap's message.
        }
        this.dead = why
        throw new VallumError('internal_error', `internal error (a bug in vallum, please report it): ${why}`)
      }
      throw fail(e)
    }
  }

  /** Runs one operation and delivers the events it raised. */
  run(op, args) {
    const text = encode(args)
    const out = this.guard(() => this.core.call(op, text))
    this.deliverEvents()
    return JSON.parse(out)
  }

  /** Whether rows wait to be written (none without persistence). */
  dirty() {
    return this.store !== null && (this.unsaved.size > 0 || this.guard(() => this.core.hasChanges()))
  }

  callSync(op, args) {
    const value = this.run(op, args)
    // A synchronous call that wrote (an audited evaluation, say) starts the write.
    if (this.dirty()) this.flush().catch(() => {})
    return value
  }

  /** Resolves after the rows this call changed, and any before them, are committed. */
  callAsync(op, args) {
    let value
    try {
      value = this.run(op, args)
    } catch (e) {
      return Promise.reject(e)
    }
    return (this.dirty() ? this.flush() : this.chain).then(() => value)
  }

  deliverEvents() {
    if (this.listeners.size === 0) return
    const events = this.guard(() => this.core.drainEvents())
    for (const [id, text] of events) {
      const callback = this.listeners.get(id)
      if (callback) {
        try {
          callback(JSON.parse(text))
        } catch (e) {
          // A subscriber's exception must not fail the call that emitted the event.
          queueMicrotask(() => {
            throw e
          })
        }
      }
    }
  }

  /**
   * Resolves once every row changed so far is committed to IndexedDB (at
   * once without persistence). A failed write keeps its rows for the next
   * flush and rejects with `storage_error`.
   */
  flush() {
    const next = this.chain.then(() => this.writeChanges())
    this.chain = next.catch(() => {})
    return next
  }

  async writeChanges() {
    if (!this.store) return
    const changes = this.guard(() => this.core.takeChanges())
    for (const [id, value] of changes) this.unsaved.set(id, value)
    if (this.unsaved.size === 0) return
    const batch = [...this.unsaved]
    await this.store.write(batch)
    for (const [id, value] of batch) {
      if (this.unsaved.get(id) === value) this.unsaved.delete(id)
    }
    this.lastSyncTime = new Date()
    for (const l of this.syncListeners) l()
  }

  /** Plugs in a recognizer (wrapped by the model's `Pii.addRecognizer`); it
   * runs on this thread, inside the call that detects. */
  addRecognizer(name, entities, offsets, sync) {
    this.guard(() => this.core.addRecognizer(name, entities, offsets, sync))
  }

  removeRecognizer(name) {
    return this.guard(() => this.core.removeRecognizer(String(name)))
  }

  subscribe(kind, callback) {
    if (typeof callback !== 'function') {
      throw new VallumError('invalid_argument', 'invalid argument `callback`: expected a function')
    }
    const id = this.guard(() => this.core.subscribe(kind ?? null))
    this.listeners.set(id, callback)
    return () => {
      if (this.listeners.delete(id)) this.guard(() => this.core.unsubscribe(id))
    }
  }
}

/** The package's exports, filled by `install` (exports.js names them). */
export const api = {}
let installed
/** Resolves once `install` has run (in the browser, after the module is instantiated). */
export const ready = new Promise((resolve) => {
  installed = resolve
})

/**
 * Builds the package's exports over one wasm-bindgen glue module (the `web`
 * build in browsers, the `nodejs` build in Node): glue-node.js and
 * glue-web.js call it before exports.js reads `api`.
 */
export function install(glue, host) {
  Object.assign(api, makeApi(glue, host))
  installed()
}

function makeApi(glue, host) {
  /** Pack URL → the promise of its language, once per page. */
  const packs = new Map()

  /**
   * The `gazetteer` option → the language of an installed pack (undefined:
   * none). The English pack is a separate asset of the package, fetched on
   * first use and kept in the Cache API where the page has it.
   */
  function gazetteerFor(option) {
    if (option === false || option === null) return undefined
    if (typeof option === 'object' && option !== null && !(option instanceof URL)) {
      if (typeof option.text !== 'string') {
        throw new VallumError('invalid_argument', 'invalid argument `gazetteer`: expected false, a URL or { text: string }')
      }
      try {
        return glue.installGazetteer(option.text)
      } catch (e) {
        throw fail(e)
      }
    }
    if (option !== undefined && typeof option !== 'string' && !(option instanceof URL)) {
      throw new VallumError('invalid_argument', `invalid argument \`gazetteer\`: expected false, a URL or { text: string }, got ${typeOf(option)}`)
    }
    const url = String(option ?? host.gazetteerUrl)
    if (!packs.has(url)) {
      const loading = host.loadText(url).then(
        (text) => {
          try {
            return glue.installGazetteer(text)
          } catch (e) {
            throw fail(e)
          }
        },
        (e) => {
          throw new VallumError('not_found', `could not load the gazetteer pack ${url}: ${e?.message ?? e} (pass \`gazetteer: false\` to run without one)`)
        },
      )
      // A failed load is tried again by the next open().
      loading.catch(() => packs.delete(url))
      packs.set(url, loading)
    }
    return packs.get(url)
  }

  function callStatic(op, args) {
    const text = encode(args)
    try {
      return JSON.parse(glue.callStatic(op, text))
    } catch (e) {
      throw fail(e)
    }
  }

  const { Client, statics } = makeModel(ops, callStatic)

  /** One Vallum instance: implements `VallumClient` (client.d.ts). */
  class Vallum extends Client {
    /**
     * Opens an instance. `persistence` names the IndexedDB database that
     * keeps memory across page loads (default "vallum" where IndexedDB
     * exists; `false`: this page only). The master key is never stored.
     * `gazetteer` is the pack names and places are looked up in: by default
     * the package's English pack, loaded once per page; a URL of another
     * pack, `{ text }`, or `false` for the rules alone.
     */
    static async open(options) {
      const o = options ?? {}
      if (o.masterKey === undefined || o.masterKey === null) {
        throw new VallumError('invalid_key', 'invalid argument `masterKey`: required (32 bytes or 64 hex digits); the application supplies it and Vallum never stores it')
      }
      // Before the key is copied: a failed load leaves no copy behind.
      const language = await gazetteerFor(o.gazetteer)
      // Always our own copy: the module wipes it once it has the key.
      const key = Uint8Array.from(hexBytes('masterKey', o.masterKey))
      const config = o.config === undefined || o.config === null ? undefined : typeof o.config === 'string' ? o.config : encode(o.config)
      let database = null
      let lockTimeoutMs = 3000
      const p = o.persistence
      if (p === undefined) database = hasIndexedDB() ? 'vallum' : null
      else if (p === false || p === null) database = null
      else if (
        typeof p === 'object' &&
        (p.database === undefined || typeof p.database === 'string') &&
        (p.lockTimeoutMs === undefined || (Number.isFinite(p.lockTimeoutMs) && p.lockTimeoutMs >= 0))
      ) {
        database = p.database ?? 'vallum'
        lockTimeoutMs = p.lockTimeoutMs ?? lockTimeoutMs
      } else throw new VallumError('invalid_argument', 'invalid argument `persistence`: expected false or { database?: string, lockTimeoutMs?: number }')
      if (o.clockMs !== undefined && typeof o.clockMs !== 'number') {
        throw new VallumError('invalid_argument', `invalid argument \`clockMs\`: expected a number, got ${typeOf(o.clockMs)}`)
      }
      // One writer per database: the lock is held until close() (or the
      // page goes away); another tab waits up to lockTimeoutMs, then gets
      // `store_locked`.
      const unlock = database === null ? () => {} : await lockDatabase(database, lockTimeoutMs)
      let store = null
      let core
      try {
        store = database === null ? null : await openRowStore(database)
        const rows = store ? await store.readAll() : []
        core = new glue.Core(config, key, o.clockMs, store ? rows : undefined, language)
      } catch (e) {
        if (store) store.close()
        unlock()
        throw fail(e)
      } finally {
        key.fill(0)
      }
      const v = new Vallum(new Transport(glue, core, store, unlock))
      await v._t.flush()
      return v
    }

    constructor(transport) {
      if (!(transport instanceof Transport)) {
        throw new VallumError('invalid_argument', 'use `await Vallum.open(options)`: opening reads IndexedDB, which is asynchronous')
      }
      super(transport)
      Object.freeze(this)
    }

    advanceClock(ms) {
      this._t.guard(() => this._t.core.advanceClock(ms))
    }

    /** Resolves once every change so far is in IndexedDB. */
    flush() {
      return this._t.flush()
    }

    /** When IndexedDB last committed a write (null: not yet in this page). */
    lastSyncTime() {
      return this._t.lastSyncTime
    }

    /** Calls `listener` after each committed write; returns an unsubscribe function. */
    onSync(listener) {
      this._t.syncListeners.add(listener)
      return () => this._t.syncListeners.delete(listener)
    }

    /** Whether rows persist to IndexedDB. */
    get persistent() {
      return this._t.store !== null
    }

    /** Writes what is pending and closes the database. */
    async close() {
      if (this._t.dead === 'the instance was closed') return
      try {
        await this._t.flush()
      } finally {
        if (this._t.store) this._t.store.close()
        this._t.dead = 'the instance was closed'
        this._t.unlock()
      }
    }
  }

  /** Test hook: a panic inside the module (it stops that module's instances). */
  function panicForTests(message) {
    try {
      glue.panicForTests(message)
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        throw new VallumError('internal_error', `internal error (a bug in vallum, please report it): ${glue.lastPanic() ?? e.message}`)
      }
      throw fail(e)
    }
  }

  return {
    Vallum,
    ERROR_CODES: Object.freeze(glue.errorCodes()),
    errorCodes: () => glue.errorCodes(),
    ENTITIES: Object.freeze(glue.entities()),
    VERSION: glue.version(),
    ...statics,
    deleteDatabase: deleteRowStore,
    _panicForTests: panicForTests,
  }
}
