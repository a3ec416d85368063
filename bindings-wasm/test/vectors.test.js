// The conformance vectors through @vallum/wasm's `nodejs` build (the same
// cases run in headless Chromium: browser.test.js).
import test from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { cases, environment, VECTOR_FILES } from './vectors.js'
import { vallum, VECTORS } from './load.js'

const env = environment(vallum, async (name) => JSON.parse(fs.readFileSync(`${VECTORS}/${name}`, 'utf8')))

test('every vector file has a runner', () => {
  const files = fs.readdirSync(VECTORS).filter((f) => f.endsWith('.json')).sort()
  assert.deepEqual(files, VECTOR_FILES)
})

for (const c of cases) {
  test(c.name, () => c.run(env))
}
