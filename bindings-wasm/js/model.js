// @vallum/wasm: the object model over the WebAssembly core. This file only
// shapes calls: every operation runs in the Rust core (`vallum::api`), which
// takes and returns JSON text, exactly as in @vallum/node. The core runs on
// the calling thread; a call that writes resolves once IndexedDB has
// committed the rows it changed. The types are in vallum.d.ts (the client
// interface in client.d.ts, shared with @vallum/node).

import { VallumError } from './errors.js'
import { hasIndexedDB, openRowStore, deleteRowStore, lockDatabase } from './idb.js'

export { VallumError }

const ZERO_HASH = '0'.repeat(64)

function typeOf(v) {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v
}

function encode(args) {
  try {
    return JSON.stringify(args)
  } catch (e) {
    throw new VallumError('invalid_argument', `the arguments are not JSON: ${e.message}`)
  }
}

/** A core error → VallumError. The module throws "<code>\x1f<message>". */
function fail(e) {
  if (e instanceof VallumError) return e
  const m = e && typeof e.message === 'string' ? e.message : String(e)
  const i = m.indexOf('\x1f')
  if (i > 0) return new VallumError(m.slice(0, i), m.slice(i + 1))
  return new VallumError('invalid_argument', m)
}

function hexBytes(name, key) {
  if (key instanceof Uint8Array) return key
  if (typeof key === 'string' && /^[0-9a-fA-F]{64}$/.test(key)) {
    const out = new Uint8Array(32)
    for (let i = 0; i < 32; i++) out[i] = parseInt(key.slice(2 * i, 2 * i + 2), 16)
    return out
  }
  throw new VallumError('invalid_key', `invalid argument \`${name}\`: expected 32 bytes (Uint8Array) or 64 hex digits, got ${typeOf(key)}`)
}

function hexText(bytes) {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
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

class Part {
  constructor(t) {
    Object.defineProperty(this, '_t', { value: t })
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

  getData(key, scope) {
    return this._t.callAsync('memory.get', [this.context, scope ?? this.defaultScope, key])
  }

  setData(key, value, scope, options) {
    if (value === undefined) {
      return Promise.reject(new VallumError('invalid_argument', 'invalid argument `value`: undefined is not a JSON value (store null to mean "nothing")'))
    }
    return this._t.callAsync('memory.set', [this.context, scope ?? this.defaultScope, key, value, options ?? null])
  }

  removeData(key, scope) {
    return this._t.callAsync('memory.remove', [this.context, scope ?? this.defaultScope, key])
  }

  clearScope(scope) {
    return this._t.callAsync('memory.clearScope', [this.context, scope ?? this.defaultScope])
  }

  getBatch(keys, scope) {
    return this._t.callAsync('memory.getBatch', [this.context, scope ?? this.defaultScope, keys])
  }

  setBatch(data, scope, options) {
    return this._t.callAsync('memory.setBatch', [this.context, scope ?? this.defaultScope, data, options ?? null])
  }

  getEntry(key, scope) {
    return this._t.callAsync('memory.getEntry', [this.context, scope ?? this.defaultScope, key])
  }

  search(query, scope) {
    const q = typeof query === 'string' ? { text: query } : query ?? {}
    return this._t.callAsync('memory.search', [this.context, scope ?? this.defaultScope, q])
  }

  resolve(key) {
    return this._t.callAsync('memory.resolve', [this.context, key])
  }

  exportData(subject) {
    return this._t.callAsync('memory.export', [this.context, subject ?? 'user'])
  }

  forget(subject) {
    return this._t.callAsync('memory.forget', [this.context, subject])
  }

  rotateDataKey(scope) {
    return this._t.callAsync('memory.rotateDataKey', [this.context, scope ?? this.defaultScope])
  }

  getStats(scope) {
    return this._t.callAsync('memory.stats', [scope ?? null])
  }

  optimizeStorage() {
    return this._t.callAsync('memory.optimize', [])
  }

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

  getStats(scope) {
    return this._t.callAsync('memory.stats', [scope ?? null])
  }

  optimizeStorage() {
    return this._t.callAsync('memory.optimize', [])
  }
}

/** The spec's `useSecurityPolicy` surface: policies, threats, compliance, PII. */
class Security extends Part {
  addPolicy(policy) {
    return this._t.callAsync('policy.add', [policy])
  }

  updatePolicy(id, patch) {
    return this._t.callAsync('policy.update', [id, patch])
  }

  removePolicy(id) {
    return this._t.callAsync('policy.remove', [id])
  }

  getPolicy(id) {
    return this._t.callSync('policy.get', [id])
  }

  listPolicies() {
    return this._t.callSync('policy.list', [])
  }

  evaluateRequest(request, options) {
    return this._t.callAsync('policy.evaluate', [request, options?.auditedBy ?? null])
  }

  evaluateRequestSync(request, options) {
    return this._t.callSync('policy.evaluate', [request, options?.auditedBy ?? null])
  }

  hasPermission(principal, permission) {
    return this._t.callSync('rbac.hasPermission', [principal, permission])
  }

  rolesOf(principal) {
    return this._t.callSync('rbac.rolesOf', [principal])
  }

  costCenter(principal) {
    return this._t.callSync('rbac.costCenter', [principal])
  }

  checkRateLimit(name, key) {
    return this._t.callSync('limits.check', [name, key])
  }

  scanThreats(text) {
    return this._t.callSync('threats.scan', [text])
  }

  recordThreats(text, source) {
    return this._t.callAsync('threats.scanAndRecord', [text, source])
  }

  reportThreat(threat) {
    return this._t.callAsync('threats.report', [threat])
  }

  getThreats(period) {
    return this._t.callAsync('threats.list', [period ?? 'day'])
  }

  getThreatSummary(period) {
    return this._t.callAsync('threats.summary', [period ?? 'day'])
  }

  runComplianceCheck(framework) {
    return this._t.callAsync('compliance.check', [framework ?? 'gdpr'])
  }

  detectPII(text) {
    return this._t.callAsync('pii.detectPII', [text])
  }

  detectPIISync(text) {
    return this._t.callSync('pii.detectPII', [text])
  }

  maskSensitiveData(text, context) {
    return this._t.callAsync('pii.mask', [text, context ?? null])
  }

  maskSensitiveDataSync(text, context) {
    return this._t.callSync('pii.mask', [text, context ?? null])
  }

  subscribe(event, callback) {
    return this._t.subscribe(event, callback)
  }
}

class Pii extends Part {
  detect(text, options) {
    return this._t.callSync('pii.detect', [text, options ?? null])
  }

  detectAsync(text, options) {
    return this._t.callAsync('pii.detect', [text, options ?? null])
  }

  mask(text, context) {
    return this._t.callSync('pii.mask', [text, context ?? null])
  }

  maskAsync(text, context) {
    return this._t.callAsync('pii.mask', [text, context ?? null])
  }

  validate(entity, value) {
    return this._t.callSync('pii.validate', [entity, value])
  }

  maskInSession(context, text) {
    return this._t.callAsync('pii.maskInSession', [context, text])
  }

  unmaskInSession(context, text) {
    return this._t.callAsync('pii.unmaskInSession', [context, text])
  }
}

class Guard extends Part {
  prompt(input) {
    return this._t.callAsync('guard.prompt', [input])
  }

  promptSync(input) {
    return this._t.callSync('guard.prompt', [input])
  }

  response(input) {
    return this._t.callAsync('guard.response', [input])
  }

  responseSync(input) {
    return this._t.callSync('guard.response', [input])
  }
}

class Audit extends Part {
  append(actor, action, resource, outcome, details) {
    return this._t.callAsync('audit.append', [actor, action, resource, outcome, details ?? null])
  }

  query(filter) {
    return this._t.callAsync('audit.query', [filter ?? {}])
  }

  verify() {
    return this._t.callAsync('audit.verify', [])
  }

  checkpoint() {
    return this._t.callAsync('audit.checkpoint', [])
  }

  verifyAgainst(checkpoint) {
    return this._t.callAsync('audit.verifyAgainst', [checkpoint])
  }

  purgeExpired() {
    return this._t.callAsync('audit.purgeExpired', [])
  }

  exportJson(filter) {
    return this._t.callAsync('audit.exportJson', [filter ?? {}])
  }

  exportCsv(filter) {
    return this._t.callAsync('audit.exportCsv', [filter ?? {}])
  }

  verifyRecords(records, startSeq, startPrev) {
    return this._t.callAsync('audit.verifyRecords', [records, startSeq ?? 1, startPrev ?? ZERO_HASH])
  }
}

/** The spec's `usePerformanceMonitoring` surface. */
class Performance extends Part {
  recordMetric(name, value, labels) {
    this._t.callSync('metrics.record', [name, value, labels ?? null])
  }

  increment(name, by, labels) {
    this._t.callSync('metrics.increment', [name, by ?? null, labels ?? null])
  }

  setGauge(name, value, labels) {
    this._t.callSync('metrics.setGauge', [name, value, labels ?? null])
  }

  recordUserJourney(step) {
    this._t.callSync('metrics.recordUserJourney', [step])
  }

  query(query) {
    return this._t.callAsync('metrics.query', [query])
  }

  querySync(query) {
    return this._t.callSync('metrics.query', [query])
  }

  journeyStats(start, end) {
    return this._t.callSync('metrics.journeyStats', [start ?? 'now-24h', end ?? 'now'])
  }

  getHealth() {
    return this._t.callSync('metrics.health', [])
  }

  generateReport(period) {
    return this._t.callAsync('metrics.generateReport', [period ?? 'daily'])
  }

  addAlertRule(rule) {
    this._t.callSync('metrics.addAlertRule', [rule])
  }

  removeAlertRule(name) {
    return this._t.callSync('metrics.removeAlertRule', [name])
  }

  alertRules() {
    return this._t.callSync('metrics.alertRules', [])
  }

  activeAlerts() {
    return this._t.callSync('metrics.activeAlerts', [])
  }

  alertHistory() {
    return this._t.callSync('metrics.alertHistory', [])
  }

  acknowledgeAlert(id, by) {
    this._t.callSync('metrics.acknowledgeAlert', [id, by])
  }

  prometheus() {
    return this._t.callSync('metrics.prometheus', [])
  }

  subscribe(event, callback) {
    return this._t.subscribe(event, callback)
  }
}

/** The spec's cost tracking surface. */
class Costs extends Part {
  recordUsage(usage) {
    return this._t.callAsync('costs.recordUsage', [usage])
  }

  estimate(usage) {
    return this._t.callSync('costs.estimate', [usage])
  }

  reserve(usage) {
    return this._t.callAsync('costs.reserve', [usage])
  }

  settle(reservation, usage) {
    return this._t.callAsync('costs.settle', [reservation, usage])
  }

  release(reservation) {
    return this._t.callSync('costs.release', [reservation])
  }

  report(request) {
    return this._t.callAsync('costs.report', [request ?? { period: 'monthly' }])
  }

  budgetStatus() {
    return this._t.callAsync('costs.budgetStatus', [])
  }

  addBudgets(budgets) {
    this._t.callSync('costs.addBudgets', [budgets])
  }

  budgets() {
    return this._t.callSync('costs.budgets', [])
  }

  setUserTier(user, tier, organization) {
    this._t.callSync('costs.setUserTier', [user, tier ?? null, organization ?? null])
  }

  loadLitellmPrices(jsonText) {
    return this._t.callSync('costs.loadLitellmPrices', [jsonText])
  }

  subscribe(event, callback) {
    return this._t.subscribe(event, callback)
  }
}

/**
 * Builds the package's exports over one wasm-bindgen glue module (the `web`
 * build in browsers, the `nodejs` build in Node).
 */
export function makeApi(glue) {
  function callStatic(op, args) {
    const text = encode(args)
    try {
      return JSON.parse(glue.callStatic(op, text))
    } catch (e) {
      throw fail(e)
    }
  }

  /** One Vallum instance: implements `VallumClient` (client.d.ts). */
  class Vallum {
    /**
     * Opens an instance. `persistence` names the IndexedDB database that
     * keeps memory across page loads (default "vallum" where IndexedDB
     * exists; `false`: this page only). The master key is never stored.
     */
    static async open(options) {
      const o = options ?? {}
      if (o.masterKey === undefined || o.masterKey === null) {
        throw new VallumError('invalid_key', 'invalid argument `masterKey`: required (32 bytes or 64 hex digits); the application supplies it and Vallum never stores it')
      }
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
        core = new glue.Core(config, key, o.clockMs, store ? rows : undefined)
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
      Object.defineProperty(this, '_t', { value: transport })
      this.memory = new Memory(transport)
      this.security = new Security(transport)
      this.pii = new Pii(transport)
      this.guard = new Guard(transport)
      this.audit = new Audit(transport)
      this.performance = new Performance(transport)
      this.costs = new Costs(transport)
      Object.freeze(this)
    }

    subscribe(kind, callback) {
      return this._t.subscribe(kind, callback)
    }

    now() {
      return this._t.callSync('now', [])
    }

    masterKeyId() {
      return this._t.callSync('masterKeyId', [])
    }

    eventHealth() {
      return this._t.callSync('eventHealth', [])
    }

    rotateMasterKey(newKey) {
      let k
      try {
        k = hexText(hexBytes('newKey', newKey))
      } catch (e) {
        return Promise.reject(e)
      }
      return this._t.callAsync('rotateMasterKey', [k])
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
    return callStatic('openStoredValue', [s.masterKey, s.scope, s.owner, s.key, s.dataKeyId, s.wrappedDataKey, s.storedValue])
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
    validateConfig,
    validatePhase5Config: validateConfig,
    migrateConfig,
    migrateToPhase5: migrateConfig,
    createEnterpriseConfig,
    computeCharge,
    openStoredValue,
    deleteDatabase: deleteRowStore,
    _panicForTests: panicForTests,
  }
}
