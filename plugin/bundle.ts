/** @module plugin/bundle — entry point of the bundled `dist/sentinel-plugin.js` (esbuild adds the shebang). */
import { main } from './main.ts';

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
