// A Rust panic inside the module reaches JavaScript as a VallumError with
// code internal_error and the panic's message (its own process: a panic
// aborts the WebAssembly instance).
import test from 'node:test'
import assert from 'node:assert/strict'
import { vallum } from './load.js'

test('a panic is internal_error with its message, never a crash', () => {
  assert.throws(
    () => vallum._panicForTests('boom from the test'),
    (e) => e instanceof vallum.VallumError && e.code === 'internal_error' && e.message.includes('boom from the test'),
  )
})
