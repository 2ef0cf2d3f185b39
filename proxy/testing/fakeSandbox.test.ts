import { runBackendContract } from '../backends/contract.case.ts';
import { FakeBackend } from './fakeSandbox.ts';

// The proxy-layer tests rely on FakeBackend; it must keep the same contract as the real backends.
runBackendContract({ name: 'fake (test double)', create: () => new FakeBackend({ ensureDelayMs: 50 }) });
