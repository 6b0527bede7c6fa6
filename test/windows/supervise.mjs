// A supervisor in a process of its own, for the lane's force-quit cases: it starts the backend,
// writes its status to argv[2], then waits to be terminated (or exits at once with "exit").
import { writeFileSync } from 'node:fs';
import { createBackendSupervisor } from 'backend-lifecycle';

const [statusFile, optionsJson, then] = process.argv.slice(2);
const supervisor = createBackendSupervisor(JSON.parse(optionsJson));
const status = await supervisor.start();
writeFileSync(statusFile, JSON.stringify(status));
if (then === 'exit') process.exit(0); // the exit hook must end the tree
setInterval(() => {}, 1000);
