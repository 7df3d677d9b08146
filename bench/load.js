/*
 * Child process of the HTTP section: the load generator, kept out of the servers' processes and the
 * parent's. Each IPC message is one step ({ name, url, seconds, connections, secret }): autocannon
 * runs it and the answer is { rate, count } (2xx answers per second, and in all), or { error }: any
 * non-2xx answer, error or timeout makes the step fail. Exits when told to or when the parent goes.
 */
const autocannon = require("autocannon");

function runStep(step) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: step.url,
        connections: step.connections,
        duration: step.seconds,
        // autocannon stops at its next sample: without this, a step shorter than 1 s lasts 1 s.
        sampleInt: Math.min(1000, Math.round(step.seconds * 1000)),
        headers: { "x-shared-secret": step.secret },
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
        resolve({ rate: result["2xx"] / result.duration, count: result["2xx"] });
      },
    );
  });
}

process.on("message", (step) => {
  if (step === "stop") return process.exit(0);
  runStep(step).then(
    (answer) => process.send(answer),
    (err) => process.send({ error: String(err && err.stack ? err.stack : err) }),
  );
});
process.on("disconnect", () => process.exit(0));
