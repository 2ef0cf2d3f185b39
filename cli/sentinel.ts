/** @module cli/sentinel — the one CLI of the product: `sentinel <command> [flags]`. */
import { ConfigError } from '../lib/config.ts';
import { SentinelError } from '../lib/errors.ts';

/** A subcommand: takes its argv (after the command name) and resolves to the process exit code. */
export type CommandMain = (argv: string[]) => Promise<number>;

interface Command {
  summary: string;
  load: () => Promise<{ main: CommandMain }>;
}

/** Exit code for a usage or input error, shared by every command. */
export const EXIT_USAGE = 3;

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
  },
  judge: {
    summary: 'judge a canary from stable and canary logs',
    load: () => import('../analysis/cli/judge.ts'),
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
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `usage: sentinel <command> [flags]\n\ncommands:\n${rows.join('\n')}\n\nRun \`sentinel <command> --help\` for its flags.\n`;
}

/** Dispatches to a subcommand and turns configuration errors into a message and exit code. */
export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : EXIT_USAGE;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`sentinel: unknown command "${name}".\n\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    const { main } = await command.load();
    return await main(rest);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sentinel ${name}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof SentinelError) {
      process.stderr.write(`sentinel ${name}: ${err.describe()}\n`);
      return 1;
    }
    throw err;
  }
}
