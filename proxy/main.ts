/** @module proxy/main — `sentinel proxy`: load the configuration once, start the proxy, stop it on SIGTERM/SIGINT. */
import { optionsHelp } from '../lib/config.ts';
import { EXIT_CODES_HELP } from '../lib/exitCodes.ts';
import { createRootLogger } from '../lib/log.ts';
import { startProxy } from './app.ts';
import { allOptionSpecs, loadConfig } from './config.ts';
import { TOKEN_USAGE, tokenFor } from './tokenCommand.ts';

/** Runs the proxy until SIGTERM or SIGINT; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'token') {
    if (argv.includes('--help') || argv.includes('-h')) {
      console.log(`${TOKEN_USAGE}\n\n${EXIT_CODES_HELP}`);
      return 0;
    }
    console.log(tokenFor({ argv: argv.slice(1) }));
    return 0;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(
      `usage: sentinel proxy [flags]        (sentinel proxy token --tenant ID: print a tenant token)\n\nOptions (flag, env var, meaning):\n${optionsHelp(allOptionSpecs())}\n\n${EXIT_CODES_HELP}`,
    );
    return 0;
  }
  const config = loadConfig({ argv });
  const log = createRootLogger({ level: config.logLevel });
  const proxy = await startProxy(config, { log });
  console.error(`sentinel proxy: data ${proxy.server.dataUrl}  admin ${proxy.server.adminUrl}`);
  if (config.identity.mode === 'header') {
    // The path, never the key: local clients mint their tenant tokens from this file (lib/tenantToken.ts).
    console.error(`sentinel proxy: tenant tokens are verified with the key in ${config.identity.keyFile}`);
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'signal received');
  // A second signal while draining stops at once (the backend's exit hook still kills local sandboxes).
  const again = (): void => process.exit(130);
  process.once('SIGTERM', again);
  process.once('SIGINT', again);
  await proxy.close();
  return 0;
}
