'use strict'
// Plugging your own recognizer into Vallum from JavaScript.
//
// Vallum finds names, places and addresses without a model; a team that
// already runs one (a transformers.js token-classification pipeline, a
// service of its own) plugs it in, and its spans are merged with the
// built-in findings by the same overlap rules in every path: detect, mask,
// the guard and session vaults. Offsets are JavaScript string indices.
//
// With transformers.js (npm i @huggingface/transformers), the recognizer is
// async and works with the async methods and the guard:
//
//   const { pipeline } = await import('@huggingface/transformers')
//   const ner = await pipeline('token-classification', 'Xenova/bert-base-NER')
//   v.pii.addRecognizer('bert', async (text) =>
//     (await ner(text, { aggregation_strategy: 'simple' }))
//       .filter((e) => e.entity_group === 'PER')
//       .map((e) => ['PERSON', e.start, e.end, e.score]), { entities: ['PERSON'] })
//
// This example needs no download: a lookup of the company's project code
// names, and an async one standing in for a model.
//
//   node examples/node/recognizer.js

const { Vallum } = require('@vallum/node')

const PROJECTS = ['Project Nightingale', 'Project Kestrel']

function projects(text) {
  const spans = []
  for (const name of PROJECTS) {
    for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + name.length)) {
      spans.push({ entity: 'PROJECT', start: at, end: at + name.length })
    }
  }
  return spans
}

async function main() {
  const v = new Vallum({
    config: { enterpriseSecurity: { piiProtection: { enabled: true } } },
    // A real application loads its key from a secret store (masterKeyEnv).
    masterKey: require('node:crypto').randomBytes(32),
  })
  v.pii.addRecognizer('projects', projects, { entities: ['PROJECT'] })
  // A stand-in for a model call: async, with a score.
  v.pii.addRecognizer('diagnoses', async (text) => {
    await new Promise((resolve) => setTimeout(resolve, 1))
    const at = text.indexOf('type 2 diabetes')
    return at < 0 ? [] : [['MEDICAL_CONDITION', at, at + 'type 2 diabetes'.length, 0.9]]
  }, { entities: ['MEDICAL_CONDITION'] })

  const text = 'Dana Scott (dana@example.com) leads Project Nightingale and has type 2 diabetes.'
  for (const f of await v.pii.detectAsync(text)) {
    console.log(`${f.entity.padEnd(18)} ${JSON.stringify(text.slice(f.start, f.end)).padEnd(32)} by ${f.recognizer}`)
  }
  console.log('masked:', (await v.pii.maskAsync(text)).text)
  const verdict = await v.guard.prompt({
    principal: { id: 'dana' }, organization: 'acme', session: 's1',
    text: 'Draft an update on Project Kestrel', model: 'gpt-4o',
  })
  console.log('to the model:', verdict.text_to_send)
  await v.close()
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
