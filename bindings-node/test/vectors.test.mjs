// The conformance vectors (tests/vectors/js/cases.js, shared with the
// browser package) through @vallum/node. Formats: tests/vectors/README.md.
import test from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import shared from './load.js'
import { cases, VECTOR_FILES, VECTOR_KEY, T0 } from '../../tests/vectors/js/cases.js'

const { vallum, VECTORS } = shared

const env = {
  vallum,
  load: async (name) => JSON.parse(fs.readFileSync(`${VECTORS}/${name}`, 'utf8')),
  open: async (config, extra) => new vallum.Vallum({ config, masterKey: VECTOR_KEY, clockMs: T0, ...extra }),
}

test('every vector file has a runner', () => {
  const files = fs.readdirSync(VECTORS).filter((f) => f.endsWith('.json')).sort()
  assert.deepEqual(files, VECTOR_FILES)
})

for (const c of cases) {
  test(c.name, () => c.run(env))
}
