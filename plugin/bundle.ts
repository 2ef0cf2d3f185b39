/**
 * @module plugin/bundle — entry point of the bundled `dist/sentinel-plugin.js`. esbuild adds the shebang
 * `#!/usr/bin/env -S node --max-semi-space-size=1 --v8-pool-size=1`: a small young generation and one V8 worker
 * thread (fewer malloc arenas) keep idle RSS under 80 MB after bursts; the plugin is I/O-bound, so latency holds
 * (see `npm run bench:plugin`). `env -S` needs coreutils ≥ 8.30 (Debian 10+, node:*-slim images).
 */
import { main } from './main.ts';

// `sentinel-plugin.js --self-check`: loads what `kind: canary` needs (the payload at the end of the bundle, see
// build.ts) and says so — a check of an installed file that needs no controller.
if (process.argv[2] === '--self-check') {
  const m = await import('./checks/canaryModule.ts');
  process.stdout.write(`rollout-sentinel plugin: kind: canary loads (${Object.keys(m).sort().join(', ')})\n`);
  process.exit(0);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Exit even if a socket or timer lingers: the controller SIGKILLs a plugin that outlives Control.Quit by 2 s.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ '@level': 'error', '@message': `plugin crashed: ${String(err)}` })}\n`,
    );
    process.exit(1);
  },
);
