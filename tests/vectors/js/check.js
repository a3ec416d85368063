// A small assertion library that runs in Node and in the browser (the
// vector cases run in both). Failures throw with the case's message.

function same(a, b) {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]))
}

function fail(message, detail) {
  throw new Error(`${message ?? 'assertion failed'}${detail ? `: ${detail}` : ''}`)
}

export const check = {
  ok(value, message) {
    if (!value) fail(message, `expected a truthy value, got ${JSON.stringify(value)}`)
  },
  equal(actual, expected, message) {
    if (!Object.is(actual, expected)) fail(message, `${JSON.stringify(actual)} !== ${JSON.stringify(expected)}`)
  },
  deepEqual(actual, expected, message) {
    if (!same(actual, expected)) fail(message, `\n  got:  ${JSON.stringify(actual)}\n  want: ${JSON.stringify(expected)}`)
  },
  throws(f, predicate, message) {
    try {
      f()
    } catch (e) {
      if (!predicate(e)) fail(message, `unexpected error ${e && e.code} ${e && e.message}`)
      return
    }
    fail(message, 'expected an error')
  },
  async rejects(p, predicate, message) {
    try {
      await p
    } catch (e) {
      if (!predicate(e)) fail(message, `unexpected error ${e && e.code} ${e && e.message}`)
      return
    }
    fail(message, 'expected a rejection')
  },
}
