import { createElement as h } from 'react'
import { Vallum } from '@vallum/wasm'
import { VallumProvider } from '../src/index.js'

export const KEY = '56414c4c554d2d766563746f722d6b65792d3031323334353637383961626364' // the vectors' key (tests/vectors/README.md)
export const T0 = 1_700_000_000_000
export const CTX = { organization: 'acme', user: 'u1', session: 's1' }

/** A memory-only client on a manual clock. */
export function open(config) {
  return Vallum.open({ masterKey: KEY, clockMs: T0, persistence: false, config })
}

export function wrapperFor(client, context = CTX) {
  return ({ children }) => h(VallumProvider, { client, context }, children)
}
