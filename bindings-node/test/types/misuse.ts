// Intentional misuses of @vallum/node. Each line marked @ts-expect-error
// must be a type error: `tsc --strict` fails on the directive when a line
// compiles. test/types.test.js also compiles the file without the
// directives and counts one error per misuse.
import { Vallum, VallumError } from '@vallum/node'

async function misuse(): Promise<void> {
  const v = new Vallum({ masterKey: new Uint8Array(32) })
  const m = v.memory.for({ organization: 'acme', user: 'alice' })
  // @ts-expect-error a context needs an organization
  v.memory.for({ user: 'alice' })
  // @ts-expect-error 'galaxy' is not a memory scope
  await m.getData('k', 'galaxy')
  // @ts-expect-error keys are strings
  await m.getData(42)
  // @ts-expect-error a function is not a JSON value
  await m.setData('k', () => 1)
  // @ts-expect-error storage calls return Promises, not values
  const sync: string | null = m.getData<string>('k')
  // @ts-expect-error ttl is a number of milliseconds
  await m.setData('k', 1, 'user', { ttl: '1h' })
  // @ts-expect-error detect takes a string
  v.pii.detect(123)
  // @ts-expect-error findings are an array, not a promise
  const f: Promise<unknown> = v.pii.detect('x')
  // @ts-expect-error unknown option
  v.pii.detect('x', { entity: 'EMAIL_ADDRESS' })
  // @ts-expect-error a policy needs conditions
  await v.security.addPolicy({ name: 'no conditions' })
  // @ts-expect-error evaluateRequest resolves a result, not a boolean
  const allowed: boolean = await v.security.evaluateRequest({})
  // @ts-expect-error threat kinds are a closed set
  await v.security.reportThreat({ kind: 'aliens', severity: 'high' })
  // @ts-expect-error severities are a closed set
  await v.security.reportThreat({ kind: 'other', severity: 'extreme' })
  // @ts-expect-error unknown event kind
  v.subscribe('memory_set', () => undefined)
  // @ts-expect-error a prompt needs principal, organization, session, text and model
  await v.guard.prompt({ text: 'hi' })
  // @ts-expect-error usage fields are snake_case
  v.costs.estimate({ model: 'gpt-4o', inputTokens: 1, outputTokens: 1 })
  // @ts-expect-error limits are integer micro-dollars, not strings
  v.costs.addBudgets([{ id: 'b', level: 'team', period: 'monthly', limitMicros: '5' }])
  // @ts-expect-error unknown aggregation
  await v.performance.query({ metric: 'x', aggregation: 'median' })
  // @ts-expect-error label values are strings, numbers or booleans
  v.performance.recordMetric('x', 1, { tags: ['a'] })
  // @ts-expect-error the master key is bytes or hex text
  new Vallum({ masterKey: 42 })
  // @ts-expect-error unknown constructor option
  new Vallum({ database: 'x.db' })
  // @ts-expect-error error codes are a closed set
  const code: 'oops' = new VallumError('invalid_argument', 'x').code
  // @ts-expect-error the memory client has no getData; use memory.for(ctx)
  await v.memory.getData('k')
  console.log(sync, f, allowed, code)
}

void misuse()
