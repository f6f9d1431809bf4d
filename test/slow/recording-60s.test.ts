import { it } from 'vitest';
import { useTeardown } from '../../harness/teardown.ts';
import { shoppingLive } from '../recording/scenario.ts';

const t = useTeardown();

it("issue 18's acceptance: a 60 s live with two pins and a flash sale is recorded within 2 s of its duration, every segment on a keyframe, the timeline within 1 s", async () => {
  await shoppingLive(t, { pin1: 5, pin2: 12, sale: 18, end: 30 });
}, 180_000);
