'use strict'
// The declaration files against the core's operation table (ops.json): every
// JavaScript method of every operation is declared where the object model
// puts it, with the table's parameters (names, which are optional) and
// result type, and nothing else is declared there.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..', '..')
const ops = require('../ops.json')
const read = (f) => fs.readFileSync(path.join(root, f), 'utf8')

/** The interface of each object of the model. */
const INTERFACES = {
  '': 'VallumClient',
  memory: 'MemoryClient',
  'memory.scoped': 'ScopedMemoryClient',
  security: 'SecurityClient',
  pii: 'PiiClient',
  guard: 'GuardClient',
  audit: 'AuditClient',
  performance: 'PerformanceClient',
  costs: 'CostClient',
}

/** Members that are the model's own, not operations. */
const OWN = {
  VallumClient: ['subscribe', 'close'],
  MemoryClient: ['for'],
  ScopedMemoryClient: ['getCurrentScope', 'subscribe'],
  SecurityClient: ['subscribe'],
  PerformanceClient: ['subscribe'],
  CostClient: ['subscribe'],
  // Host recognizers are functions, not JSON: each runtime's transport plugs them in.
  PiiClient: ['addRecognizer', 'removeRecognizer'],
}

const norm = (s) => s.replace(/\s+/g, ' ').trim()

/** Splits a parameter list at top-level commas. */
function splitParams(text) {
  const out = []
  let depth = 0
  let cur = ''
  for (const c of text) {
    if ('<({['.includes(c)) depth++
    if ('>)}]'.includes(c) && !(c === '>' && cur.endsWith('='))) depth--
    if (c === ',' && depth === 0) {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  if (cur.trim()) out.push(cur)
  return out.map((p) => {
    const m = /^\s*(\w+)(\?)?:/.exec(p)
    return { name: m[1], optional: m[2] === '?' }
  })
}

const SIGNATURE = /^(?:export declare function )?(\w+)(<[^(]*>)?\((.*)\): (.+)$/

/** name → { params, result } of the methods declared in `body` lines. */
function methods(lines) {
  const out = new Map()
  for (const line of lines) {
    const m = SIGNATURE.exec(line.trim())
    if (m) out.set(m[1], { params: splitParams(m[3]), result: norm(m[4]) })
  }
  return out
}

function interfaceBody(text, name) {
  const start = text.indexOf(`export interface ${name} {`)
  assert.ok(start >= 0, `client.d.ts declares no ${name}`)
  const end = text.indexOf('\n}', start)
  return text.slice(start, end).split('\n').slice(1)
}

function expected(op, mode, bound) {
  return {
    params: op.params.slice(bound).map((p) => ({ name: p.name, optional: p.optional })),
    result: mode === 'async' ? `Promise<${op.result}>` : op.result,
  }
}

test('client.d.ts declares exactly the operations of the table', () => {
  const client = read('bindings-node/client.d.ts')
  const declared = {}
  for (const [owner, name] of Object.entries(INTERFACES)) declared[owner] = methods(interfaceBody(client, name))
  const seen = new Set()
  for (const op of ops.operations) {
    for (const { path: p, mode } of op.js) {
      const dot = p.lastIndexOf('.')
      const owner = dot < 0 ? '' : p.slice(0, dot)
      const name = p.slice(dot + 1)
      const got = declared[owner].get(name)
      assert.ok(got, `${INTERFACES[owner]} does not declare ${name} (operation ${op.name})`)
      const bound = owner === 'memory.scoped' && op.params[0]?.name === 'context' ? 1 : 0
      assert.deepEqual(got, expected(op, mode, bound), `${INTERFACES[owner]}.${name}`)
      seen.add(`${owner}:${name}`)
    }
  }
  for (const [owner, name] of Object.entries(INTERFACES)) {
    for (const m of declared[owner].keys()) {
      if ((OWN[name] ?? []).includes(m)) continue
      assert.ok(seen.has(`${owner}:${m}`), `${name}.${m} is declared but runs no operation of the table`)
    }
  }
})

const topLevel = (file) => methods(read(file).split('\n').filter((l) => l.startsWith('export declare function')))

test('client.d.ts declares the static operations of the table, once for both packages', () => {
  const declared = topLevel('bindings-node/client.d.ts')
  for (const op of ops.statics) {
    for (const { path: name, mode } of op.js) {
      assert.deepEqual(declared.get(name), expected(op, mode, 0), `client.d.ts: ${name}`)
    }
  }
  for (const file of ['bindings-node/index.d.ts', 'bindings-wasm/vallum.d.ts']) {
    for (const name of topLevel(file).keys()) {
      assert.ok(!declared.has(name), `${file} declares ${name} again`)
    }
  }
})

test('every method of the table exists on an instance', () => {
  const { Vallum, ...exports } = require('./load.js').vallum
  const v = new Vallum({ masterKey: require('node:crypto').randomBytes(32) })
  const scoped = v.memory.for({ organization: 'acme', user: 'u', session: 's' })
  for (const op of ops.operations) {
    for (const { path: p } of op.js) {
      const parts = p.split('.')
      const name = parts.pop()
      const owner = parts[0] === 'memory' && parts[1] === 'scoped' ? scoped : parts.reduce((o, k) => o[k], v)
      assert.equal(typeof owner[name], 'function', p)
    }
  }
  for (const op of ops.statics) for (const { path: name } of op.js) assert.equal(typeof exports[name], 'function', name)
})

test('left-out arguments take the core\'s defaults', async () => {
  const { Vallum } = require('./load.js').vallum
  const v = new Vallum({ masterKey: require('node:crypto').randomBytes(32) })
  const report = await v.security.runComplianceCheck()
  assert.equal(report.framework, (await v.security.runComplianceCheck('gdpr')).framework)
  const m = v.memory.for({ organization: 'acme', user: 'u', session: 's' })
  await m.setData('k', 1)
  assert.equal(await m.getData('k', 'session'), 1)
  assert.equal(await m.getData('k', 'user'), null)
  assert.equal((await m.exportData()).subject, (await m.exportData('user')).subject)
  await assert.rejects(m.setData('k', undefined), (e) => e.code === 'invalid_argument' && e.message.includes('`value`'))
  assert.throws(() => v.pii.validate('CREDIT_CARD'), (e) => e.code === 'invalid_argument' && e.message.includes('`value`'))
})
