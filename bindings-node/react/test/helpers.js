import { createElement as h } from 'react'
import { Vallum } from '@vallum/wasm'
import { VallumProvider } from '../src/index.js'

export const KEY = '11'.repeat(32)
export const T0 = 1_700_000_000_000
export const CTX = { organization: 'acme', user: 'u1', session: 's1' }

/** A memory-only client on a manual clock. */
export function open(config) {
  return Vallum.open({ masterKey: KEY, clockMs: T0, persistence: false, config })
}

export function wrapperFor(client, context = CTX) {
  return ({ children }) => h(VallumProvider, { client, context }, children)
}
