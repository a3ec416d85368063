// Host recognizers are not in the browser build (its 1 MB budget): plugging
// one in is a typed error that says where they run, not a silent no-op.
import test from 'node:test'
import assert from 'node:assert/strict'
import { vallum } from './load.js'

const KEY = new TextEncoder().encode('VALLUM-vector-key-0123456789abcd')

test('addRecognizer is an invalid_argument error naming the runtimes that have it', async () => {
  const v = await vallum.Vallum.open({ masterKey: KEY, persistence: false })
  assert.throws(
    () => v.pii.addRecognizer('projects', () => [], { entities: ['PROJECT'] }),
    (e) => e instanceof vallum.VallumError && e.code === 'invalid_argument' && /not in the browser build/.test(e.message),
  )
  assert.equal(v.pii.removeRecognizer('projects'), false)
  assert.ok(!v.pii.entities().includes('PROJECT'))
})
