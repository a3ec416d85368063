'use strict'
// The Node package's benchmarks, in one process:
//  1. per-call overhead over Rust: the calls of ../python/calls.json through
//     @vallum/node (sync), against criterion's figures for the same calls in
//     Rust (benches/bindings.rs);
//  2. async overhead: the same typical call as a Promise (libuv thread pool),
//     one at a time and 256 in flight;
//  3. masking ~1 KB prompts: @vallum/node against redact-pii (the best-known
//     pure-JavaScript PII redaction package), the same corpus, one run.
//
//   node bench.js [--criterion DIR] [--prompts N] [--seed S]
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.resolve(__dirname, '..', '..', '..')
const { Vallum } = require(process.env.VALLUM_NODE_PACKAGE ?? path.join(ROOT, 'bindings-node'))
const { SyncRedactor } = require('redact-pii')
const calls = require('../python/calls.json')

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : dflt
}

/** ns per call: the best of `runs` loops of `n` calls (the minimum filters scheduling noise). */
function perCall(fn, n, runs = 21) {
  for (let i = 0; i < n; i++) fn() // warm up (JIT)
  let best = Infinity
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < n; i++) fn()
    best = Math.min(best, Number(process.hrtime.bigint() - t) / n)
  }
  return best
}

async function perCallAsync(fn, n, inFlight, runs = 11) {
  const once = async () => {
    const t = process.hrtime.bigint()
    for (let done = 0; done < n; done += inFlight) {
      await Promise.all(Array.from({ length: Math.min(inFlight, n - done) }, fn))
    }
    return Number(process.hrtime.bigint() - t) / n
  }
  await once()
  let best = Infinity
  for (let r = 0; r < runs; r++) best = Math.min(best, await once())
  return best
}

function criterionNs(dir, name) {
  const f = path.join(dir, 'bindings', name, 'new', 'estimates.json')
  if (!fs.existsSync(f)) return null
  return JSON.parse(fs.readFileSync(f, 'utf8')).median.point_estimate
}

/** A seeded PRNG (mulberry32), so every run masks the same corpus. */
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function luhnCard(r) {
  const d = [4, ...Array.from({ length: 14 }, () => Math.floor(r() * 10))]
  let sum = 0
  for (let i = 0; i < 15; i++) {
    let x = d[14 - i]
    if (i % 2 === 0) x = x * 2 > 9 ? x * 2 - 9 : x * 2
    sum += x
  }
  d.push((10 - (sum % 10)) % 10)
  return d.join('').replace(/(\d{4})(?=\d)/g, '$1 ')
}

/** `n` prompts of about 1 KB: calls.json's prompt_1k with fresh PII in each. */
function corpus(n, seed) {
  const r = rng(seed)
  const names = ['maria.gonzalez', 'li.wei', 'sam.okafor', 'ana.silva', 'tom.becker', 'priya.nair', 'john.smith', 'eva.novak']
  const hosts = ['example.com', 'example.org', 'mail.example.net']
  const base = calls.prompt_1k
  return Array.from({ length: n }, () => {
    const pick = (xs) => xs[Math.floor(r() * xs.length)]
    const digits = (k) => Array.from({ length: k }, () => Math.floor(r() * 10)).join('')
    return base
      .replace('maria.gonzalez@example.com', `${pick(names)}${digits(2)}@${pick(hosts)}`)
      .replace('+1 (415) 555-0132', `+1 (${200 + Math.floor(r() * 700)}) 555-${digits(4)}`)
      .replace('4111 1111 1111 1111', luhnCard(r))
      .replace('88231', digits(5))
      .replace('203.0.113.42', `203.0.113.${1 + Math.floor(r() * 250)}`)
  })
}

async function main() {
  const criterion = arg('--criterion', path.join(ROOT, 'target', 'criterion'))
  const v = new Vallum({
    masterKey: Uint8Array.from({ length: 32 }, (_, i) => i),
    config: { enterpriseSecurity: { piiProtection: { enabled: true } } },
  })
  for (const p of calls.policies) await v.security.addPolicy(p)
  const [entity, card] = calls.validate
  if (v.pii.validate(entity, card) !== true) throw new Error('validate set-up')
  const request = calls.request

  const rows = [
    ['trivial_validate', 'pii.validate(entity, card)', () => v.pii.validate(entity, card), 200_000],
    ['typical_evaluate_request', 'security.evaluateRequestSync(request)', () => v.security.evaluateRequestSync(request), 50_000],
    ['mask_1k', 'pii.mask(prompt_1k)', () => v.pii.mask(calls.prompt_1k), 5_000],
  ]
  console.log('== per-call overhead over Rust (sync; Node: best of 21 loops; Rust: criterion median)')
  console.log('call | Rust | Node | overhead')
  for (const [name, label, fn, n] of rows) {
    const node = perCall(fn, n)
    const rust = criterionNs(criterion, name)
    const over = rust === null ? 'n/a' : `${((node - rust) / 1000).toFixed(2)} µs`
    console.log(`${label} | ${rust === null ? 'n/a (run cargo bench first)' : `${(rust / 1000).toFixed(3)} µs`} | ${(node / 1000).toFixed(3)} µs | ${over}`)
  }

  console.log('\n== async overhead (Promise on the libuv thread pool)')
  const syncEval = perCall(() => v.security.evaluateRequestSync(request), 50_000)
  const seq = await perCallAsync(() => v.security.evaluateRequest(request), 20_000, 1)
  const par = await perCallAsync(() => v.security.evaluateRequest(request), 50_000, 256)
  console.log(`evaluateRequest, sync form: ${(syncEval / 1000).toFixed(2)} µs per call`)
  console.log(`evaluateRequest, awaited one at a time: ${(seq / 1000).toFixed(2)} µs per call (async overhead ${((seq - syncEval) / 1000).toFixed(2)} µs)`)
  console.log(`evaluateRequest, 256 in flight: ${(par / 1000).toFixed(2)} µs per call (throughput ${Math.round(1e9 / par).toLocaleString('en-US')} calls/s)`)

  const n = Number(arg('--prompts', '300'))
  const seed = Number(arg('--seed', '42'))
  const prompts = corpus(n, seed)
  const bytes = prompts.reduce((s, p) => s + Buffer.byteLength(p), 0) / n
  const redactor = new SyncRedactor()
  const timeAll = (fn) => {
    prompts.forEach(fn) // warm up
    let best = Infinity
    for (let r = 0; r < 5; r++) {
      const t = process.hrtime.bigint()
      prompts.forEach(fn)
      best = Math.min(best, Number(process.hrtime.bigint() - t) / n)
    }
    return best
  }
  const ours = timeAll((p) => v.pii.mask(p))
  const theirs = timeAll((p) => redactor.redact(p))
  const sample = prompts[0]
  console.log(`\n== masking ${n} prompts of ~${Math.round(bytes)} bytes (seed ${seed}), best of 5 passes`)
  console.log(`redact-pii ${require('redact-pii/package.json').version} (SyncRedactor, default rules): ${(theirs / 1000).toFixed(1)} µs per prompt`)
  console.log(`@vallum/node (pii.mask, default recognizers): ${(ours / 1000).toFixed(1)} µs per prompt`)
  console.log(`ratio: ${(theirs / ours).toFixed(1)}x`)
  console.log(`\nsample, vallum:     ${v.pii.mask(sample).text.slice(0, 420)}`)
  console.log(`sample, redact-pii: ${redactor.redact(sample).slice(0, 420)}`)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
