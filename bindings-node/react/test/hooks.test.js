import { describe, expect, test } from 'vitest'
import { act, renderHook, waitFor, render, screen } from '@testing-library/react'
import { createElement as h } from 'react'
import {
  VallumProvider,
  CopilotProvider,
  useMemoryScope,
  useSecurityPolicy,
  usePerformanceMonitoring,
  useCostTracking,
  useVallum,
  createEnterpriseConfig,
  validatePhase5Config,
  migrateToPhase5,
  VallumError,
} from '../src/index.js'
import { open, wrapperFor, KEY, CTX } from './helpers.js'

describe('useMemoryScope', () => {
  test('the specification return shape, data round trip and stats re-rendering', async () => {
    const client = await open()
    const { result } = renderHook(() => useMemoryScope({ defaultScope: 'user' }), { wrapper: wrapperFor(client) })
    for (const k of ['getData', 'setData', 'removeData', 'clearScope', 'getBatch', 'setBatch', 'syncData', 'resolveConflict', 'getStats', 'optimizeStorage', 'subscribe']) {
      expect(typeof result.current[k], k).toBe('function')
    }
    expect(result.current.isOnline).toBe(true)
    expect(result.current.lastSyncTime).toBe(null)
    expect(result.current.conflicts).toEqual([])
    expect(result.current.getCurrentScope()).toBe('user')
    await act(() => result.current.setData('prefs', { theme: 'dark' }))
    expect(await result.current.getData('prefs')).toEqual({ theme: 'dark' })
    expect(await client.memory.for(CTX).getData('prefs', 'user')).toEqual({ theme: 'dark' })
    await act(() => result.current.setBatch({ a: 1, b: 2 }, 'session'))
    expect(await result.current.getBatch(['a', 'b', 'c'], 'session')).toEqual({ a: 1, b: 2 })
    await waitFor(() => expect(result.current.getStats('user')[0]?.entries).toBe(1))
    expect(result.current.getStats().map((s) => s.scope)).toContain('session')
    await act(() => result.current.removeData('prefs'))
    expect(await result.current.getData('prefs')).toBe(null)
    const sync = await result.current.syncData()
    expect(sync.synced).toBe(true)
    await expect(result.current.resolveConflict('a', 'local')).rejects.toMatchObject({ code: 'not_found' })
  })

  test('enabledScopes refuses other scopes with a typed error', async () => {
    const client = await open()
    const { result } = renderHook(() => useMemoryScope({ enabledScopes: ['session'] }), { wrapper: wrapperFor(client) })
    await expect(result.current.setData('k', 1, 'organization')).rejects.toMatchObject({ code: 'scope_disabled' })
    await expect(result.current.getData('k', 'user')).rejects.toBeInstanceOf(VallumError)
    await act(() => result.current.setData('k', 1))
    expect(await result.current.getData('k')).toBe(1)
  })

  test('subscribers hear memory events', async () => {
    const client = await open()
    const { result } = renderHook(() => useMemoryScope(), { wrapper: wrapperFor(client) })
    const seen = []
    const off = result.current.subscribe('memory_changed', (e) => seen.push(e))
    await act(() => result.current.setData('x', 'y'))
    off()
    await act(() => result.current.setData('x', 'z'))
    expect(seen.length).toBe(1)
    expect(seen[0].type).toBe('memory_changed')
  })
})

describe('useSecurityPolicy', () => {
  test('policies, threats and compliance status follow the core', async () => {
    const client = await open()
    const { result } = renderHook(() => useSecurityPolicy({ compliance: { framework: ['gdpr'] } }), { wrapper: wrapperFor(client) })
    expect(result.current.policies).toEqual([])
    await waitFor(() => expect(result.current.complianceStatus?.framework).toBe('gdpr'))
    let id
    await act(async () => {
      id = await result.current.addPolicy({
        id: 'no-secrets',
        name: 'No secrets',
        enabled: true,
        priority: 100,
        conditions: [{ type: 'data', operator: 'contains', field: 'content', value: 'customer_data' }],
        actions: [{ type: 'log' }, { type: 'deny' }],
      })
    })
    expect(id).toBe('no-secrets')
    expect(result.current.policies.map((p) => p.id)).toEqual(['no-secrets'])
    const d = await result.current.evaluateRequest({ data: { content: 'export customer_data now' } })
    expect(d.effect).toBe('deny')
    await act(() => result.current.reportThreat({ kind: 'prompt_injection', severity: 'high', source: 'test' }))
    await waitFor(() => expect(result.current.threats.length).toBe(1))
    const pii = await result.current.detectPII('mail ada@example.com')
    expect(pii.found).toBe(true)
    expect(pii.types).toEqual(['EMAIL_ADDRESS'])
    expect((await result.current.maskSensitiveData('mail ada@example.com')).text).not.toContain('ada@example.com')
    const m = await result.current.getDashboardMetrics()
    expect(m).toMatchObject({ activePolicies: 1, threatsToday: 1 })
    await act(() => result.current.removePolicy('no-secrets'))
    expect(result.current.policies).toEqual([])
  })
})

describe('usePerformanceMonitoring', () => {
  test('metrics, alert rules from config, health and acknowledgement', async () => {
    const client = await open()
    const config = { alerting: { enabled: true, rules: [{ name: 'High Response Time', metric: 'response_time', condition: 'above', threshold: 1000, severity: 'high' }] } }
    const { result } = renderHook(() => usePerformanceMonitoring(config), { wrapper: wrapperFor(client) })
    expect(result.current.isHealthy).toBe(true)
    expect(client.performance.alertRules().map((r) => r.name)).toEqual(['High Response Time'])
    act(() => result.current.recordMetric('response_time', 5000, { endpoint: '/chat' }))
    await waitFor(() => expect(result.current.alerts.length).toBe(1))
    expect(result.current.overallScore).toBeLessThan(100)
    const q = await result.current.query({ metric: 'response_time', aggregation: 'p95' })
    expect(q.data[0].value).toBeGreaterThan(4000)
    act(() => result.current.acknowledgeAlert(result.current.alerts[0].id, 'oncall'))
    expect(client.performance.activeAlerts()[0].acknowledgedBy).toBe('oncall')
    act(() => result.current.recordUserJourney({ action: 'open-chat', duration: 12, success: true }))
    expect(client.performance.journeyStats().length).toBe(1)
  })
})

describe('useCostTracking', () => {
  test('recording usage updates the report and budget status', async () => {
    const client = await open()
    client.costs.addBudgets([{ id: 'support-monthly', level: 'team', subject: 'support', period: 'monthly', limitMicros: 5_000_000 }])
    const { result } = renderHook(() => useCostTracking({ groupBy: 'team' }), { wrapper: wrapperFor(client) })
    await waitFor(() => expect(result.current.report).not.toBe(null))
    expect(result.current.report.totalMicros).toBe(0)
    const usage = { model: 'gpt-4o', input_tokens: 10_000, output_tokens: 1_000, attribution: { team: 'support' } }
    const estimate = result.current.estimate(usage)
    await act(() => result.current.recordUsage(usage))
    await waitFor(() => expect(result.current.report.totalMicros).toBe(estimate.costMicros))
    expect(result.current.report.groups[0].key).toBe('support')
    await waitFor(() => expect(result.current.budgets[0]?.spentMicros).toBe(estimate.costMicros))
  })
})

describe('providers and configuration', () => {
  test('hooks outside a provider throw a typed error', () => {
    expect(() => renderHook(() => useVallum())).toThrow(/inside <VallumProvider>/)
  })

  test('CopilotProvider opens @vallum/wasm from config and key, rendering the fallback first', async () => {
    const config = createEnterpriseConfig({ name: 'Assistant', slug: 'assistant', modelProvider: 'anthropic', model: 'claude-3-sonnet-20240229' })
    expect(validatePhase5Config(config).valid).toBe(true)
    function Probe() {
      const v = useVallum()
      return h('p', null, `key ${v.masterKeyId()}`)
    }
    render(h(CopilotProvider, { config, masterKey: KEY, fallback: h('p', null, 'opening') }, h(Probe)))
    expect(screen.getByText('opening')).toBeTruthy()
    await waitFor(() => expect(screen.getByText(/^key [0-9a-f]{8}$/)).toBeTruthy())
  })

  test('a bad key renders an alert and reports the typed error', async () => {
    const errors = []
    render(h(VallumProvider, { masterKey: 'short', onError: (e) => errors.push(e) }, h('p', null, 'never')))
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/masterKey/))
    expect(errors[0].code).toBe('invalid_key')
    expect(screen.queryByText('never')).toBe(null)
  })

  test('validatePhase5Config reports paths; migrateToPhase5 fills a base config', () => {
    const bad = validatePhase5Config({ enterpriseMemory: { scopes: { enabled: ['nowhere'] } } })
    expect(bad.valid).toBe(false)
    expect(bad.errors[0].path).toMatch(/^\$\.enterpriseMemory/)
    const full = migrateToPhase5({ name: 'Assistant', slug: 'assistant' })
    expect(validatePhase5Config(full).valid).toBe(true)
    expect(full.enterpriseMemory).toBeTruthy()
  })
})
