#!/usr/bin/env node
// The `sentinel` CLI. Source is TypeScript run by Node 22's type stripping, each module's JavaScript kept between
// runs (./strippedCache.js); this shim checks the runtime and installs that cache.
// Exit codes: 0 promote/success, 1 rollback (only a reached verdict), 2 inconclusive, 3 usage or unreadable input,
// 4 internal error (lib/exitCodes.ts). A wrong Node version is the caller's to fix: 3.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `rollout-sentinel needs Node >= 22.19 but this is Node ${process.versions.node}.\n` +
      '  hint: run it through npm (`npm start`, `npx sentinel …`), which uses the Node 22 the project installs,\n' +
      '        or put node_modules/.bin first on your PATH.\n',
  );
  process.exit(3);
}
await import('./strippedCache.js');
const debug = ['1', 'true', 'yes'].includes(process.env.SENTINEL_DEBUG ?? '');
const { run, installCrashHandlers } = await import('../cli/sentinel.ts');
installCrashHandlers({ debug });
process.exitCode = await run(process.argv.slice(2), { debug });
