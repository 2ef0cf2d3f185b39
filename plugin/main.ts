/**
 * @module plugin/main — `sentinel plugin`: the Argo Rollouts metric plugin process. Started by the controller via
 * go-plugin; prints the handshake line on stdout, logs hclog JSON lines on stderr, exits on Control.Quit or when the
 * controller goes away.
 */
import { rmSync } from 'node:fs';
import { EXIT, UsageError } from '../lib/exitCodes.ts';
import { errorMessage } from '../lib/errors.ts';
import { CheckProvider } from './checkProvider.ts';
import { defaultChecks } from './checks/registry.ts';
import { loadConfig, warmUpArgsSchema } from './config.ts';
import { NOT_A_COMMAND_MESSAGE, PLUGIN_NAME, unsupportedProtocolVersion } from './errors.ts';
import { warmUpGobForStartup } from './goplugin/gob/warmup.ts';
import { handshakeLine, negotiateVersion, socketPath } from './goplugin/handshake.ts';
import { GoPluginServer, type ServeEnd } from './goplugin/server.ts';
import { idleGc } from './idleGc.ts';
import { createPluginLogger, type Logger } from './log.ts';

/** Quiet time after the last RPC before one full GC returns a burst's garbage (see idleGc.ts). */
const IDLE_GC_MS = 2000;
/** How often we check that the controller (our parent process) is still alive. */
const PARENT_POLL_MS = 1000;

function watchParent(onGone: () => void): NodeJS.Timeout {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) onGone();
  }, PARENT_POLL_MS);
  timer.unref();
  return timer;
}

/** The go-plugin server over the default checks, warmed up and not yet listening; `stop` ends all it started. */
interface Serving {
  server: GoPluginServer;
  stop(): Promise<void>;
}

/**
 * What both modes start alike: the provider with the default checks, the go-plugin server, the idle GC. Warms up
 * before returning, so that the first `Run` (~220 gob type definitions, the args schema) runs on optimised code;
 * then drops the warm-up's garbage.
 */
async function startServing(log: Logger): Promise<Serving> {
  const shutdown = new AbortController();
  const gc = idleGc(IDLE_GC_MS);
  const provider = new CheckProvider({
    checks: defaultChecks(),
    log: log.child({ component: 'plugin.provider' }),
  });
  const server = new GoPluginServer({
    provider,
    log: log.child({ component: 'plugin.goplugin' }),
    signal: shutdown.signal,
    onCall: gc.touch,
  });
  await warmUpGobForStartup();
  warmUpArgsSchema();
  gc.collect();
  return {
    server,
    stop: async () => {
      shutdown.abort();
      gc.stop();
      provider.close();
      await server.close();
    },
  };
}

/** Runs the plugin; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const config = loadConfig(argv);
  if (config.serve) return serveSidecar(config);
  if (!config.cookieOk) {
    process.stderr.write(NOT_A_COMMAND_MESSAGE);
    return EXIT.usage;
  }
  const log = createPluginLogger({ level: config.logLevel });
  const version = negotiateVersion(config.protocolVersions);
  if (version === undefined) {
    const err = unsupportedProtocolVersion(config.protocolVersions);
    log.error({ code: err.code }, err.describe());
    return EXIT.usage;
  }
  const serving = await startServing(log);
  const path = socketPath(config.socketDir);
  try {
    await serving.server.listen(path);
  } catch (err) {
    throw new UsageError(
      'PluginSocketUnusable',
      `Cannot listen on the plugin socket ${path}: ${errorMessage(err)}.`,
      {
        hint: 'PLUGIN_UNIX_SOCKET_DIR must name an existing directory this process may write to (default: the temp dir).',
        cause: err,
      },
    );
  }

  // go-plugin "eats" interrupts: the controller, not Ctrl-C, decides when the plugin stops.
  process.on('SIGINT', () => log.debug('SIGINT ignored'));
  const stop = new Promise<ServeEnd>((resolve) => {
    process.once('SIGTERM', () => resolve('closed'));
    watchParent(() => resolve('disconnected'));
  });
  process.stdout.write(handshakeLine(path, version));
  log.info({ plugin: PLUGIN_NAME, socket: path, pid: process.pid }, 'plugin serving');

  const end = await Promise.race([serving.server.done, stop]);
  log.info({ reason: end }, 'plugin stopping');
  await serving.stop();
  return 0;
}

/**
 * `sentinel plugin --serve`: the sidecar of the stock-image route. The controller starts the static shim
 * (plugin/shim), which prints a handshake naming this socket; each controller connection is one go-plugin session
 * (its own broker ids and streams), connections come one after another (a controller restart, a killed shim), and
 * Control.Quit or a closed connection ends only that session. Checks live in the sidecar, so a measurement started
 * before a controller restart can still be resumed after it. Stops on SIGTERM (the pod stopping).
 */
async function serveSidecar(config: ReturnType<typeof loadConfig>): Promise<number> {
  const log = createPluginLogger({ level: config.logLevel });
  const serving = await startServing(log);
  rmSync(config.socket, { force: true }); // a socket file left by a previous sidecar container
  await serving.server.listen(config.socket);
  process.on('SIGINT', () => log.debug('SIGINT ignored'));
  log.info({ plugin: PLUGIN_NAME, socket: config.socket, pid: process.pid }, 'plugin sidecar serving');
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  log.info({ reason: 'SIGTERM' }, 'plugin sidecar stopping');
  await serving.stop();
  return 0;
}
