/** @module cli/sentinel — the one CLI of the product: `sentinel <command> [flags]`. */
import { readFileSync } from 'node:fs';
import { EXIT, EXIT_CODES_HELP, describeFailure, exitCodeOf } from '../lib/exitCodes.ts';

/** A subcommand: takes its argv (after the command name) and resolves to the process exit code. */
export type CommandMain = (argv: string[]) => Promise<number>;

interface Command {
  summary: string;
  load: () => Promise<{ main: CommandMain }>;
  /** Help printed here for a command that has no `--help` of its own. */
  help?: string;
}

/** Exit code for a usage or input error, shared by every command (see lib/exitCodes.ts for the whole contract). */
export const EXIT_USAGE = EXIT.usage;

const COMMANDS: Record<string, Command> = {
  proxy: {
    summary: 'run the sandbox proxy (one Chromium per tenant)',
    load: () => import('../proxy/main.ts'),
  },
  bench: {
    summary: 'benchmark the proxy and its backends (cold / warm / restore)',
    load: () => import('../proxy/bench/main.ts'),
  },
  plugin: {
    summary: 'serve the Argo Rollouts metric plugin (started by the controller)',
    load: () => import('../plugin/main.ts'),
    help: 'usage: sentinel plugin [--log-level LEVEL]\n\nThe Argo Rollouts metric plugin. The Argo Rollouts controller starts it (go-plugin): it prints\nthe handshake line on stdout and serves on a unix socket in PLUGIN_UNIX_SOCKET_DIR. See plugin/README.md.\n',
  },
  judge: {
    summary: 'judge a canary from stable and canary logs',
    load: () => import('../analysis/cli/judge.ts'),
  },
  journey: {
    summary: 'run Playwright synthetic journeys, or compare canary vs stable',
    load: () => import('../journeys/cli.ts'),
  },
  templates: {
    summary: 'mine log templates from a file',
    load: () => import('../analysis/cli/templates.ts'),
  },
  eval: {
    summary: 'run the judge over the labelled eval corpus',
    load: () => import('../analysis/eval/main.ts'),
  },
  report: {
    summary: 'file or preview the GitHub issue for a saved verdict',
    load: () => import('../analysis/cli/report.ts'),
  },
  demo: {
    summary: 'the self-healing loop on one machine: rollback, issue, fix, promote, issue closed (npm start)',
    load: () => import('../demo/main.ts'),
  },
  canary: {
    summary: 'run the canary analysis once (journeys + logs → verdict → issue); exit 0/1/2 like judge',
    load: () => import('../analysis/cli/canary.ts'),
  },
  serve: {
    summary: 'the canary analysis over HTTP (Argo web metrics, Flagger webhooks): POST/GET /v1/analyses',
    load: () => import('../analysis/cli/serve.ts'),
  },
};

/** Every command's name (the exit-code test runs `--help` and `--version` on each). */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `usage: sentinel <command> [flags]\n\ncommands:\n${rows.join('\n')}\n\nRun \`sentinel <command> --help\` for its flags; \`sentinel --version\` for the version.\n\n${EXIT_CODES_HELP}\n`;
}

/** `rollout-sentinel <version> (node <version>)`. */
export function versionLine(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
  return `${pkg.name} ${pkg.version} (node ${process.versions.node})\n`;
}

/**
 * `-h` means `--help` for every command; `--version` is answered here for every command. Returns the argv to pass on,
 * or the exit code when the request was answered here.
 */
function commonFlags(command: Command, rest: string[]): string[] | number {
  if (rest.includes('--version')) {
    process.stdout.write(versionLine());
    return EXIT.ok;
  }
  const argv = rest.map((a) => (a === '-h' ? '--help' : a));
  if (command.help && argv.includes('--help')) {
    process.stdout.write(`${command.help}\n${EXIT_CODES_HELP}\n`);
    return EXIT.ok;
  }
  return argv;
}

/**
 * Dispatches to a subcommand and turns whatever escapes it into a message and an exit code of the contract in
 * lib/exitCodes.ts: 3 for the caller's mistake (no stack trace), 4 for anything else — never 1, which means rollback.
 */
export async function run(argv: string[], opts: { debug?: boolean } = {}): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(versionLine());
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`sentinel: unknown command "${name}".\n\n${usage()}`);
    return EXIT.usage;
  }
  const args = commonFlags(command, rest);
  if (typeof args === 'number') return args;
  try {
    const { main } = await command.load();
    return await main(args);
  } catch (err) {
    process.stderr.write(`sentinel ${name}: ${describeFailure(err, opts)}\n`);
    return exitCodeOf(err);
  }
}

/**
 * Last resort for errors thrown outside the awaited chain (an 'error' event nobody listened to): print a message
 * instead of Node's stack trace and exit 4. Installed by bin/sentinel.js.
 */
export function installCrashHandlers(opts: { debug?: boolean } = {}): void {
  const crash = (err: unknown): void => {
    process.stderr.write(`sentinel: ${describeFailure(err, opts)}\n`);
    process.exit(exitCodeOf(err) === EXIT.usage ? EXIT.usage : EXIT.internal);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}
