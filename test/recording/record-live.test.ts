import { it } from 'vitest';
import { useTeardown } from '../../harness/teardown.ts';
import { shoppingLive } from './scenario.ts';

const t = useTeardown();

it('a ~15 s live with two pins, a flash sale and a chat message is recorded: ffprobe duration within 2 s of the live, every segment starts on a keyframe, the timeline holds each moment within 1 s', async () => {
  await shoppingLive(t, { pin1: 2, pin2: 3, sale: 4, end: 8 });
}, 180_000);
