// The `web` build of the module, instantiated once when first imported,
// under the object model.
import init, * as glue from '../pkg/web/vallum_wasm.js'
import { install } from './model.js'

await init({ module_or_path: new URL('../pkg/web/vallum_wasm_bg.wasm', import.meta.url) })

/** A text asset, kept in the Cache API (where the page has it) across loads. */
async function loadText(url) {
  const get = async () => {
    const res = await fetch(url)
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    return res
  }
  let cache = null
  try {
    cache = typeof caches === 'undefined' ? null : await caches.open(`vallum-assets-${glue.version()}`)
  } catch {
    // Not a secure context, or storage is blocked: the HTTP cache only.
  }
  if (cache === null) return (await get()).text()
  let res = await cache.match(url)
  if (!res) {
    res = await get()
    await cache.put(url, res.clone()).catch(() => {})
  }
  return res.text()
}

install(glue, { loadText, gazetteerUrl: new URL('../pkg/data/gazetteer-en.txt', import.meta.url) })
