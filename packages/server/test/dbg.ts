import { writeFileSync } from 'node:fs';
import { setup, call } from './helpers.js';
const t = await setup('sqlite');
const r = await call(t.app, null, 'GET', '/api/openapi.json');
console.log(r.statusCode, r.body.slice(0, 300));
writeFileSync('/tmp/contract-openapi.json', JSON.stringify(r.json(), null, 2));
await t.close();
