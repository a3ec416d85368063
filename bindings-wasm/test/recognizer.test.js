// Host recognizers in @vallum/wasm (here its `nodejs` build; browser.test.js
// runs one in Chromium): a JavaScript function's spans merge with the
// built-in findings. The core calls it synchronously, on the calling
// thread, so a recognizer that returns a Promise is a typed error that
// says so, never a detection that silently skipped it.
import test from 'node:test'
import assert from 'node:assert/strict'
import { vallum } from './load.js'

const KEY = new TextEncoder().encode('VALLUM-vector-key-0123456789abcd')
const isError = (code, pattern) => (e) => e instanceof vallum.VallumError && e.code === code && pattern.test(e.message)

test('a synchronous recognizer masks, in UTF-16 offsets by default, and can be removed', async () => {
  const v = await vallum.Vallum.open({ masterKey: KEY, persistence: false })
  const projects = (text) => [...text.matchAll(/PRJ-\d{4}/g)].map((m) => [ 'PROJECT', m.index, m.index + m[0].length, 0.9 ])
  v.pii.addRecognizer('projects', projects, { entities: ['PROJECT'] })
  assert.ok(v.pii.entities().includes('PROJECT'))
  assert.equal(v.pii.mask('🚀 PRJ-1234 and bob@example.com').text, '🚀 <PROJECT> and <EMAIL_ADDRESS>')
  const [f] = v.pii.detect('é PRJ-0001', { entities: ['PROJECT'] })
  assert.deepEqual([f.entity, f.start, f.end], ['PROJECT', 2, 10])
  assert.equal(v.pii.removeRecognizer('projects'), true)
  assert.equal(v.pii.removeRecognizer('projects'), false)
  assert.throws(() => v.pii.detect('x', { entities: ['PROJECT'] }), isError('invalid_argument', /PROJECT/))
})

test('bad recognizers and bad answers are typed errors', async () => {
  const v = await vallum.Vallum.open({ masterKey: KEY, persistence: false })
  assert.throws(() => v.pii.addRecognizer('x', 'not a function', { entities: ['X'] }), isError('invalid_argument', /recognize/))
  assert.throws(() => v.pii.addRecognizer('x', () => [], {}), isError('invalid_argument', /entities/))
  assert.throws(() => v.pii.addRecognizer('x', () => [], { entities: ['X'], offsets: 'words' }), isError('invalid_argument', /offsets|words/))
  v.pii.addRecognizer('async', async () => [], { entities: ['LATER'] })
  assert.throws(() => v.pii.mask('text'), isError('invalid_argument', /returned a Promise.*synchronously/))
  v.pii.removeRecognizer('async')
  v.pii.addRecognizer('outside', () => [['OUTSIDE', 0, 99]], { entities: ['OUTSIDE'] })
  assert.throws(() => v.pii.mask('short'), isError('invalid_argument', /recognizer/))
  v.pii.removeRecognizer('outside')
  v.pii.addRecognizer('undeclared', () => [['OTHER', 0, 1]], { entities: ['DECLARED'] })
  assert.throws(() => v.pii.mask('short'), isError('invalid_argument', /OTHER/))
  v.pii.removeRecognizer('undeclared')
  assert.equal(v.pii.mask('plain').text, 'plain')
})
