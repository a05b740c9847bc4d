export { withTimeout } from './timeout';
export { WakeableSleep } from './wakeable-sleep';
