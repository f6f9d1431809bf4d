import { expect, it } from 'vitest';
import { devToken } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { poll, useBrowser } from '../../harness/browser.ts';
import { BOARD_PATH } from '../../server/payments/board.ts';

const t = useTeardown();
const openPage = useBrowser(t);

it('Bull Board works in Chromium under its own CSP: the dashboard renders and lists the payments queue', async () => {
  const node = t.add(await startNode());
  const admin = await devToken(node.url, { userId: 'root', name: 'Root', role: 'admin' });
  const { page, errors, cspViolations } = await openPage(`${node.url}${BOARD_PATH}?token=${admin}`, {
    // Refused on purpose (server/edge/headers.ts BOARD_CSP): its Google Fonts stylesheet; the system font is used.
    allowCspViolations: [/fonts\.googleapis\.com/],
    allowErrors: [/fonts\.googleapis\.com/],
  });
  // The token left the address (a cookie now carries it) and the React app drew the queue list.
  expect(new URL(page.url()).searchParams.get('token')).toBeNull();
  await poll(() => page.getByText('payments', { exact: false }).first().isVisible()).toBe(true);
  expect(cspViolations).toEqual([]);
  expect(errors).toEqual([]);
});
