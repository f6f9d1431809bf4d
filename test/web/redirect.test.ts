import { expect, it } from 'vitest';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';
import { poll, useBrowser } from '../../harness/browser.ts';

const t = useTeardown();
const openPage = useBrowser(t);

it('signing in on /?next=... goes to a path of this site and never to another host', async () => {
  const node = t.add(await startNode());
  const origin = new URL(node.url).origin;
  const tricks = [
    '/%5Cevil.example/', // the case: decodes to /\evil.example/, which browsers read as //evil.example/
    '%2F%2Fevil.example%2F',
    '/%09/evil.example/',
    '%5C%5Cevil.example',
    'https://evil.example/',
    'https:/evil.example/',
    'javascript:alert(document.domain)',
  ];
  for (const [i, next] of tricks.entries()) {
    const landing = await openPage(`${node.url}/?next=${next}`);
    const { page } = landing;
    // If the page ever left for evil.example, it would land here and the check below would see it.
    await page.context().route(/evil\.example/, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: 'evil' }));
    const name = `Ann ${i}`;
    await page.getByLabel('Display name').fill(name);
    await page.getByRole('button', { name: 'Get a dev token' }).click();
    // Signed in and still here: the pill shows the identity on this origin (a redirect would have left instead).
    await poll(async () => {
      const url = new URL(page.url());
      if (url.origin !== origin) return `left for ${page.url()}`;
      return page.getByTestId('identity-pill').textContent();
    }).toBe(`${name} · viewer`);
    expect([next, new URL(page.url()).origin, new URL(page.url()).pathname]).toEqual([next, origin, '/']);
    expect(landing.errors).toEqual([]);
  }

  // A path of this site is still followed.
  const { page, errors } = await openPage(`${node.url}/?next=%2Fconsole%3Fx%3D1`);
  await page.getByLabel('Display name').fill('Mo');
  await page.getByLabel('Role').selectOption('moderator');
  await page.getByRole('button', { name: 'Get a dev token' }).click();
  await poll(() => page.url()).toBe(`${node.url}/console?x=1`);
  expect(errors).toEqual([]);
});
