// The conformance vectors (tests/vectors/js/cases.js) through @vallum/wasm's
// `nodejs` build; browser.test.js runs them in headless Chromium.
import test from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { cases, VECTOR_FILES, VECTOR_KEY, T0 } from '../../tests/vectors/js/cases.js'
import { vallum, VECTORS } from './load.js'

const env = {
  vallum,
  load: async (name) => JSON.parse(fs.readFileSync(`${VECTORS}/${name}`, 'utf8')),
  open: (config, extra) => vallum.Vallum.open({ config, masterKey: VECTOR_KEY, clockMs: T0, persistence: false, ...extra }),
}

test('every vector file has a runner', () => {
  const files = fs.readdirSync(VECTORS).filter((f) => f.endsWith('.json')).sort()
  assert.deepEqual(files, VECTOR_FILES)
})

for (const c of cases) {
  test(c.name, () => c.run(env))
}
