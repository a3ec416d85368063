// The vector cases and the IndexedDB cases in real headless Chromium,
// through the `web` build, served from 127.0.0.1.
import test from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { serve, launch } from './serve.js'
import { cases } from '../../tests/vectors/js/cases.js'
import { persistenceCases } from './browser/persistence.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

test('vectors and IndexedDB persistence in headless Chromium', { timeout: 180_000 }, async () => {
  const server = await serve(repo)
  const browser = await launch()
  try {
    const page = await browser.context.newPage()
    const errors = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto(`${server.url}/bindings-wasm/test/browser/index.html`)
    await page.waitForFunction(() => Array.isArray(window.__vallumResults), null, { timeout: 170_000 })
    const results = await page.evaluate(() => window.__vallumResults)
    assert.deepEqual(errors, [])
    assert.equal(results.length, cases.length + persistenceCases.length)
    const failed = results.filter((r) => !r.ok)
    assert.deepEqual(failed, [], failed.map((f) => `${f.name}: ${f.error}`).join('\n'))
  } finally {
    await browser.close()
    await server.close()
  }
})

// Two tabs on one IndexedDB database (the security review's finding: each
// tab made its own audit key and record #1, and after a reload one record
// was silently gone). One writer at a time: a second tab waits for the Web
// Lock, then gets `store_locked`; once the first closes, it opens and
// continues the same audit chain.
test('two tabs on one IndexedDB database: one writer at a time, the audit chain keeps every record', { timeout: 120_000 }, async () => {
  const server = await serve(repo)
  const browser = await launch()
  try {
    const open = async () => {
      const page = await browser.context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(String(e)))
      await page.goto(`${server.url}/bindings-wasm/test/browser/tabs.html`)
      await page.waitForFunction(() => window.__ready === true, null, { timeout: 60_000 })
      return { page, errors }
    }
    const a = await open()
    const b = await open()
    const db = 'vallum-test-two-tabs'
    const records = await a.page.evaluate(async (db) => {
      await window.vallum.deleteDatabase(db)
      window.v = await window.vallum.Vallum.open({ masterKey: window.KEY, persistence: { database: db } })
      const m = window.v.memory.for({ organization: 'acme', user: 'u1', session: 's1' })
      await m.setData('from', 'tab a', 'user')
      await m.exportData('user') // an audit record
      return (await window.v.audit.query({})).length
    }, db)
    assert.ok(records >= 1)
    // While tab A holds the database, tab B is refused with a typed error.
    const refused = await b.page.evaluate(async (db) => {
      try {
        await window.vallum.Vallum.open({ masterKey: window.KEY, persistence: { database: db, lockTimeoutMs: 300 } })
        return 'opened'
      } catch (e) {
        return `${e.code}: ${e.message}`
      }
    }, db)
    assert.match(refused, /^store_locked: .*another tab/)
    // Tab B waits for the lock; tab A writes once more and closes.
    const waiting = b.page.evaluate(async (db) => {
      window.v = await window.vallum.Vallum.open({ masterKey: window.KEY, persistence: { database: db, lockTimeoutMs: 30_000 } })
      const m = window.v.memory.for({ organization: 'acme', user: 'u1', session: 's1' })
      const seen = await m.getData('from', 'user')
      await m.setData('from', 'tab b', 'user')
      await m.exportData('user')
      const verified = await window.v.audit.verify()
      const count = (await window.v.audit.query({})).length
      await window.v.close()
      return { seen, verified, count }
    }, db)
    const recordsA = await a.page.evaluate(async () => {
      await window.v.memory.for({ organization: 'acme', user: 'u1', session: 's1' }).exportData('user')
      const n = (await window.v.audit.query({})).length
      await window.v.close()
      return n
    })
    const fromB = await waiting
    assert.equal(fromB.seen, 'tab a', 'tab B read what tab A wrote')
    assert.ok(fromB.verified.ok, JSON.stringify(fromB.verified))
    assert.equal(fromB.count, recordsA + 1, 'tab B continued tab A\'s chain')
    // A fresh tab (a reload) sees every record, and the chain verifies.
    const c = await open()
    const after = await c.page.evaluate(async (db) => {
      const v = await window.vallum.Vallum.open({ masterKey: window.KEY, persistence: { database: db } })
      const out = { verified: await v.audit.verify(), count: (await v.audit.query({})).length, from: await v.memory.for({ organization: 'acme', user: 'u1' }).getData('from', 'user') }
      await v.close()
      return out
    }, db)
    assert.ok(after.verified.ok, JSON.stringify(after.verified))
    assert.equal(after.count, fromB.count)
    assert.equal(after.from, 'tab b')
    assert.deepEqual([...a.errors, ...b.errors, ...c.errors], [])
  } finally {
    await browser.close()
    await server.close()
  }
})

// Names in the browser: the English gazetteer is a separate asset of the
// package, fetched on first use and kept in the Cache API, so a reload
// opens without downloading it again. A recognizer of the page's own runs
// inside the core's detection, as in Node and Python.
test('a name is masked in the browser; the gazetteer asset is fetched once and cached; a page recognizer plugs in', { timeout: 120_000 }, async () => {
  const server = await serve(repo)
  const browser = await launch()
  try {
    const page = await browser.context.newPage()
    const errors = []
    page.on('pageerror', (e) => errors.push(String(e)))
    const fetched = []
    page.on('request', (r) => {
      if (r.url().endsWith('/gazetteer-en.txt')) fetched.push(r.url())
    })
    const url = `${server.url}/bindings-wasm/test/browser/tabs.html`
    const maskName = () =>
      page.evaluate(async () => {
        const v = await window.vallum.Vallum.open({ masterKey: window.KEY, persistence: false })
        const masked = v.pii.mask('The HR partner is Dana Scott, based in Leeds.').text
        const again = await window.vallum.Vallum.open({ masterKey: window.KEY, persistence: false })
        const cached = []
        for (const name of await caches.keys()) {
          for (const req of await (await caches.open(name)).keys()) cached.push(`${name} ${req.url}`)
        }
        const rulesOnly = await window.vallum.Vallum.open({ masterKey: window.KEY, persistence: false, gazetteer: false })
        return { masked, again: again.pii.mask('Dana Scott').text, rulesOnly: rulesOnly.pii.mask('Dana Scott').text, cached }
      })
    await page.goto(url)
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 60_000 })
    const first = await maskName()
    assert.doesNotMatch(first.masked, /Dana|Scott|Leeds/)
    assert.match(first.masked, /<PERSON>/)
    assert.doesNotMatch(first.again, /Dana|Scott/)
    assert.equal(first.rulesOnly, 'Dana Scott', 'without a gazetteer, a bare name has no cue to go on')
    assert.equal(fetched.length, 1, 'two instances in one page share one download')
    assert.ok(first.cached.some((c) => /^vallum-assets-\S+ .*\/gazetteer-en\.txt$/.test(c)), first.cached.join('\n'))
    // A reload: the pack comes from the Cache API, not the network.
    await page.reload()
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 60_000 })
    const second = await maskName()
    assert.doesNotMatch(second.masked, /Dana|Scott/)
    assert.equal(fetched.length, 1, `fetched again after a reload: ${fetched.join(', ')}`)
    // A recognizer of the page's own, and its typed errors.
    const plugged = await page.evaluate(async () => {
      const v = await window.vallum.Vallum.open({ masterKey: window.KEY, persistence: false })
      v.pii.addRecognizer('projects', (text) => [...text.matchAll(/PRJ-\d{4}/g)].map((m) => ({ entity: 'PROJECT', start: m.index, end: m.index + m[0].length })), { entities: ['PROJECT'] })
      const masked = v.pii.mask('🚀 PRJ-1234 for Dana Scott').text
      const err = async (f) => {
        try {
          await f()
          return 'no error'
        } catch (e) {
          return `${e.code}: ${e.message}`
        }
      }
      v.pii.addRecognizer('slow', async () => [], { entities: ['SLOW'] })
      const promise = await err(() => v.pii.detect('x'))
      v.pii.removeRecognizer('slow')
      v.pii.addRecognizer('broken', () => { throw new Error('model not loaded') }, { entities: ['BROKEN'] })
      const thrown = await err(() => v.pii.mask('x'))
      const removed = v.pii.removeRecognizer('broken')
      return { masked, promise, thrown, removed, after: v.pii.mask('PRJ-9999').text, entities: v.pii.entities() }
    })
    assert.equal(plugged.masked, '🚀 <PROJECT> for <PERSON>')
    assert.match(plugged.promise, /^invalid_argument: .*returned a Promise/)
    assert.match(plugged.thrown, /^invalid_argument: .*model not loaded/)
    assert.equal(plugged.removed, true)
    assert.equal(plugged.after, '<PROJECT>')
    assert.ok(plugged.entities.includes('PROJECT') && !plugged.entities.includes('BROKEN'))
    assert.deepEqual(errors, [])
  } finally {
    await browser.close()
    await server.close()
  }
})
