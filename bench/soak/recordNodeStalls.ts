/** `--import` entry for the soak's node: records its event-loop stalls (bench/soak/stallRecorder.ts). */
import { recordAccepts, recordStalls } from './stallRecorder.ts';

recordStalls();
recordAccepts();
