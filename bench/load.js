/*
 * Child process of the HTTP section: the load generator, kept out of the servers' process and the
 * parent's. Receives a plan over IPC ({ steps: [{ name, url }], seconds, connections, secret }),
 * runs autocannon for each step in turn, bounded in time, and answers with one rate per step:
 * 2xx answers per second. Any non-2xx answer, error or timeout makes the step fail.
 */
const autocannon = require("autocannon");

function runStep(step, plan) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: step.url,
        connections: plan.connections,
        duration: plan.seconds,
        headers: { "x-shared-secret": plan.secret },
      },
      (err, result) => {
        if (err) return reject(err);
        if (result.non2xx !== 0 || result.errors !== 0 || result.timeouts !== 0 || result["2xx"] === 0) {
          return reject(
            new Error(
              `${step.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
            ),
          );
        }
        resolve(result["2xx"] / result.duration);
      },
    );
  });
}

process.once("message", async (plan) => {
  try {
    const rates = [];
    for (const step of plan.steps) rates.push(await runStep(step, plan));
    process.send({ rates }, () => process.exit(0));
  } catch (err) {
    process.send({ error: String(err && err.stack ? err.stack : err) }, () => process.exit(1));
  }
});
