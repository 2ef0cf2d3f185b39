#!/usr/bin/env node
// The `sentinel` CLI. Source is TypeScript run by Node 22's type stripping; this shim only checks the runtime.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `rollout-sentinel needs Node >= 22.19 but this is Node ${process.versions.node}.\n` +
      '  hint: run it through npm (`npm start`, `npx sentinel …`), which uses the Node 22 the project installs,\n' +
      '        or put node_modules/.bin first on your PATH.\n',
  );
  process.exit(1);
}
const { run } = await import('../cli/sentinel.ts');
process.exitCode = await run(process.argv.slice(2));
