// @vallum/react: the provider and the specification's hooks. They shape
// calls to a `VallumClient` (@vallum/wasm in the browser, @vallum/node on a
// server) and hold no security logic: every decision is the Rust core's.
// Components re-render on the core's events through useSyncExternalStore.
import {
  createContext,
  createElement as h,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react'
import { Vallum, VallumError } from '@vallum/wasm'

/**
 * A version counter per client, bumped by every core event and every write
 * made through a hook: the external store the hooks
 * subscribe to.
 */
export class VallumStore {
  constructor(client) {
    this.client = client
    this.version = 0
    this.listeners = new Set()
    this.subscribe = this.subscribe.bind(this)
    this.getSnapshot = this.getSnapshot.bind(this)
    this.bump = this.bump.bind(this)
    // Not IndexedDB commits: a reload that writes would then loop.
    this.detach = [client.subscribe(null, this.bump)]
  }

  subscribe(listener) {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getSnapshot() {
    return this.version
  }

  bump() {
    this.version++
    for (const l of [...this.listeners]) l()
  }

  close() {
    for (const d of this.detach) d()
  }
}

const VallumContext = createContext(null)

const DEFAULT_CONTEXT = Object.freeze({ organization: 'default', user: 'local', session: 'local' })

/**
 * Supplies a Vallum client to the hooks. Pass `client` (any `VallumClient`),
 * or `config` + `masterKey` to open @vallum/wasm here (memory persists to
 * IndexedDB database `persistence.database`, default "vallum"). `context` is
 * the request context memory hooks use. Until the client opens, `fallback`
 * renders; if opening fails, `onError` is called and an alert renders.
 */
export function VallumProvider({ client, config, masterKey, persistence, context, fallback = null, onError, children }) {
  const [opened, setOpened] = useState(null)
  const [error, setError] = useState(null)
  useEffect(() => {
    if (client) return undefined
    let live = true
    let instance = null
    Vallum.open({ config, masterKey, persistence })
      .then((v) => {
        instance = v
        if (live) setOpened(v)
        else v.close()
      })
      .catch((e) => {
        if (!live) return
        setError(e)
        if (onError) onError(e)
      })
    return () => {
      live = false
      if (instance) instance.close()
    }
    // Opening again on every render would lose the instance: only the key,
    // config text and database identify it.
  }, [client, masterKey, JSON.stringify(config ?? null), JSON.stringify(persistence ?? null)])

  const active = client ?? opened
  const store = useMemo(() => (active ? new VallumStore(active) : null), [active])
  useEffect(() => () => store?.close(), [store])
  const ctx = useMemo(() => context ?? DEFAULT_CONTEXT, [JSON.stringify(context ?? null)])
  const value = useMemo(() => (store ? { client: active, store, context: ctx } : null), [store, active, ctx])

  if (error) {
    return h('div', { role: 'alert', className: 'vallum-error' }, `Vallum could not open: ${error.message}`)
  }
  if (!value) return fallback
  return h(VallumContext.Provider, { value }, children)
}

/** The specification's name for `VallumProvider`. */
export const CopilotProvider = VallumProvider

function useVallumContext(hook) {
  const v = useContext(VallumContext)
  if (!v) throw new VallumError('invalid_argument', `${hook} must be called inside <VallumProvider> (or <CopilotProvider>)`)
  return v
}

/** The client of the nearest provider. */
export function useVallum() {
  return useVallumContext('useVallum').client
}

/** A number that changes whenever the core reports an event (a render trigger). */
export function useVallumVersion() {
  const { store } = useVallumContext('useVallumVersion')
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot)
}

/**
 * The value of `load()` (sync or async), reloaded whenever the store's
 * version changes or `deps` do; `[value, error]`.
 */
function useLoaded(load, deps, initial) {
  const version = useVallumVersion()
  const [state, setState] = useState({ value: initial, error: null })
  useEffect(() => {
    let live = true
    Promise.resolve()
      .then(load)
      .then(
        (value) => live && setState({ value, error: null }),
        (error) => live && setState((s) => ({ value: s.value, error })),
      )
    return () => {
      live = false
    }
  }, [version, ...deps])
  return [state.value, state.error]
}

/** Wraps a client call so the store re-renders subscribers once it settles. */
function writes(store, f) {
  return async (...args) => {
    try {
      return await f(...args)
    } finally {
      store.bump()
    }
  }
}

function subscribeOnline(callback) {
  if (typeof window === 'undefined') return () => {}
  window.addEventListener('online', callback)
  window.addEventListener('offline', callback)
  return () => {
    window.removeEventListener('online', callback)
    window.removeEventListener('offline', callback)
  }
}

const noSubscription = () => () => {}
const noTime = () => null
const online = () => (typeof navigator === 'undefined' ? true : navigator.onLine !== false)

/**
 * The specification's `useMemoryScope`. `config.defaultScope` (default
 * "session") and `config.enabledScopes` (default: all) apply to this
 * component; `config.context` overrides the provider's request context.
 * Data is encrypted by the core; `syncData` waits until IndexedDB has
 * committed every write. A single local store has no conflicts, so
 * `conflicts` stays empty.
 */
export function useMemoryScope(config) {
  const { client, store, context } = useVallumContext('useMemoryScope')
  const defaultScope = config?.defaultScope ?? 'session'
  const enabled = config?.enabledScopes ?? null
  const ctx = config?.context ?? context
  const memory = useMemo(() => client.memory.for(ctx, { defaultScope }), [client, JSON.stringify(ctx), defaultScope])
  const version = useVallumVersion()
  const isOnline = useSyncExternalStore(subscribeOnline, online, () => true)
  const [stats] = useLoaded(() => memory.getStats(), [memory], [])

  const api = useMemo(() => {
    const allowed = (scope) => {
      const s = scope ?? defaultScope
      if (enabled && !enabled.includes(s)) {
        throw new VallumError('scope_disabled', `scope \`${s}\` is not among this component's enabledScopes (${enabled.join(', ')})`)
      }
      return s
    }
    const guarded = (f) => (...args) => {
      try {
        return f(...args)
      } catch (e) {
        return Promise.reject(e)
      }
    }
    return {
      getCurrentScope: () => defaultScope,
      getData: guarded((key, scope) => memory.getData(key, allowed(scope))),
      setData: guarded(writes(store, (key, value, scope, options) => memory.setData(key, value, allowed(scope), options))),
      removeData: guarded(writes(store, (key, scope) => memory.removeData(key, allowed(scope)))),
      clearScope: guarded(writes(store, (scope) => memory.clearScope(allowed(scope)))),
      getBatch: guarded((keys, scope) => memory.getBatch(keys, allowed(scope))),
      setBatch: guarded(writes(store, (data, scope, options) => memory.setBatch(data, allowed(scope), options))),
      search: guarded((query, scope) => memory.search(query, allowed(scope))),
      exportData: (subject) => memory.exportData(subject),
      forget: writes(store, (subject) => memory.forget(subject)),
      syncData: async () => {
        if (typeof client.flush === 'function') await client.flush()
        return { synced: true, at: new Date(), conflicts: [] }
      },
      resolveConflict: (key) => Promise.reject(new VallumError('not_found', `no conflict on key \`${key}\`: this store has a single writer`)),
      optimizeStorage: writes(store, () => memory.optimizeStorage()),
      subscribe: (event, callback) => memory.subscribe(event, callback),
    }
  }, [memory, store, defaultScope, JSON.stringify(enabled)])

  const lastSyncTime = useSyncExternalStore(
    typeof client.onSync === 'function' ? (l) => client.onSync(l) : noSubscription,
    typeof client.lastSyncTime === 'function' ? () => client.lastSyncTime() : noTime,
    noTime,
  )
  return useMemo(
    () => ({
      ...api,
      getStats: (scope) => (scope ? stats.filter((s) => s.scope === scope) : stats),
      isOnline,
      lastSyncTime,
      conflicts: [],
      pendingChanges: [],
    }),
    [api, stats, isOnline, lastSyncTime, version],
  )
}

/**
 * The specification's `useSecurityPolicy`. `policies`, `threats` (today's)
 * and `complianceStatus` (the first of `config.compliance.framework`,
 * default GDPR) stay current as the core reports events.
 */
export function useSecurityPolicy(config) {
  const { client, store } = useVallumContext('useSecurityPolicy')
  const security = client.security
  const framework = config?.compliance?.framework?.[0] ?? 'gdpr'
  const version = useVallumVersion()
  const policies = useMemo(() => security.listPolicies(), [security, version])
  const [threats] = useLoaded(() => security.getThreats('day'), [security], [])
  const [complianceStatus] = useLoaded(() => security.runComplianceCheck(framework), [security, framework], null)
  return useMemo(
    () => ({
      policies,
      threats,
      complianceStatus,
      addPolicy: writes(store, (p) => security.addPolicy(p)),
      updatePolicy: writes(store, (id, p) => security.updatePolicy(id, p)),
      removePolicy: writes(store, (id) => security.removePolicy(id)),
      evaluateRequest: (request, options) => security.evaluateRequest(request, options),
      reportThreat: writes(store, (t) => security.reportThreat(t)),
      getThreatSummary: (period) => security.getThreatSummary(period),
      runComplianceCheck: writes(store, (fw) => security.runComplianceCheck(fw ?? framework)),
      detectPII: (text) => security.detectPII(text),
      maskSensitiveData: (text) => security.maskSensitiveData(text),
      getDashboardMetrics: async () => {
        const summary = await security.getThreatSummary('day')
        const report = await security.runComplianceCheck(framework)
        return {
          activePolicies: security.listPolicies().length,
          threatsToday: summary.total,
          threatsBySeverity: summary.bySeverity,
          complianceScore: report.score,
          failedControls: report.failed,
        }
      },
      subscribe: (event, callback) => security.subscribe(event, callback),
    }),
    [security, store, policies, threats, complianceStatus, framework],
  )
}

/**
 * The specification's `usePerformanceMonitoring`. `config.alerting.rules`
 * are added once; `alerts`, `health`, `isHealthy` and `overallScore`
 * follow the core.
 */
export function usePerformanceMonitoring(config) {
  const { client, store } = useVallumContext('usePerformanceMonitoring')
  const perf = client.performance
  const rules = config?.alerting?.enabled === false ? [] : config?.alerting?.rules ?? []
  const rulesKey = JSON.stringify(rules)
  const added = useRef(null)
  if (added.current !== rulesKey) {
    for (const r of rules) perf.addAlertRule(r)
    added.current = rulesKey
  }
  const version = useVallumVersion()
  const snapshot = useMemo(() => ({ health: perf.getHealth(), alerts: perf.activeAlerts() }), [perf, version])
  return useMemo(
    () => ({
      ...snapshot,
      isHealthy: snapshot.health.isHealthy,
      overallScore: snapshot.health.overallScore,
      recordMetric: (name, value, labels) => {
        perf.recordMetric(name, value, labels)
        store.bump()
      },
      increment: (name, by, labels) => {
        perf.increment(name, by, labels)
        store.bump()
      },
      recordUserJourney: (step) => {
        perf.recordUserJourney(step)
        store.bump()
      },
      query: (q) => perf.query(q),
      generateReport: (period) => perf.generateReport(period),
      addAlertRule: (rule) => {
        perf.addAlertRule(rule)
        store.bump()
      },
      removeAlertRule: (name) => {
        const removed = perf.removeAlertRule(name)
        store.bump()
        return removed
      },
      acknowledgeAlert: (id, by) => {
        perf.acknowledgeAlert(id, by ?? 'dashboard')
        store.bump()
      },
      subscribe: (event, callback) => perf.subscribe(event, callback),
    }),
    [perf, store, snapshot],
  )
}

/**
 * Cost tracking: the current `report` (`options.period`, default monthly,
 * grouped by `options.groupBy`, default team), the `budgets`' status, and
 * the recording calls.
 */
export function useCostTracking(options) {
  const { client, store } = useVallumContext('useCostTracking')
  const costs = client.costs
  const period = options?.period ?? 'monthly'
  const groupBy = options?.groupBy ?? 'team'
  const [report, reportError] = useLoaded(() => costs.report({ period, groupBy }), [costs, period, groupBy], null)
  const [budgets, budgetError] = useLoaded(() => costs.budgetStatus(), [costs], [])
  return useMemo(
    () => ({
      report,
      budgets,
      error: reportError ?? budgetError,
      loading: report === null && !reportError,
      recordUsage: writes(store, (u) => costs.recordUsage(u)),
      estimate: (u) => costs.estimate(u),
      reserve: writes(store, (u) => costs.reserve(u)),
      settle: writes(store, (r, u) => costs.settle(r, u)),
      release: (r) => {
        const released = costs.release(r)
        store.bump()
        return released
      },
      getReport: (request) => costs.report(request),
      refresh: store.bump,
    }),
    [costs, store, report, budgets, reportError, budgetError],
  )
}

/** Reloads every `seconds` (the dashboard's refreshInterval); 0 or less: never. */
export function useRefresh(seconds) {
  const { store } = useVallumContext('useRefresh')
  const bump = useCallback(() => store.bump(), [store])
  useEffect(() => {
    if (!(seconds > 0)) return undefined
    const id = setInterval(bump, seconds * 1000)
    return () => clearInterval(id)
  }, [seconds, bump])
}
