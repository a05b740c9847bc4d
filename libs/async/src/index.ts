export { withTimeout } from './timeout';
export { WakeableSleep } from './wakeable-sleep';
export { ManualClock, systemClock, type Clock, type Timer } from './clock';
