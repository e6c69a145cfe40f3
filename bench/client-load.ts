/**
 * The load generator of the client benchmark (bench/client.ts), run as its own process so that
 * the twin's work in the benchmark's process never stalls its clock: GETs alternate between the
 * service without the middleware and the one with it, one request at a time, over keep-alive
 * connections. `argv[2]` is `{"off":port,"on":port,"warmup":n,"measured":n}`; prints each arm's
 * p50 and p99 in ms.
 */
import { Agent, request } from 'node:http';

const { off, on, warmup, measured } = JSON.parse(process.argv[2] ?? '{}') as {
  off: number;
  on: number;
  warmup: number;
  measured: number;
};

/** One GET, timed from the call to the last byte of the answer. */
function timedGet(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`service answered ${res.statusCode}`));
        else resolve(performance.now() - t0);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const arms = {
  off: { port: off, agent: new Agent({ keepAlive: true, maxSockets: 1 }), samples: [] as number[] },
  on: { port: on, agent: new Agent({ keepAlive: true, maxSockets: 1 }), samples: [] as number[] },
};
for (let i = 0; i < warmup + measured; i++) {
  // Alternate which goes first, so that neither always follows the other.
  for (const arm of i % 2 === 0 ? [arms.off, arms.on] : [arms.on, arms.off]) {
    const ms = await timedGet(arm.agent, arm.port, `/users/${i}`);
    if (i >= warmup) arm.samples.push(ms);
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;
function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.max(0, Math.ceil(q * s.length) - 1)] ?? Number.NaN;
  return { p50: round(at(0.5)), p99: round(at(0.99)), n: s.length };
}
console.log(JSON.stringify({ off: summary(arms.off.samples), on: summary(arms.on.samples) }));
for (const arm of Object.values(arms)) arm.agent.destroy();
