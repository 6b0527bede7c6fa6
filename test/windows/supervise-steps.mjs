// A supervisor in a process of its own that reports instead of throwing: start(), then stop()
// unless argv[4] is "hold"; each outcome (or an uncaught exception) goes to the JSON file argv[2].
import { writeFileSync } from 'node:fs';
import { createBackendSupervisor } from 'backend-lifecycle';

const [reportFile, optionsJson, then] = process.argv.slice(2);
const report = { steps: [] };
const save = () => writeFileSync(reportFile, JSON.stringify(report));
process.on('uncaughtException', (error) => {
  report.uncaught = String(error?.stack ?? error);
  save();
  process.exit(70);
});
const outcome = (promise) => promise.then((status) => ({ status: status.status, pid: status.pid }), (error) => ({ code: error?.code, message: error?.message }));
const supervisor = createBackendSupervisor(JSON.parse(optionsJson));
report.steps.push({ start: await outcome(supervisor.start()) });
save();
if (then !== 'hold') {
  report.steps.push({ stop: await outcome(supervisor.stop()) });
  report.done = true;
  save();
  process.exit(0);
}
setInterval(() => {}, 1000);
