// The EnterpriseDashboard: security, performance, memory, compliance and
// cost widgets over the hooks. Charts are inline SVG with text equivalents;
// every widget is a labelled region, every control a real button.
import { createElement as h, Fragment, useEffect, useId, useState } from 'react'
import {
  useCostTracking,
  useMemoryScope,
  usePerformanceMonitoring,
  useRefresh,
  useSecurityPolicy,
  useVallum,
  useVallumVersion,
} from './hooks.js'

const SEVERITIES = ['critical', 'high', 'medium', 'low']

function usd(micros) {
  const v = (micros ?? 0) / 1e6
  return v >= 100 ? `$${v.toFixed(0)}` : v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`
}

function bytes(n) {
  if (n === null || n === undefined) return '—'
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`
  return `${n} B`
}

function Widget({ title, className, children }) {
  const id = useId()
  return h(
    'section',
    { className: `vd-widget ${className ?? ''}`, 'aria-labelledby': id },
    h('h2', { id, className: 'vd-title' }, title),
    children,
  )
}

function Stat({ label, value, testId, tone }) {
  return h(
    'div',
    { className: `vd-stat ${tone ? `vd-${tone}` : ''}` },
    h('span', { className: 'vd-stat-value', 'data-testid': testId }, String(value)),
    h('span', { className: 'vd-stat-label' }, label),
  )
}

/** A horizontal bar with its value in text (the bar is decoration). */
function Bar({ label, value, max, text, tone }) {
  const pct = max > 0 ? Math.min(100, (value / max) * 100) : 0
  return h(
    'div',
    { className: 'vd-bar-row' },
    h('span', { className: 'vd-bar-label' }, label),
    h(
      'span',
      { className: 'vd-bar-track', role: 'meter', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': max, 'aria-valuenow': value, 'aria-valuetext': text },
      h('span', { className: `vd-bar-fill ${tone ? `vd-${tone}` : ''}`, style: { width: `${pct}%` } }),
    ),
    h('span', { className: 'vd-bar-value' }, text),
  )
}

/** Lines over time; `series` = [{name, points: [{t, value}], className}]. */
function LineChart({ title, series, unit, width = 360, height = 140 }) {
  const all = series.flatMap((s) => s.points)
  const pad = 28
  if (all.length === 0) return h('p', { className: 'vd-empty' }, `${title}: no data yet`)
  const t0 = Math.min(...all.map((p) => p.t))
  const t1 = Math.max(...all.map((p) => p.t))
  const vmax = Math.max(...all.map((p) => p.value), 1)
  const x = (t) => pad + ((t - t0) / Math.max(1, t1 - t0)) * (width - pad - 8)
  const y = (v) => height - pad + 4 - (v / vmax) * (height - pad - 8)
  const summary = series.map((s) => `${s.name} latest ${s.points.length ? s.points[s.points.length - 1].value.toFixed(1) : '—'} ${unit}`).join(', ')
  return h(
    'figure',
    { className: 'vd-chart' },
    h(
      'svg',
      { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `${title}: ${summary}` },
      h('title', null, title),
      h('line', { x1: pad, y1: height - pad + 4, x2: width - 8, y2: height - pad + 4, className: 'vd-axis' }),
      h('line', { x1: pad, y1: 4, x2: pad, y2: height - pad + 4, className: 'vd-axis' }),
      h('text', { x: 2, y: 12, className: 'vd-tick' }, vmax.toFixed(0)),
      h('text', { x: 2, y: height - pad + 4, className: 'vd-tick' }, '0'),
      series.map((s) =>
        s.points.length === 1
          ? h('circle', { key: s.name, cx: x(s.points[0].t), cy: y(s.points[0].value), r: 3, className: `vd-line ${s.className}` })
          : h('polyline', { key: s.name, points: s.points.map((p) => `${x(p.t)},${y(p.value)}`).join(' '), className: `vd-line ${s.className}`, fill: 'none' }),
      ),
    ),
    h(
      'figcaption',
      { className: 'vd-legend' },
      series.map((s) => h('span', { key: s.name, className: `vd-key ${s.className}` }, s.name)),
      ` (${unit})`,
    ),
  )
}

function SecurityWidget() {
  const security = useSecurityPolicy()
  const version = useVallumVersion()
  const [summary, setSummary] = useState(null)
  useEffect(() => {
    let live = true
    security.getThreatSummary('day').then((s) => live && setSummary(s), () => {})
    return () => {
      live = false
    }
  }, [version])
  const violations = security.threats.filter((t) => t.kind === 'policy_violation').length
  return h(
    Widget,
    { title: 'Security', className: 'vd-security' },
    h(
      'div',
      { className: 'vd-stats' },
      h(Stat, { label: 'threats today', value: summary?.total ?? 0, testId: 'threats-today', tone: summary?.total ? 'warn' : undefined }),
      h(Stat, { label: 'policy violations', value: violations, testId: 'policy-violations' }),
      h(Stat, { label: 'active policies', value: security.policies.length, testId: 'active-policies' }),
    ),
    h(
      'div',
      { className: 'vd-bars', 'aria-label': 'Threats by severity' },
      SEVERITIES.map((s) =>
        h(Bar, { key: s, label: s, value: summary?.bySeverity?.[s] ?? 0, max: Math.max(1, summary?.total ?? 0), text: String(summary?.bySeverity?.[s] ?? 0), tone: s === 'critical' || s === 'high' ? 'bad' : 'warn' }),
      ),
    ),
  )
}

function PerformanceWidget() {
  const client = useVallum()
  const perf = usePerformanceMonitoring()
  const version = useVallumVersion()
  const [lat, setLat] = useState({ p50: [], p95: [], p99: [], errors: 0, requests: 0 })
  useEffect(() => {
    let live = true
    const range = { start: 'now-1h', end: 'now' }
    const q = (aggregation) => client.performance.query({ metric: 'guard_latency_us', aggregation, timeRange: range, filters: { call: 'prompt' }, interval: '5m' })
    Promise.all([q('p50'), q('p95'), q('p99'), client.performance.query({ metric: 'errors', aggregation: 'sum', timeRange: range })])
      .then(([a, b, c, e]) => {
        if (!live) return
        const points = (r) => r.data[0]?.points ?? []
        setLat({ p50: points(a), p95: points(b), p99: points(c), requests: a.data[0]?.count ?? 0, errors: e.data[0]?.value ?? 0 })
      })
      .catch(() => {})
    return () => {
      live = false
    }
  }, [version])
  const errorRate = lat.requests > 0 ? (100 * lat.errors) / lat.requests : 0
  return h(
    Widget,
    { title: 'Performance', className: 'vd-performance' },
    h(
      'div',
      { className: 'vd-stats' },
      h(Stat, { label: 'health score', value: `${Math.round(perf.overallScore)}/100`, testId: 'health-score', tone: perf.isHealthy ? 'good' : 'bad' }),
      h(Stat, { label: 'guarded prompts (1 h)', value: lat.requests, testId: 'guarded-prompts' }),
      h(Stat, { label: 'error rate', value: `${errorRate.toFixed(1)}%`, testId: 'error-rate', tone: errorRate > 5 ? 'bad' : undefined }),
    ),
    h(LineChart, {
      title: 'Guard latency percentiles, last hour',
      unit: 'µs',
      series: [
        { name: 'p50', points: lat.p50, className: 'vd-s1' },
        { name: 'p95', points: lat.p95, className: 'vd-s2' },
        { name: 'p99', points: lat.p99, className: 'vd-s3' },
      ],
    }),
    h('h3', { className: 'vd-subtitle' }, `Active alerts (${perf.alerts.length})`),
    perf.alerts.length === 0
      ? h('p', { className: 'vd-empty' }, 'No active alerts')
      : h(
          'ul',
          { className: 'vd-alerts' },
          perf.alerts.map((a) =>
            h(
              'li',
              { key: a.id, className: `vd-alert vd-${a.severity}` },
              h('span', null, `${a.severity}: ${a.rule}`),
              a.acknowledgedBy
                ? h('span', { className: 'vd-ack' }, `acknowledged by ${a.acknowledgedBy}`)
                : h('button', { type: 'button', onClick: () => perf.acknowledgeAlert(a.id, 'dashboard'), 'aria-label': `Acknowledge alert ${a.rule}` }, 'Acknowledge'),
            ),
          ),
        ),
  )
}

function MemoryWidget() {
  const memory = useMemoryScope()
  const stats = memory.getStats()
  return h(
    Widget,
    { title: 'Memory', className: 'vd-memory' },
    h(
      'table',
      { className: 'vd-table' },
      h('caption', { className: 'vd-sr' }, 'Memory usage per scope'),
      h('thead', null, h('tr', null, ['Scope', 'Entries', 'Used', 'Quota'].map((c) => h('th', { key: c, scope: 'col' }, c)))),
      h(
        'tbody',
        null,
        stats.map((s) =>
          h(
            'tr',
            { key: s.scope },
            h('th', { scope: 'row' }, s.scope),
            h('td', { 'data-testid': `memory-entries-${s.scope}` }, s.entries),
            h('td', null, h(Bar, { label: `${s.scope} usage`, value: s.bytes, max: s.maxSize ?? Math.max(s.bytes, 1), text: bytes(s.bytes) })),
            h('td', null, s.maxSize ? bytes(s.maxSize) : 'none'),
          ),
        ),
      ),
    ),
  )
}

function ComplianceWidget({ frameworks }) {
  const client = useVallum()
  const version = useVallumVersion()
  const [reports, setReports] = useState([])
  useEffect(() => {
    let live = true
    Promise.all(frameworks.map((f) => client.security.runComplianceCheck(f)))
      .then((r) => live && setReports(r))
      .catch(() => {})
    return () => {
      live = false
    }
  }, [version, frameworks.join(',')])
  return h(
    Widget,
    { title: 'Compliance', className: 'vd-compliance' },
    reports.map((r) =>
      h(
        Fragment,
        { key: r.framework },
        h(Bar, { label: r.framework.toUpperCase(), value: r.score, max: 100, text: `${Math.round(r.score)}%`, tone: r.score >= 80 ? 'good' : r.score >= 50 ? 'warn' : 'bad' }),
        r.failed > 0
          ? h(
              'details',
              { className: 'vd-failed' },
              h('summary', null, `${r.failed} failed control${r.failed === 1 ? '' : 's'}`),
              h('ul', null, r.findings.filter((f) => f.status === 'fail').map((f) => h('li', { key: f.control }, h('strong', null, f.control), ` — ${f.remediation}`))),
            )
          : null,
      ),
    ),
  )
}

function CostWidget() {
  const byTeam = useCostTracking({ groupBy: 'team' })
  const byModel = useCostTracking({ groupBy: 'model' })
  const report = byTeam.report
  const teams = report?.groups ?? []
  const models = byModel.report?.groups ?? []
  const max = Math.max(1, ...teams.map((g) => g.costMicros), ...models.map((g) => g.costMicros))
  return h(
    Widget,
    { title: 'Cost', className: 'vd-cost' },
    h(
      'div',
      { className: 'vd-stats' },
      h(Stat, { label: 'spent this month', value: usd(report?.totalMicros), testId: 'cost-total' }),
      h(Stat, { label: 'projected', value: usd(report?.projectedMicros), testId: 'cost-projected' }),
      h(Stat, { label: 'requests', value: report?.requests ?? 0, testId: 'cost-requests' }),
    ),
    h('h3', { className: 'vd-subtitle' }, 'By team'),
    teams.length ? teams.map((g) => h(Bar, { key: g.key, label: g.key || '(none)', value: g.costMicros, max, text: usd(g.costMicros) })) : h('p', { className: 'vd-empty' }, 'No spend yet'),
    h('h3', { className: 'vd-subtitle' }, 'By model'),
    models.length ? models.map((g) => h(Bar, { key: g.key, label: g.key, value: g.costMicros, max, text: usd(g.costMicros) })) : h('p', { className: 'vd-empty' }, 'No spend yet'),
    h('h3', { className: 'vd-subtitle' }, 'Budgets'),
    byTeam.budgets.length === 0
      ? h('p', { className: 'vd-empty' }, 'No budgets configured')
      : byTeam.budgets.map((b) => h(BurnDown, { key: b.budget, budget: b })),
  )
}

/** Spend against a budget's limit, with the straight-line projection. */
function BurnDown({ budget }) {
  const limit = budget.limitMicros ?? 0
  const spent = budget.spentMicros ?? 0
  const projected = budget.projectedMicros ?? spent
  const width = 360
  const height = 70
  const scale = (v) => 8 + (Math.min(v, Math.max(limit, projected, 1)) / Math.max(limit, projected, 1)) * (width - 16)
  const label = `Budget ${budget.budget}: ${usd(spent)} spent of ${usd(limit)}, projected ${usd(projected)} by period end`
  return h(
    'figure',
    { className: 'vd-chart vd-burn' },
    h(
      'svg',
      { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label },
      h('title', null, label),
      h('rect', { x: 8, y: 20, width: width - 16, height: 20, className: 'vd-track' }),
      h('rect', { x: 8, y: 20, width: Math.max(0, scale(projected) - 8), height: 20, className: 'vd-projected' }),
      h('rect', { x: 8, y: 20, width: Math.max(0, scale(spent) - 8), height: 20, className: spent > limit ? 'vd-spent vd-bad' : 'vd-spent' }),
      h('line', { x1: scale(limit), x2: scale(limit), y1: 12, y2: 48, className: 'vd-limit' }),
      h('text', { x: 8, y: 64, className: 'vd-tick' }, `${budget.budget}: ${usd(spent)} / ${usd(limit)} (projected ${usd(projected)})`),
    ),
  )
}

/**
 * The specification's EnterpriseDashboard. `config` is the AICopilotConfig
 * in use (its compliance frameworks are shown); `theme` "light" or "dark";
 * `refreshInterval` in seconds (events refresh it at once regardless).
 */
export function EnterpriseDashboard({ config, theme = 'light', refreshInterval = 30, className }) {
  useRefresh(refreshInterval)
  const frameworks = config?.enterprise?.compliance?.frameworks ?? ['gdpr', 'hipaa', 'sox']
  return h(
    'main',
    { className: `vallum-dashboard vd-${theme === 'dark' ? 'dark' : 'light'} ${className ?? ''}`.trim(), 'data-theme': theme === 'dark' ? 'dark' : 'light', 'aria-label': 'Vallum enterprise dashboard' },
    h(SecurityWidget),
    h(PerformanceWidget),
    h(MemoryWidget),
    h(ComplianceWidget, { frameworks }),
    h(CostWidget),
  )
}
