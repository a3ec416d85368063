'use strict'
// Every conformance vector in tests/vectors/, through the Node API.
// Formats: tests/vectors/README.md.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const { vallum, load, instance, codePoints, VECTORS } = require('./load.js')

const { VallumError } = vallum

test('every vector file has a runner here', () => {
  const files = fs.readdirSync(VECTORS).filter((f) => f.endsWith('.json')).sort()
  assert.deepEqual(files, [
    'audit-tamper.json',
    'config-enterprise.json',
    'config-errors.json',
    'cost.json',
    'crypto-kat.json',
    'guard.json',
    'pii.json',
    'policy.json',
    'presidio-recognizers.json',
    'rbac.json',
  ])
})

test('crypto known answers', () => {
  const doc = load('crypto-kat.json')
  assert.equal(doc.format, 'vallum.crypto-kat.v1')
  assert.ok(doc.cases.length >= 6)
  for (const c of doc.cases) {
    const stored = {
      masterKey: doc.masterKey,
      scope: c.scope,
      owner: c.owner,
      key: c.key,
      dataKeyId: c.dataKeyId,
      wrappedDataKey: c.wrappedDataKey,
      storedValue: c.storedValue,
    }
    if ('error' in c.expected) {
      assert.throws(() => vallum.openStoredValue(stored), (e) => e instanceof VallumError && e.code === c.expected.error, c.name)
    } else {
      assert.deepEqual(vallum.openStoredValue(stored), c.expected.value, c.name)
    }
  }
})

test('cost arithmetic', () => {
  const doc = load('cost.json')
  assert.equal(doc.format, 'vallum.cost.v1')
  for (const c of doc.cases) {
    if ('error' in c.expected) {
      assert.throws(() => vallum.computeCharge(c.usage), (e) => e.code === c.expected.error, c.name)
    } else {
      const charge = vallum.computeCharge(c.usage)
      assert.equal(charge.costMicros, c.expected.cost_micros, c.name)
      assert.equal(charge.costPicos, c.expected.cost_picos, c.name)
    }
  }
})

test("the spec's configuration loads and validates", () => {
  const doc = load('config-enterprise.json')
  assert.deepEqual(vallum.validateConfig(doc), { valid: true, errors: [] })
  const { databasePath, ...config } = doc
  assert.ok(databasePath)
  const v = instance(config)
  assert.ok(v.masterKeyId())
})

test('configuration errors and their paths', () => {
  const doc = load('config-errors.json')
  for (const c of doc.cases) {
    const r = vallum.validateConfig('raw' in c ? c.raw : c.config)
    assert.deepEqual({ valid: r.valid, paths: r.errors.map((e) => e.path) }, c.expected, c.name)
  }
})

test('PII detection offsets and masking', () => {
  const doc = load('pii.json')
  for (const c of doc.cases) {
    const v = instance({ enterpriseSecurity: { piiProtection: c.config ?? {} } })
    const found = v.pii.detect(c.text)
    const want = c.expected.findings
    // JavaScript offsets are UTF-16; the vectors give code points.
    assert.deepEqual(
      found.map((f) => [f.entity, codePoints(c.text, f.start), codePoints(c.text, f.end)]),
      want.map((f) => [f.entity, f.charStart, f.charEnd]),
      c.name,
    )
    for (const [f, w] of found.map((f, i) => [f, want[i]])) {
      const cps = [...c.text]
      assert.equal(c.text.slice(f.start, f.end), cps.slice(w.charStart, w.charEnd).join(''), c.name)
    }
    assert.equal(v.pii.mask(c.text).text, c.expected.masked, c.name)
  }
  assert.ok(doc.cases.length >= 10)
})

test('policy decisions', () => {
  const doc = load('policy.json')
  const v = instance({
    enterpriseSecurity: { rbac: doc.rbac, policyRules: doc.policies, defaultEffect: doc.defaultEffect },
  })
  for (const c of doc.cases) {
    const d = v.security.evaluateRequestSync(c.request)
    const got = {
      effect: d.effect,
      matched: d.matched.map((m) => m.id),
      actions: d.actions.map((a) => a.type),
      skipped: d.errors.map((e) => e.policy),
    }
    assert.deepEqual(got, c.expected, c.name)
  }
})

test('policy decisions, async form, agree with the sync form', async () => {
  const doc = load('policy.json')
  const v = instance({
    enterpriseSecurity: { rbac: doc.rbac, policyRules: doc.policies, defaultEffect: doc.defaultEffect },
  })
  const all = await Promise.all(doc.cases.map((c) => v.security.evaluateRequest(c.request)))
  doc.cases.forEach((c, i) => assert.deepEqual(all[i], v.security.evaluateRequestSync(c.request), c.name))
})

test('RBAC permissions, roles and cost centers', () => {
  const doc = load('rbac.json')
  const v = instance({ enterpriseSecurity: { rbac: doc.rbac } })
  for (const c of doc.cases) {
    assert.equal(v.security.hasPermission(c.principal, c.permission), c.expected, JSON.stringify(c))
  }
  for (const c of doc.roles) {
    const got = { roles: v.security.rolesOf(c.principal), costCenter: v.security.costCenter(c.principal) }
    assert.deepEqual(got, c.expected, JSON.stringify(c))
  }
})

function tamper(records, ops) {
  for (const op of ops) {
    switch (op.op) {
      case 'set':
        records[op.index][op.field] = op.value
        break
      case 'delete':
        records.splice(op.index, 1)
        break
      case 'swap': {
        const t = records[op.a]
        records[op.a] = records[op.b]
        records[op.b] = t
        break
      }
      case 'duplicate':
        records.splice(op.at, 0, { ...records[op.index] })
        break
      case 'forge':
        records.splice(op.at, 0, { ...records[op.at], actor: 'mallory' })
        break
      default:
        throw new Error(`unknown op ${op.op}`)
    }
  }
}

test('audit log tampering is detected', async () => {
  const doc = load('audit-tamper.json')
  const v = instance({})
  for (const e of doc.entries) {
    await v.audit.append(e.actor, e.action, e.resource, e.outcome, e.details)
  }
  const exported = JSON.parse(await v.audit.exportJson())
  assert.equal(exported.format, 'vallum.audit.v1')
  for (const c of doc.cases) {
    const recs = exported.records.map((r) => ({ ...r }))
    tamper(recs, c.tamper)
    const r = await v.audit.verifyRecords(recs)
    const got = { ok: r.ok, checked: r.checked }
    if (r.broken) Object.assign(got, { seq: r.broken.seq, kind: r.broken.kind })
    assert.deepEqual(got, c.expected, c.name)
  }
})

test('guard verdicts over the scripted session', async () => {
  const doc = load('guard.json')
  const v = new vallum.Vallum({
    config: doc.config,
    masterKey: Buffer.from(doc.masterKey, 'hex'),
    clockMs: doc.clockMs,
  })
  const verdicts = []
  let checked = 0
  for (const s of doc.steps) {
    v.advanceClock(s.advanceMs ?? 0)
    const exp = s.expected
    let got
    if ('prompt' in s) {
      let g
      try {
        g = await v.guard.prompt(s.prompt)
      } catch (e) {
        assert.ok(e instanceof VallumError, s.name)
        assert.deepEqual({ error: e.code }, exp, s.name)
        verdicts.push(null)
        checked++
        continue
      }
      for (const f of g.findings) assert.ok(s.prompt.text.slice(f.start, f.end).length > 0, s.name)
      got = {
        decision: g.decision,
        stopped_at: g.stopped_at,
        text_to_send: g.text_to_send,
        entities: g.findings.map((f) => f.entity),
        threat_rules: g.threats.map((t) => t.rule),
        matched_policies: g.matched_policies.map((m) => m.id),
        reservationMicros: g.reservation ? g.reservation.amountMicros : null,
        audited: g.audit_id !== null,
      }
      verdicts.push(g)
    } else {
      const prior = verdicts[s.reservationFrom]
      const r = await v.guard.response({ ...s.response, reservation: prior ? prior.reservation : null })
      got = {
        text: r.text,
        leaked: r.leaked.map((f) => f.entity),
        restored: r.restored,
        costMicros: r.charge ? r.charge.costMicros : null,
      }
      verdicts.push(null)
    }
    assert.deepEqual(got, exp, s.name)
    checked++
  }
  assert.equal(checked, doc.steps.length)
})

test("Presidio's recognizer vectors (at least 99 % per entity)", () => {
  const doc = load('presidio-recognizers.json')
  const vecs = doc.vectors
  assert.equal(vecs.length, 1674)
  const claimed = new Set(vallum.ENTITIES)
  const cache = new Map()
  const inst = (recognizer, params) => {
    const pii = {}
    if (recognizer.includes("'JP', 'CN'")) {
      pii.phoneRegions = ['US', 'UK', 'DE', 'FR', 'IL', 'IN', 'CA', 'BR', 'JP', 'CN']
    }
    if (params && 'leniency' in params) pii.phoneLeniency = params.leniency
    const key = JSON.stringify(pii)
    if (!cache.has(key)) cache.set(key, instance({ enterpriseSecurity: { piiProtection: pii } }))
    return cache.get(key)
  }
  const def = inst('', null)
  const per = new Map()
  for (const v of vecs) {
    if (!claimed.has(v.entity)) continue
    let ok
    if (v.kind === 'validator') {
      ok = def.pii.validate(v.entity, v.text) === v.expected_valid
    } else {
      const found = inst(v.recognizer, v.params).pii.detect(v.text, {
        entities: [v.entity],
        threshold: 0,
        context: false,
        resolveOverlaps: false,
      })
      // Presidio's spans are code points; ours are UTF-16.
      const spans = found.map((f) => [codePoints(v.text, f.start), codePoints(v.text, f.end)]).sort((a, b) => a[0] - b[0] || a[1] - b[1])
      const want = (v.expected_spans ?? []).map((s) => [s[0], s[1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1])
      ok = spans.length === v.expected_count && (want.length === 0 || JSON.stringify(spans) === JSON.stringify(want))
    }
    const [p, t] = per.get(v.entity) ?? [0, 0]
    per.set(v.entity, [p + (ok ? 1 : 0), t + 1])
  }
  const low = [...per].filter(([, [p, t]]) => p < 0.99 * t)
  assert.deepEqual(low, [])
  assert.ok([...per.values()].reduce((n, [, t]) => n + t, 0) >= 900)
})
