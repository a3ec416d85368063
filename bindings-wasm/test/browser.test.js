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
