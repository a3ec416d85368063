// The `nodejs` build of the module (CommonJS, loaded synchronously) under
// the object model.
import { createRequire } from 'node:module'
import { readFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { install } from './model.js'

const require = createRequire(import.meta.url)

/** A text asset: a file, or fetched. */
async function loadText(url) {
  if (url.startsWith('file:')) return readFile(new URL(url), 'utf8')
  const res = await fetch(url)
  if (!res.ok) throw new Error(`HTTP ${res.status}`)
  return res.text()
}

install(require('../pkg/node/vallum_wasm.js'), {
  loadText,
  // Resolved as a file, not `new URL(…, import.meta.url)`: bundlers that
  // rewrite that form for the web (Vite, vitest) would make it an HTTP URL.
  gazetteerUrl: pathToFileURL(require.resolve('../pkg/data/gazetteer-en.txt')).href,
})
