import { startPgCluster } from '/work/wt/tagsets/bench/dataset.ts';
import pg from 'pg';
const c = await startPgCluster();
const cl = new pg.Client(c.url('rf1m')); await cl.connect();
for (const q of process.argv.slice(2)) { const r = await cl.query(q); console.log(r.rows ?? r.rowCount); }
await cl.end();
c.stop();
