// Closed-loop HTTP load generator in Node.js (no packages): `node bench/loadgen.mjs CONFIG_JSON`.
//
// Why not the Python one (bench/loadgen.py) by default: on this 2-core machine httpx spends about 5 ms of
// CPU per request, so at the server's 150 req/s the load generator took most of a core from the server and
// PostgreSQL, and its own event loop's lag was counted as the server's latency. Node's http client costs a
// few hundredths of that. Same rules and output as bench/loadgen.py: a 200 without "errors" is a success;
// a 503 with Retry-After is counted apart (refused); anything else, dropped connections included, is an
// error. A refused client waits as long as Retry-After asks before its next request (clients that retry
// at once only measure how fast the worker can refuse; bench/analysis.md has those runs).
// CONFIG_JSON: {"url", "bodies": [...], "headers", "connections", "seconds"}; the bodies are sent in turn
// so that consecutive requests read different pages.
import http from "node:http";

const config = JSON.parse(process.argv[2]);
const target = new URL(config.url);
const bodies = config.bodies.map((b) => Buffer.from(b));
const agent = new http.Agent({ keepAlive: true, maxSockets: config.connections, keepAliveMsecs: 1000 });
const out = { latencies: [], errors: [], refused: [], problems: [] };
let next = 0;

function post(body) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const done = (status, retryAfter, text, problem) =>
      resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status, retryAfter, text, problem });
    const request = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        headers: { ...config.headers, "Content-Length": body.length },
      },
      (response) => {
        const chunks = [];
        response.on("data", (c) => chunks.push(c));
        response.on("end", () =>
          done(response.statusCode, response.headers["retry-after"], Buffer.concat(chunks).toString("utf8"), "")
        );
        response.on("error", (e) => done(0, undefined, "", `${e.code || e.name}: ${e.message}`));
      }
    );
    request.on("error", (e) => done(0, undefined, "", `${e.code || e.name}: ${e.message}`));
    request.end(body);
  });
}

const refusedFor = (r) => (r.status === 503 && r.retryAfter !== undefined ? Number(r.retryAfter) : null);
// As a well-behaved client does: wait as long as the server asks before trying again.
const wait = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

async function worker(until, retryAfter) {
  if (retryAfter !== null) await wait(retryAfter);
  while (performance.now() < until) {
    const r = await post(bodies[next++ % bodies.length]);
    if (refusedFor(r) !== null) {
      out.refused.push(r.ms);
      await wait(refusedFor(r));
      continue;
    }
    let problem = r.problem;
    if (!problem && (r.status !== 200 || r.text.slice(0, 200).includes('"errors"'))) {
      problem = `HTTP ${r.status}: ${r.text.slice(0, 300)}`;
    }
    (problem ? out.errors : out.latencies).push(r.ms);
    if (problem && out.problems.length < 3) out.problems.push(problem);
  }
}

function percentile(sorted, q) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

// One request per connection first, so the timed window does not include connecting. Every client sends
// it at the same instant, so it is the worst burst of the run; its 503s are reported apart (first_burst_*),
// and a client refused there waits as Retry-After asks before its first timed request, as it would after
// any other refusal. (They used to retry at once: at 256 connections that made about 250 of a run's 1,144
// timed refusals one burst, far more than the 1 % the 503s' p99 looks at.)
const first = await Promise.all(Array.from({ length: config.connections }, () => post(bodies[0])));
const firstBurst = first.filter((r) => refusedFor(r) !== null).map((r) => r.ms).sort((a, b) => a - b);
const started = performance.now();
const until = started + config.seconds * 1000;
await Promise.all(first.map((r) => worker(until, refusedFor(r))));
const seconds = (performance.now() - started) / 1000;
agent.destroy();
const latencies = out.latencies.sort((a, b) => a - b);
const refused = out.refused.sort((a, b) => a - b);
process.stdout.write(
  JSON.stringify({
    requests: latencies.length,
    errors: out.errors.length,
    refused: refused.length,
    refused_p50_ms: percentile(refused, 0.5),
    refused_p99_ms: percentile(refused, 0.99),
    first_burst_refused: firstBurst.length,
    first_burst_refused_max_ms: firstBurst.length ? firstBurst[firstBurst.length - 1] : 0,
    seconds,
    rps: latencies.length / seconds,
    p50_ms: percentile(latencies, 0.5),
    p99_ms: percentile(latencies, 0.99),
    max_ms: latencies.length ? latencies[latencies.length - 1] : 0,
    problems: out.problems,
  }) + "\n"
);
