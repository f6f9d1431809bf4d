import { HawkerError, type Role } from '@hawker/client-sdk';
import { byId, h, icon, replace } from './dom.ts';
import { initials } from './format.ts';
import { hasRole, loadIdentity, signOut, type Identity } from './identity.ts';

const PAGES = [
  { href: '/', label: 'Home' },
  { href: '/studio', label: 'Creator studio' },
  { href: '/console', label: 'Agency console' },
] as const;

/** Fills the page's `#topbar`: brand, navigation, and who is signed in. */
export function renderTopbar(current: string, extra?: Node): void {
  const identity = loadIdentity();
  const nav = h(
    'nav',
    {},
    ...PAGES.map((p) => h('a', { text: p.label, attrs: { href: p.href, 'aria-current': p.href === current ? 'page' : undefined } })),
  );
  const who = identity
    ? h(
        'div',
        { class: 'who', attrs: { 'data-testid': 'who' } },
        h('span', { class: 'avatar', text: initials(identity.principal.name) }),
        h('span', { class: 'name', text: `${identity.principal.name} · ${identity.principal.role}` }),
        h('button', {
          class: 'btn btn-ghost btn-sm',
          text: 'Sign out',
          on: {
            click: () => {
              signOut();
              location.href = '/';
            },
          },
        }),
      )
    : h('a', { class: 'btn btn-sm', text: 'Sign in', attrs: { href: '/#sign-in' } });
  replace(
    byId('topbar'),
    h('a', { class: 'brand', attrs: { href: '/' } }, icon('logo', 'brand-mark'), 'Hawker'),
    nav,
    h('div', { class: 'spacer' }),
    extra ?? null,
    who,
  );
}

/** A short message at the bottom of the screen. */
export function toast(message: string, kind: 'info' | 'ok' | 'error' = 'info', ms = 4000): void {
  let box = document.querySelector<HTMLElement>('.toasts');
  if (!box) {
    box = h('div', { class: 'toasts', attrs: { role: 'status', 'aria-live': 'polite' } });
    document.body.appendChild(box);
  }
  const el = h('div', { class: `toast toast-${kind}`, text: message, attrs: { 'data-testid': 'toast' } });
  box.appendChild(el);
  setTimeout(() => el.remove(), ms);
}

/**
 * What went wrong, in words for the person in front of the page, and what to do next. Every error a page shows goes
 * through here, so the same failure reads the same everywhere.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof HawkerError))
    return `Something went wrong (${(err as Error)?.message ?? String(err)}). Reload the page and try again.`;
  switch (err.code) {
    case 'UNAUTHENTICATED':
      return 'Your sign-in expired or is invalid. Sign in again on the home page.';
    case 'FORBIDDEN':
      return `${err.message}.`.replace(/\.\.$/, '.');
    case 'NOT_FOUND':
      return `${err.message}. Check the link, or pick a room from the home page.`;
    case 'RATE_LIMITED':
      return `Slow down a little: try again in ${Math.ceil((err.retryAfterMs ?? 1000) / 1000)} s.`;
    case 'NOT_CONNECTED':
      return 'Not connected to the server. Check your network; the page reconnects by itself.';
    case 'TIMEOUT':
      return 'The server did not answer in time. Check your network and try again.';
    case 'CLOSED':
      return 'This room is closed. Go back to the home page to find another live.';
    case 'MEDIA_UNSUPPORTED':
      return `${err.message}`;
    case 'UNAVAILABLE':
      return 'The server is busy or restarting. Try again in a few seconds.';
    case 'BAD_REQUEST':
      return `${err.message}. Fix the highlighted value and try again.`;
    default:
      return err.message;
  }
}

/** Replaces the page's main content with a centred notice (sign-in needed, room ended...) and a way forward. */
export function showNotice(opts: { title: string; message: string; action?: { label: string; href: string }; testId?: string }): void {
  const main = byId('main');
  main.className = 'page';
  replace(
    main,
    h(
      'div',
      { class: 'notice', attrs: { 'data-testid': opts.testId ?? 'notice' } },
      h(
        'div',
        { class: 'card' },
        icon('logo', 'icon'),
        h('h1', { text: opts.title }),
        h('p', { class: 'muted', text: opts.message }),
        opts.action ? h('a', { class: 'btn btn-primary', text: opts.action.label, attrs: { href: opts.action.href } }) : null,
      ),
    ),
  );
}

/**
 * The signed-in identity if it may use this page; otherwise shows why not and how to fix it, and returns null.
 * `roles` lists who the page is for; `what` names the page in the message.
 */
export function requireIdentity(roles: readonly Role[], what: string): Identity | null {
  const identity = loadIdentity();
  const next = encodeURIComponent(location.pathname + location.search);
  if (!identity) {
    showNotice({
      title: 'Sign in first',
      message: `The ${what} needs a ${roles.join(' or ')} identity. Pick a name and role on the home page (development tokens), then come back.`,
      action: { label: 'Sign in', href: `/?next=${next}#sign-in` },
      testId: 'need-sign-in',
    });
    return null;
  }
  if (!hasRole(identity.principal, roles)) {
    showNotice({
      title: `This page is for ${roles.join(' or ')} accounts`,
      message: `You are signed in as ${identity.principal.name} (${identity.principal.role}). Sign in with a ${roles.join(' or ')} role to use the ${what}.`,
      action: { label: 'Switch identity', href: `/?next=${next}#sign-in` },
      testId: 'wrong-role',
    });
    return null;
  }
  return identity;
}

/** A banner pinned under the top bar while the connection is down; hidden again when it is back. */
export class ConnectionBanner {
  private readonly el = h('div', {
    class: 'banner banner-warn conn-banner',
    attrs: { role: 'alert', 'data-testid': 'connection-banner', hidden: true },
  });

  constructor() {
    document.body.appendChild(this.el);
  }

  show(message: string, kind: 'warn' | 'error' = 'warn'): void {
    this.el.className = `banner banner-${kind} conn-banner`;
    replace(this.el, icon('plug'), h('span', { text: message }));
    this.el.hidden = false;
  }

  hide(): void {
    this.el.hidden = true;
  }
}

/** Runs an async UI action with its button disabled meanwhile, turning failures into a toast. */
export async function withButton<T>(button: HTMLButtonElement, action: () => Promise<T>): Promise<T | undefined> {
  button.disabled = true;
  try {
    return await action();
  } catch (err) {
    toast(describeError(err), 'error', 6000);
    return undefined;
  } finally {
    button.disabled = false;
  }
}

/**
 * A destructive button that needs a second tap within a few seconds (no blocking `confirm()` dialog, which phones
 * render badly): the first tap relabels it with `confirmLabel`, the second runs `action`.
 */
export function armedButton(button: HTMLButtonElement, confirmLabel: string, action: () => unknown): void {
  const label = button.textContent ?? '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  button.addEventListener('click', () => {
    if (timer === undefined) {
      button.textContent = confirmLabel;
      button.classList.add('armed');
      timer = setTimeout(() => {
        timer = undefined;
        button.textContent = label;
        button.classList.remove('armed');
      }, 4000);
      return;
    }
    clearTimeout(timer);
    timer = undefined;
    button.textContent = label;
    button.classList.remove('armed');
    void action();
  });
}
