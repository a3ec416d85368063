'use strict'
// @vallum/node: the object model over the native addon. This file only
// shapes calls: every operation runs in the Rust core (`vallum::api`), which
// takes and returns JSON text. Storage work runs on the libuv thread pool and
// returns a Promise; pure computations are synchronous, with async forms.
// The types are in index.d.ts (the client interface in client.d.ts).

const native = require('./native.js')

/** Every error code of the core (`vallum::ErrorCode::ALL`), from the core. */
const ERROR_CODES = Object.freeze(native.errorCodes())

/** Every Vallum failure: `code` is the core's stable error code. */
class VallumError extends Error {
  constructor(code, message) {
    super(message)
    this.name = 'VallumError'
    this.code = code
  }
}

/** A native error → VallumError. The addon sends "<code>\x1f<message>";
 * anything else (Node-API's own argument checks) is a bad argument. */
function fail(e) {
  if (e instanceof VallumError) return e
  const m = e && typeof e.message === 'string' ? e.message : String(e)
  const i = m.indexOf('\x1f')
  if (i > 0) return new VallumError(m.slice(0, i), m.slice(i + 1))
  return new VallumError('invalid_argument', m)
}

function encode(args) {
  try {
    return JSON.stringify(args)
  } catch (e) {
    throw new VallumError('invalid_argument', `the arguments are not JSON: ${e.message}`)
  }
}

function callSync(core, op, args) {
  let out
  try {
    out = core.call(op, encode(args))
  } catch (e) {
    throw fail(e)
  }
  return JSON.parse(out)
}

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

function callAsync(core, op, args) {
  return settle(() => core.callAsync(op, encode(args)))
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

function typeOf(v) {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v
}

function keyText(name, key) {
  if (key === undefined || key === null) return undefined
  if (typeof key === 'string') return key
  if (key instanceof Uint8Array) return Buffer.from(key).toString('hex')
  throw new VallumError('invalid_argument', `invalid argument \`${name}\`: expected 32 bytes (Uint8Array) or 64 hex digits, got ${typeOf(key)}`)
}

function subscribeTo(core, kind, callback) {
  if (typeof callback !== 'function') {
    throw new VallumError('invalid_argument', 'invalid argument `callback`: expected a function')
  }
  let sub
  try {
    sub = core.subscribe(kind ?? null, (text) => callback(JSON.parse(text)))
  } catch (e) {
    throw fail(e)
  }
  return () => sub.close()
}

const ZERO_HASH = '0'.repeat(64)

class Part {
  constructor(core) {
    Object.defineProperty(this, '_core', { value: core })
  }
}

/** Memory for one request context; the spec's `useMemoryScope` result. */
class ScopedMemory extends Part {
  constructor(core, context, defaultScope) {
    super(core)
    this.context = context
    this.defaultScope = defaultScope
  }

  getCurrentScope() {
    return this.defaultScope
  }

  getData(key, scope) {
    return callAsync(this._core, 'memory.get', [this.context, scope ?? this.defaultScope, key])
  }

  setData(key, value, scope, options) {
    if (value === undefined) {
      return Promise.reject(new VallumError('invalid_argument', 'invalid argument `value`: undefined is not a JSON value (store null to mean "nothing")'))
    }
    return callAsync(this._core, 'memory.set', [this.context, scope ?? this.defaultScope, key, value, options ?? null])
  }

  removeData(key, scope) {
    return callAsync(this._core, 'memory.remove', [this.context, scope ?? this.defaultScope, key])
  }

  clearScope(scope) {
    return callAsync(this._core, 'memory.clearScope', [this.context, scope ?? this.defaultScope])
  }

  getBatch(keys, scope) {
    return callAsync(this._core, 'memory.getBatch', [this.context, scope ?? this.defaultScope, keys])
  }

  setBatch(data, scope, options) {
    return callAsync(this._core, 'memory.setBatch', [this.context, scope ?? this.defaultScope, data, options ?? null])
  }

  getEntry(key, scope) {
    return callAsync(this._core, 'memory.getEntry', [this.context, scope ?? this.defaultScope, key])
  }

  search(query, scope) {
    const q = typeof query === 'string' ? { text: query } : query ?? {}
    return callAsync(this._core, 'memory.search', [this.context, scope ?? this.defaultScope, q])
  }

  resolve(key) {
    return callAsync(this._core, 'memory.resolve', [this.context, key])
  }

  exportData(subject) {
    return callAsync(this._core, 'memory.export', [this.context, subject ?? 'user'])
  }

  forget(subject) {
    return callAsync(this._core, 'memory.forget', [this.context, subject])
  }

  rotateDataKey(scope) {
    return callAsync(this._core, 'memory.rotateDataKey', [this.context, scope ?? this.defaultScope])
  }

  getStats(scope) {
    return callAsync(this._core, 'memory.stats', [scope ?? null])
  }

  optimizeStorage() {
    return callAsync(this._core, 'memory.optimize', [])
  }

  subscribe(event, callback) {
    return subscribeTo(this._core, event ?? 'memory_changed', callback)
  }
}

class Memory extends Part {
  /** Memory for one request context, defaulting to `defaultScope` ('session'). */
  for(context, options) {
    if (context === null || typeof context !== 'object' || typeof context.organization !== 'string') {
      throw new VallumError('invalid_argument', 'invalid argument `context`: expected { organization, user?, session? }')
    }
    return new ScopedMemory(this._core, context, options?.defaultScope ?? 'session')
  }

  getStats(scope) {
    return callAsync(this._core, 'memory.stats', [scope ?? null])
  }

  optimizeStorage() {
    return callAsync(this._core, 'memory.optimize', [])
  }
}

/** The spec's `useSecurityPolicy` surface: policies, threats, compliance, PII. */
class Security extends Part {
  addPolicy(policy) {
    return callAsync(this._core, 'policy.add', [policy])
  }

  updatePolicy(id, patch) {
    return callAsync(this._core, 'policy.update', [id, patch])
  }

  removePolicy(id) {
    return callAsync(this._core, 'policy.remove', [id])
  }

  getPolicy(id) {
    return callSync(this._core, 'policy.get', [id])
  }

  listPolicies() {
    return callSync(this._core, 'policy.list', [])
  }

  evaluateRequest(request, options) {
    return callAsync(this._core, 'policy.evaluate', [request, options?.auditedBy ?? null])
  }

  evaluateRequestSync(request, options) {
    return callSync(this._core, 'policy.evaluate', [request, options?.auditedBy ?? null])
  }

  hasPermission(principal, permission) {
    return callSync(this._core, 'rbac.hasPermission', [principal, permission])
  }

  rolesOf(principal) {
    return callSync(this._core, 'rbac.rolesOf', [principal])
  }

  costCenter(principal) {
    return callSync(this._core, 'rbac.costCenter', [principal])
  }

  checkRateLimit(name, key) {
    return callSync(this._core, 'limits.check', [name, key])
  }

  scanThreats(text) {
    return callSync(this._core, 'threats.scan', [text])
  }

  recordThreats(text, source) {
    return callAsync(this._core, 'threats.scanAndRecord', [text, source])
  }

  reportThreat(threat) {
    return callAsync(this._core, 'threats.report', [threat])
  }

  getThreats(period) {
    return callAsync(this._core, 'threats.list', [period ?? 'day'])
  }

  getThreatSummary(period) {
    return callAsync(this._core, 'threats.summary', [period ?? 'day'])
  }

  runComplianceCheck(framework) {
    return callAsync(this._core, 'compliance.check', [framework ?? 'gdpr'])
  }

  detectPII(text) {
    return callAsync(this._core, 'pii.detectPII', [text])
  }

  detectPIISync(text) {
    return callSync(this._core, 'pii.detectPII', [text])
  }

  maskSensitiveData(text, context) {
    return callAsync(this._core, 'pii.mask', [text, context ?? null])
  }

  maskSensitiveDataSync(text, context) {
    return callSync(this._core, 'pii.mask', [text, context ?? null])
  }

  subscribe(event, callback) {
    return subscribeTo(this._core, event, callback)
  }
}

class Pii extends Part {
  detect(text, options) {
    return callSync(this._core, 'pii.detect', [text, options ?? null])
  }

  detectAsync(text, options) {
    return callAsync(this._core, 'pii.detect', [text, options ?? null])
  }

  mask(text, context) {
    return callSync(this._core, 'pii.mask', [text, context ?? null])
  }

  maskAsync(text, context) {
    return callAsync(this._core, 'pii.mask', [text, context ?? null])
  }

  validate(entity, value) {
    return callSync(this._core, 'pii.validate', [entity, value])
  }

  maskInSession(context, text) {
    return callAsync(this._core, 'pii.maskInSession', [context, text])
  }

  unmaskInSession(context, text) {
    return callAsync(this._core, 'pii.unmaskInSession', [context, text])
  }
}

class Guard extends Part {
  prompt(input) {
    return callAsync(this._core, 'guard.prompt', [input])
  }

  promptSync(input) {
    return callSync(this._core, 'guard.prompt', [input])
  }

  response(input) {
    return callAsync(this._core, 'guard.response', [input])
  }

  responseSync(input) {
    return callSync(this._core, 'guard.response', [input])
  }
}

class Audit extends Part {
  append(actor, action, resource, outcome, details) {
    return callAsync(this._core, 'audit.append', [actor, action, resource, outcome, details ?? null])
  }

  query(filter) {
    return callAsync(this._core, 'audit.query', [filter ?? {}])
  }

  verify() {
    return callAsync(this._core, 'audit.verify', [])
  }

  checkpoint() {
    return callAsync(this._core, 'audit.checkpoint', [])
  }

  verifyAgainst(checkpoint) {
    return callAsync(this._core, 'audit.verifyAgainst', [checkpoint])
  }

  purgeExpired() {
    return callAsync(this._core, 'audit.purgeExpired', [])
  }

  exportJson(filter) {
    return callAsync(this._core, 'audit.exportJson', [filter ?? {}])
  }

  exportCsv(filter) {
    return callAsync(this._core, 'audit.exportCsv', [filter ?? {}])
  }

  verifyRecords(records, startSeq, startPrev) {
    return callAsync(this._core, 'audit.verifyRecords', [records, startSeq ?? 1, startPrev ?? ZERO_HASH])
  }
}

/** The spec's `usePerformanceMonitoring` surface. */
class Performance extends Part {
  recordMetric(name, value, labels) {
    callSync(this._core, 'metrics.record', [name, value, labels ?? null])
  }

  increment(name, by, labels) {
    callSync(this._core, 'metrics.increment', [name, by ?? null, labels ?? null])
  }

  setGauge(name, value, labels) {
    callSync(this._core, 'metrics.setGauge', [name, value, labels ?? null])
  }

  recordUserJourney(step) {
    callSync(this._core, 'metrics.recordUserJourney', [step])
  }

  query(query) {
    return callAsync(this._core, 'metrics.query', [query])
  }

  querySync(query) {
    return callSync(this._core, 'metrics.query', [query])
  }

  journeyStats(start, end) {
    return callSync(this._core, 'metrics.journeyStats', [start ?? 'now-24h', end ?? 'now'])
  }

  getHealth() {
    return callSync(this._core, 'metrics.health', [])
  }

  generateReport(period) {
    return callAsync(this._core, 'metrics.generateReport', [period ?? 'daily'])
  }

  addAlertRule(rule) {
    callSync(this._core, 'metrics.addAlertRule', [rule])
  }

  removeAlertRule(name) {
    return callSync(this._core, 'metrics.removeAlertRule', [name])
  }

  alertRules() {
    return callSync(this._core, 'metrics.alertRules', [])
  }

  activeAlerts() {
    return callSync(this._core, 'metrics.activeAlerts', [])
  }

  alertHistory() {
    return callSync(this._core, 'metrics.alertHistory', [])
  }

  acknowledgeAlert(id, by) {
    callSync(this._core, 'metrics.acknowledgeAlert', [id, by])
  }

  prometheus() {
    return callSync(this._core, 'metrics.prometheus', [])
  }

  subscribe(event, callback) {
    return subscribeTo(this._core, event, callback)
  }
}

/** The spec's `useCostTracking` surface. */
class Costs extends Part {
  recordUsage(usage) {
    return callAsync(this._core, 'costs.recordUsage', [usage])
  }

  estimate(usage) {
    return callSync(this._core, 'costs.estimate', [usage])
  }

  reserve(usage) {
    return callAsync(this._core, 'costs.reserve', [usage])
  }

  settle(reservation, usage) {
    return callAsync(this._core, 'costs.settle', [reservation, usage])
  }

  release(reservation) {
    return callSync(this._core, 'costs.release', [reservation])
  }

  report(request) {
    return callAsync(this._core, 'costs.report', [request ?? { period: 'monthly' }])
  }

  budgetStatus() {
    return callAsync(this._core, 'costs.budgetStatus', [])
  }

  addBudgets(budgets) {
    callSync(this._core, 'costs.addBudgets', [budgets])
  }

  budgets() {
    return callSync(this._core, 'costs.budgets', [])
  }

  setUserTier(user, tier, organization) {
    callSync(this._core, 'costs.setUserTier', [user, tier ?? null, organization ?? null])
  }

  loadLitellmPrices(jsonText) {
    return callSync(this._core, 'costs.loadLitellmPrices', [jsonText])
  }

  subscribe(event, callback) {
    return subscribeTo(this._core, event, callback)
  }
}

function configText(config) {
  if (config === undefined || config === null) return undefined
  if (typeof config === 'string') return config
  return encode(config)
}

/** One Vallum instance: implements `VallumClient` (client.d.ts). */
class Vallum {
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
      })
    } catch (e) {
      throw fail(e)
    } finally {
      if (key) key.fill(0)
    }
    Object.defineProperty(this, '_core', { value: core })
    this.memory = new Memory(core)
    this.security = new Security(core)
    this.pii = new Pii(core)
    this.guard = new Guard(core)
    this.audit = new Audit(core)
    this.performance = new Performance(core)
    this.costs = new Costs(core)
    Object.freeze(this)
  }

  subscribe(kind, callback) {
    return subscribeTo(this._core, kind, callback)
  }

  now() {
    return callSync(this._core, 'now', [])
  }

  masterKeyId() {
    return callSync(this._core, 'masterKeyId', [])
  }

  eventHealth() {
    return callSync(this._core, 'eventHealth', [])
  }

  advanceClock(ms) {
    try {
      this._core.advanceClock(ms)
    } catch (e) {
      throw fail(e)
    }
  }

  rotateMasterKey(newKey) {
    let k
    try {
      k = keyText('newKey', newKey)
    } catch (e) {
      return Promise.reject(e)
    }
    return callAsync(this._core, 'rotateMasterKey', [k])
  }

  /** Closes the store and releases its writer lock (another instance or
   * process may then open it); later storage calls reject with `storage_error`. */
  close() {
    try {
      this._core.close()
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
  validateConfig,
  validatePhase5Config: validateConfig,
  migrateConfig,
  migrateToPhase5: migrateConfig,
  createEnterpriseConfig,
  computeCharge,
  openStoredValue,
  _panicForTests: panicForTests,
}
