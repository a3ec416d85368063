// Runs the vector cases and the IndexedDB cases in this page; browser.test.js
// reads the outcome from `window.__vallumResults`.
import * as vallum from '../../js/browser.js'
import { cases, VECTOR_KEY, T0 } from '../../../tests/vectors/js/cases.js'
import { persistenceCases } from './persistence.js'

const log = document.getElementById('log')
const env = {
  vallum,
  load: async (name) => {
    const r = await fetch(`/tests/vectors/${name}`)
    if (!r.ok) throw new Error(`fetching ${name}: ${r.status}`)
    return r.json()
  },
  open: (config, extra) => vallum.Vallum.open({ config, masterKey: VECTOR_KEY, clockMs: T0, persistence: false, ...extra }),
}

const results = []
for (const c of [...cases, ...persistenceCases]) {
  try {
    await c.run(env)
    results.push({ name: c.name, ok: true })
    log.textContent += `ok ${c.name}\n`
  } catch (e) {
    results.push({ name: c.name, ok: false, error: `${e && e.code ? e.code + ': ' : ''}${e && e.stack ? e.stack : e}` })
    log.textContent += `FAIL ${c.name}: ${e}\n`
  }
}
window.__vallumResults = results
