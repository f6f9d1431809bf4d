/** `--import` entry for the soak's node: records its event-loop stalls (bench/soak/stallRecorder.ts). */
import { recordStalls } from './stallRecorder.ts';

recordStalls();
