/**
 * @module plugin/checks/canaryModule — everything `kind: canary` needs beyond its config (the check, the canary
 * analysis with its Kubernetes client, and the journey runner with playwright-core), imported only on the first canary
 * measurement (registry.ts). In the bundle (plugin/build.ts) this module is built separately and carried compressed
 * at the end of dist/sentinel-plugin.js, so an httpProbe-only plugin never even parses it.
 */
export { CanaryCheck, defaultKubeConfig } from './canary.ts';
export { PlaywrightJourneyRunner } from '../../analysis/index.ts';
