// Prints the Windows lane's results file (test/windows/lane.mjs writes it) and fails on any failure.
const { readFileSync } = require('node:fs');

const file = process.argv[2];
let results;
try {
  results = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`windows lane: no results in ${file} (${error.message})`);
  process.exit(1);
}
const failed = results.filter((result) => !result.ok);
for (const result of results) console.log(`${result.ok ? '✓' : '✗'} ${result.name}${result.ok ? ` (${result.ms} ms): ${result.detail}` : `\n${result.detail}`}`);
console.log(`windows lane: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length > 0 ? 1 : 0);
