/**
 * @module plugin/goplugin/handshake — go-plugin's server handshake (`hashicorp/go-plugin:server.go` `Serve`):
 * version negotiation, the unix socket path, and the one stdout line `1|1|unix|<path>|netrpc|`.
 */
import { randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** go-plugin's `CoreProtocolVersion`. */
export const CORE_PROTOCOL_VERSION = 1;
/** Argo Rollouts' `HandshakeConfig.ProtocolVersion`. */
export const APP_PROTOCOL_VERSION = 1;

/** Picks our app protocol version from the controller's `PLUGIN_PROTOCOL_VERSIONS`, or undefined if none fits. */
export function negotiateVersion(offered: string): number | undefined {
  const versions = offered
    .split(',')
    .map((v) => Number(v.trim()))
    .filter((v) => Number.isInteger(v));
  return versions.includes(APP_PROTOCOL_VERSION) ? APP_PROTOCOL_VERSION : undefined;
}

/** A fresh socket path like Go's `os.CreateTemp(dir, "plugin")`: `<dir>/plugin<digits>`. */
export function socketPath(dir: string | undefined): string {
  return join(dir || tmpdir(), `plugin${randomInt(1e9, 1e10 - 1)}`);
}

/** The handshake line (with its newline): CORE|APP|NETWORK|ADDRESS|PROTOCOL|SERVERCERT. */
export function handshakeLine(address: string, version: number = APP_PROTOCOL_VERSION): string {
  return `${CORE_PROTOCOL_VERSION}|${version}|unix|${address}|netrpc|\n`;
}
