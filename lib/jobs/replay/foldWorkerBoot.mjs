// Worker entry when running from TypeScript sources (CLI via tsx, tests, bench): register tsx in
// this worker thread, then load the fold worker. A compiled build loads foldWorker.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./foldWorker.ts');
