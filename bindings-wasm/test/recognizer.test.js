// Host recognizers in the WebAssembly package: a synchronous JavaScript
// function whose spans join the built-in findings; a Promise or a bad span
// is a typed error.
import test from 'node:test'
import assert from 'node:assert/strict'
import { vallum } from './load.js'

const KEY = new TextEncoder().encode('VALLUM-vector-key-0123456789abcd')

test('a synchronous recognizer plugs into detect, mask and the guard', async () => {
  const v = await vallum.Vallum.open({ config: { enterpriseSecurity: { piiProtection: { enabled: true } } }, masterKey: KEY, persistence: false })
  v.pii.addRecognizer('projects', (text) => {
    const at = text.indexOf('Project Nightingale')
    return at < 0 ? [] : [['PROJECT', at, at + 'Project Nightingale'.length]]
  }, { entities: ['PROJECT'] })
  const text = '🎉 Zoë leads Project Nightingale'
  const f = v.pii.detect(text).find((x) => x.entity === 'PROJECT')
  assert.equal(text.slice(f.start, f.end), 'Project Nightingale')
  assert.equal(f.recognizer, 'projects')
  assert.ok(v.pii.entities().includes('PROJECT'))
  assert.ok(!v.pii.mask(text).text.includes('Nightingale'))
  const verdict = await v.guard.prompt({ principal: { id: 'ann' }, organization: 'acme', session: 's1', text, model: 'gpt-4o' })
  assert.ok(!verdict.text_to_send.includes('Nightingale'), verdict.text_to_send)
  assert.equal(v.pii.removeRecognizer('projects'), true)
  assert.ok(v.pii.mask(text).text.includes('Nightingale'))
})

test('async recognizers, throwing ones and bad spans are invalid_argument errors', async () => {
  const v = await vallum.Vallum.open({ masterKey: KEY, persistence: false })
  const typed = (pattern) => (e) => e instanceof vallum.VallumError && e.code === 'invalid_argument' && pattern.test(e.message)
  for (const [fn, pattern] of [
    [async () => [], /returned a Promise/],
    [() => { throw new Error('model not loaded') }, /model not loaded/],
    [() => [['X', 0, 99]], /not inside the text/],
    [() => [['Y', 0, 1]], /entity 'Y'/],
  ]) {
    v.pii.addRecognizer('r', fn, { entities: ['X'] })
    assert.throws(() => v.pii.detect('some text'), typed(pattern))
    v.pii.removeRecognizer('r')
  }
})
